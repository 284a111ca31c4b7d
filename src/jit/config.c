/* The JIT's process defaults, read once from the environment under
 * pthread_once (as isa.c's table; see there why not call_once) and read-only
 * afterwards. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "jit/cache_dir.h"
#include "jit/config.h"
#include "jit_build.h"

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static lg_jit_setup setup;

/* Turns the JIT off; the first reason is the one kept. Returns false. */
static bool disable(const char *fmt, ...) LG_PRINTF(1, 2);
static bool disable(const char *fmt, ...)
{
    if (!setup.pub.enabled)
        return false;
    setup.pub.enabled = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(setup.pub.why, sizeof setup.pub.why, fmt, ap);
    va_end(ap);
    return false;
}

static void read_switch(void)
{
    const char *sw = getenv("LINGRAD_JIT");
    if (sw && strcmp(sw, "0") == 0)
        disable("LINGRAD_JIT=0");
    else if (sw && *sw && strcmp(sw, "1") != 0)
        disable("LINGRAD_JIT='%.40s': use 0 (off) or 1 (on)", sw);
}

static bool read_timeout(void)
{
    const char *v = getenv("LINGRAD_JIT_TIMEOUT");
    setup.pub.timeout = 60;
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || *end || !(t > 0 && t <= 86400))
        return disable("LINGRAD_JIT_TIMEOUT='%.40s' is not a number of seconds in (0, 86400]", v);
    setup.pub.timeout = t;
    return true;
}

static bool executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* cc_path: the name itself if it holds a '/', else its first match on PATH
 * (posix_spawnp's rule, applied once here so the identity names that file). */
static bool find_compiler(const char *name)
{
    if (strchr(name, '/')) {
        snprintf(setup.cc_path, sizeof setup.cc_path, "%s", name);
        return executable_file(name) ? true : disable("compiler '%.150s' not found", name);
    }
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        int w = snprintf(setup.cc_path, sizeof setup.cc_path, "%.*s/%s", (int)n, p, name);
        if (n > 0 && w > 0 && (size_t)w < sizeof setup.cc_path && executable_file(setup.cc_path))
            return true;
        p += n + (p[n] == ':');
    }
    return disable("compiler '%.150s' not found on PATH", name);
}

/* Resolved path, size and mtime: a reinstalled or upgraded compiler changes at
 * least one, so old objects are not reused for it. */
static bool identify_compiler(void)
{
    char real[PATH_MAX], build_real[PATH_MAX];
    struct stat st;
    if (!realpath(setup.cc_path, real) || stat(real, &st) != 0)
        return disable("compiler '%.150s' not found", setup.cc_path);
    bool is_build_cc = realpath(LG_JIT_BUILD_CC, build_real) && strcmp(real, build_real) == 0;
    int n = snprintf(setup.cc_identity, sizeof setup.cc_identity, "%s|%lld|%lld.%09ld|%s", real,
                     (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
                     is_build_cc ? LG_JIT_BUILD_CC_VERSION : "");
    if (n < 0 || (size_t)n >= sizeof setup.cc_identity)
        return disable("compiler path '%.150s' is too long", real);
    return true;
}

static void name_compiler(void)
{
    const char *cc = getenv("LINGRAD_CC");
    if (!cc || !*cc)
        cc = LG_JIT_BUILD_CC;
    if (strlen(cc) >= sizeof setup.pub.compiler)
        disable("LINGRAD_CC='%.100s...' is too long", cc);
    snprintf(setup.pub.compiler, sizeof setup.pub.compiler, "%s", cc);
}

/* LINGRAD_CACHE_DIR, else $XDG_CACHE_HOME/lingrad (the XDG rule: only an
 * absolute one counts), else $HOME/.cache/lingrad; without trailing slashes, so
 * lstat sees a symbolic link rather than what it points to. */
static bool choose_cache_dir(void)
{
    const char *dir = getenv("LINGRAD_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *out = setup.pub.cache_dir;
    size_t cap = sizeof setup.pub.cache_dir;
    int n;
    if (dir && *dir) {
        if (dir[0] != '/')
            return disable("LINGRAD_CACHE_DIR='%.150s' is not an absolute path", dir);
        n = snprintf(out, cap, "%s", dir);
    } else if (xdg && xdg[0] == '/') {
        n = snprintf(out, cap, "%s/lingrad", xdg);
    } else if (home && home[0] == '/') {
        n = snprintf(out, cap, "%s/.cache/lingrad", home);
    } else {
        return disable("no cache directory: set LINGRAD_CACHE_DIR (HOME is not set)");
    }
    if (n < 0 || (size_t)n >= cap)
        return disable("cache directory '%.150s...' is too long", out);
    for (size_t len = strlen(out); len > 1 && out[len - 1] == '/'; len--)
        out[len - 1] = '\0';
    return true;
}

static bool prepare_cache_dir(void)
{
    if (lg_jit_dir_make(setup.pub.cache_dir) != LG_OK ||
        lg_jit_dir_check(setup.pub.cache_dir) != LG_OK)
        return disable("%s", lg_last_error());
    return true;
}

static void choose(void)
{
    /* Keep the caller's last error: a getter must not replace it. */
    char saved[512];
    bool had = lg_error_is_set();
    snprintf(saved, sizeof saved, "%s", lg_last_error());
    /* The names are filled in even when the JIT is off, so that a report of the
     * setup shows what would be used; nothing is created or run then. */
    setup.pub.enabled = true;
    read_switch();
    read_timeout();
    name_compiler();
    choose_cache_dir();
    if (setup.pub.enabled && find_compiler(setup.pub.compiler) && identify_compiler())
        prepare_cache_dir();
    if (had)
        lg_fail(LG_OK, "%s", saved);
    else
        lg_error_clear();
}

const lg_jit_setup *lg_jit_setup_get(void)
{
    (void)pthread_once(&setup_once, choose);
    return &setup;
}

const lg_jit_config *lg_jit_config_get(void)
{
    return &lg_jit_setup_get()->pub;
}
