/* Choosing the kernel table, once per process: written once under pthread_once
 * and read-only afterwards, like the default thread count (exec.c) and the
 * topology (topology.c). Nothing else in the library is process-wide state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "core/error.h"
#include "exec/isa.h"

/* pthread_once rather than C11 call_once: glibc's call_once reaches pthread_once
 * internally, around ThreadSanitizer's interceptor, so TSan would not see the
 * ordering it gives and would report every later read as a race. */
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;
static const lg_kernels *chosen;
static char choose_error[256];
/* What lg_set_default_isa() asked for; see exec.c's threads_lock for why a lock. */
static pthread_mutex_t choose_lock = PTHREAD_MUTEX_INITIALIZER;
static const lg_kernels *asked;
static bool choice_fixed;

/* "scalar, avx2" for the tables this CPU runs. */
static void runnable_names(char *buf, size_t len)
{
    lg_isa_names(buf, len, ", ", NULL);
}

static void choose(void)
{
    pthread_mutex_lock(&choose_lock);
    choice_fixed = true;
    chosen = asked;
    pthread_mutex_unlock(&choose_lock);
    if (chosen)
        return;
    const char *want = getenv("LINGRAD_ISA");
    if (!want || !*want) {
        chosen = lg_kernels_best();
        return;
    }
    const lg_kernels *k = lg_kernels_find(want);
    char names[100];
    runnable_names(names, sizeof names);
    if (!k)
        snprintf(choose_error, sizeof choose_error,
                 "LINGRAD_ISA=%.40s: no such kernel table in this build (this CPU runs: %s)", want,
                 names);
    else if (!lg_kernels_runnable(k))
        snprintf(choose_error, sizeof choose_error,
                 "LINGRAD_ISA=%s: this CPU cannot run it (this CPU runs: %s)", want, names);
    else
        chosen = k;
}

lg_status lg_kernels_default(const lg_kernels **out)
{
    (void)pthread_once(&choose_once, choose);
    *out = chosen;
    return chosen ? LG_OK : lg_fail(LG_EUNSUPPORTED, "%s", choose_error);
}

lg_status lg_set_default_isa(const char *isa)
{
    const lg_kernels *k = isa ? lg_kernels_find(isa) : lg_kernels_best();
    char names[100];
    runnable_names(names, sizeof names);
    if (!k)
        return lg_fail(LG_EUNSUPPORTED, "lg_set_default_isa: no kernel table '%.40s' in this "
                       "build (this CPU runs: %s)", isa, names);
    if (!lg_kernels_runnable(k))
        return lg_fail(LG_EUNSUPPORTED, "lg_set_default_isa: this CPU cannot run '%s' (this "
                       "CPU runs: %s)", isa, names);
    pthread_mutex_lock(&choose_lock);
    bool fixed = choice_fixed;
    if (!fixed)
        asked = k;
    pthread_mutex_unlock(&choose_lock);
    if (fixed)
        return lg_fail(LG_EINVAL, "lg_set_default_isa: the default kernel table is already fixed "
                       "by an earlier lingrad call; set it before anything else");
    return LG_OK;
}

size_t lg_isa_count(void)
{
    return lg_kernels_count();
}

const char *lg_isa_name(size_t i)
{
    const lg_kernels *k = lg_kernels_at(i);
    return k ? k->name : NULL;
}

bool lg_isa_supported(size_t i)
{
    const lg_kernels *k = lg_kernels_at(i);
    return k && lg_kernels_runnable(k);
}

/* sep, name and mark at buf[used], cut as snprintf cuts; returns the new
 * length of the whole list, written or not. */
static size_t append(char *buf, size_t len, size_t used, const char *sep, const char *name,
                     const char *mark)
{
    int w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s%s%s", sep,
                     name, mark);
    return used + (w > 0 ? (size_t)w : 0);
}

size_t lg_isa_names(char *buf, size_t len, const char *sep, const char *not_runnable)
{
    if ((!buf && len) || !sep) {
        lg_fail(LG_EINVAL, "lg_isa_names: %s", !sep ? "sep is NULL"
                : "buf is NULL but len is not 0 (NULL is allowed with len 0 only)");
        return 0;
    }
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < lg_isa_count(); i++) {
        bool runs = lg_isa_supported(i);
        if (runs || not_runnable)
            used = append(buf, len, used, used ? sep : "", lg_isa_name(i),
                          runs ? "" : not_runnable);
    }
    return used;
}

const char *lg_isa_default(void)
{
    const lg_kernels *k;
    return lg_kernels_default(&k) == LG_OK ? k->name : NULL;
}

void lg_cpu_describe(char *buf, size_t len)
{
    if (!buf) {
        if (len)
            lg_fail(LG_EINVAL, "lg_cpu_describe: buf is NULL but len is %zu", len);
        return;
    }
    lg_cpu_features f = lg_cpu_detect();
#if defined(__x86_64__) || defined(__i386__)
    snprintf(buf, len, "x86-64%s%s%s; OS saves%s%s%s", f.avx2 ? " avx2" : "", f.fma ? " fma" : "",
             f.avx512f ? " avx512f" : "", f.os_ymm ? " ymm" : "", f.os_zmm ? " zmm" : "",
             f.os_ymm || f.os_zmm ? "" : " no AVX state");
#elif defined(__aarch64__)
    snprintf(buf, len, "aarch64%s", f.neon ? " neon" : "");
#else
    (void)f;
    snprintf(buf, len, "unknown architecture (scalar kernels only)");
#endif
}
