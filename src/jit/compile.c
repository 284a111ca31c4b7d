#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "jit/compile.h"
#include "jit/hash.h"
#include "jit/run_compiler.h"
#include "jit/sealed_object.h"
#include "jit_build.h"

/* -ffp-contract=off as for the library itself: a*b+c is never fused behind the
 * generated code's back. -w: generated code is not the user's to fix. */
static const char *const base_flags[] = {"-O3", "-fPIC", "-shared", "-ffp-contract=off",
                                         "-std=c11", "-w", NULL};

static const struct {
    const char *isa;
    const char *flags[8];
} isa_table[] = {LG_JIT_ISA_TABLE};

/* Temporary names within the process; pid and a random part make them unique
 * across processes and hosts sharing a directory, O_EXCL catches the rest. */
static atomic_ulong temp_counter;

const char *const *lg_jit_base_flags(void)
{
    return base_flags;
}

const char *const *lg_jit_isa_flags(const char *isa)
{
    for (size_t i = 0; isa && i < sizeof isa_table / sizeof isa_table[0]; i++)
        if (strcmp(isa_table[i].isa, isa) == 0)
            return isa_table[i].flags;
    return NULL;
}

/* "<dir>/tmp-<pid>-<n>-<random>", a stem for the .c and the .so. */
static void temp_stem(const char *dir, char *stem, size_t len)
{
    unsigned long n = atomic_fetch_add(&temp_counter, 1);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    uint64_t mix[4] = {(uint64_t)getpid(), n, (uint64_t)t.tv_sec, (uint64_t)t.tv_nsec};
    lg_hash128 h = lg_hash128_of(mix, sizeof mix);
    snprintf(stem, len, "%s/tmp-%ld-%lu-%08llx", dir, (long)getpid(), n,
             (unsigned long long)(h.a & 0xffffffffULL));
}

/* The source, then its own bytes as data: a loaded object proves which source
 * it was built from, whatever its file is called. One byte more than len, so an
 * empty source still gives a valid array. */
static char *with_text(const char *source, size_t len, size_t *out_len)
{
    size_t cap = len + 5 * len + len / 16 + 200;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    memcpy(buf, source, len);
    size_t k = len;
    k += (size_t)snprintf(buf + k, cap - k, "\n/* lingrad: the source above, as bytes */\n"
                          "const unsigned long lg_jit_text_len = %zuUL;\n"
                          "const unsigned char lg_jit_text[] = {", len);
    for (size_t i = 0; i < len; i++) {
        unsigned v = (unsigned char)source[i];
        if (i % 24 == 0)
            buf[k++] = '\n';
        if (v >= 100)
            buf[k++] = (char)('0' + v / 100);
        if (v >= 10)
            buf[k++] = (char)('0' + v / 10 % 10);
        buf[k++] = (char)('0' + v % 10);
        buf[k++] = ',';
    }
    k += (size_t)snprintf(buf + k, cap - k, "0};\n");
    *out_len = k;
    return buf;
}

static lg_status write_source(const char *path, const char *source, size_t len)
{
    size_t n;
    char *text = with_text(source, len, &n);
    if (!text)
        return lg_fail(LG_ENOMEM, "jit: out of memory for %zu bytes of source", len);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    lg_status s = fd < 0 ? lg_fail(LG_EIO, "cannot write %s: %s", path, strerror(errno)) : LG_OK;
    for (size_t done = 0; s == LG_OK && done < n;) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            s = lg_fail(LG_EIO, "cannot write %s: %s", path, w < 0 ? strerror(errno) : "no space");
        else
            done += (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0 && s == LG_OK)
        s = lg_fail(LG_EIO, "cannot write %s: %s", path, strerror(errno));
    free(text);
    return s;
}

static lg_status run(const lg_jit_setup *js, const char *const *isa_flags, lg_jit_build *b)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)js->cc_path; /* posix_spawn's argv is char *const[], never written */
    for (const char *const *f = base_flags; *f; f++)
        argv[n++] = (char *)*f;
    for (const char *const *f = isa_flags; *f; f++)
        argv[n++] = (char *)*f;
    argv[n++] = "-o";
    argv[n++] = b->so_path;
    argv[n++] = b->c_path;
    argv[n] = NULL;
    char strip[600];
    snprintf(strip, sizeof strip, "%s/", js->pub.cache_dir);
    return lg_jit_run(argv, js->pub.timeout, strip);
}

lg_status lg_jit_compile(const lg_jit_setup *js, const char *source, size_t len,
                         const char *const *isa_flags, lg_jit_build *b)
{
    char stem[1000];
    temp_stem(js->pub.cache_dir, stem, sizeof stem);
    snprintf(b->c_path, sizeof b->c_path, "%s.c", stem);
    snprintf(b->so_path, sizeof b->so_path, "%s.so", stem);
    lg_status s = write_source(b->c_path, source, len);
    if (s == LG_OK)
        s = run(js, isa_flags, b);
    if (s == LG_OK)
        s = lg_jit_seal(b->so_path);
    if (s != LG_OK)
        lg_jit_discard(b);
    return s;
}

lg_status lg_jit_publish(lg_jit_build *b, const char *so_path)
{
    char c_path[1100];
    size_t n = strlen(so_path);
    snprintf(c_path, sizeof c_path, "%.*s.c", (int)(n - 3), so_path);
    if (rename(b->so_path, so_path) != 0)
        return lg_fail(LG_EIO, "cannot store %s in the cache: %s", so_path, strerror(errno));
    /* The source is for people to read; losing it loses no correctness. */
    if (rename(b->c_path, c_path) != 0)
        unlink(b->c_path);
    return LG_OK;
}

void lg_jit_discard(lg_jit_build *b)
{
    unlink(b->c_path);
    unlink(b->so_path);
}
