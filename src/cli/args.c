/* Option parsing: every value is checked in full, nothing falls back silently. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* Set once at start-up in lingrad-mpi's ranks other than 0: every rank parses
 * the same command line, and one line is what the user should see. */
static bool quiet_errors;

void cli_set_quiet(bool quiet)
{
    quiet_errors = quiet;
}

static void vreport(const char *fmt, va_list ap)
{
    if (quiet_errors)
        return;
    fflush(stdout); /* keep the error after any output already produced */
    fputs("lingrad: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return code;
}

bool cli_reject(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return false;
}

static bool parse_double(const char *name, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || isspace((unsigned char)*s))
        return cli_reject("--%s: '%s' is not a number", name, s);
    if (!isfinite(v))
        return cli_reject("--%s: '%s' is not a finite number", name, s);
    if (strpbrk(s, "xX")) /* strtod reads hex floats; the CSV reader and Python do not */
        return cli_reject("--%s: '%s' is hexadecimal; write it in decimal", name, s);
    if (errno == ERANGE)
        return cli_reject("--%s: '%s' is too small to represent", name, s);
    *out = v;
    return true;
}

/* A whole number as sign and magnitude; plain digits keep every bit, otherwise a
 * number like 1e6 is accepted if it is exactly whole. */
static bool parse_whole(const char *name, const char *s, bool *neg, uint64_t *mag)
{
    const char *d = s + (*s == '-' || *s == '+');
    *neg = *s == '-';
    if (*d && strspn(d, "0123456789") == strlen(d)) {
        errno = 0;
        *mag = strtoull(d, NULL, 10);
        if (errno == ERANGE)
            return cli_reject("--%s: '%s' is too large", name, s);
        return true;
    }
    double v;
    if (!parse_double(name, s, &v))
        return false;
    if (v != floor(v))
        return cli_reject("--%s: '%s' is not a whole number", name, s);
    if (fabs(v) >= 0x1p64)
        return cli_reject("--%s: '%s' is too large", name, s);
    *neg = v < 0;
    *mag = (uint64_t)fabs(v);
    return true;
}

static bool store_whole(const cli_opt *o, const char *s)
{
    bool neg = false;
    uint64_t mag = 0;
    if (!parse_whole(o->name, s, &neg, &mag))
        return false;
    if (o->kind == CLI_LONG) {
        if (mag > (uint64_t)LONG_MAX)
            return cli_reject("--%s: '%s' is too large", o->name, s);
        *(long *)o->dst = neg ? -(long)mag : (long)mag;
        return true;
    }
    if (neg && mag > 0)
        return cli_reject("--%s: must not be negative (got '%s')", o->name, s);
    if (o->kind == CLI_SIZE) {
        if (mag > SIZE_MAX)
            return cli_reject("--%s: '%s' is too large", o->name, s);
        *(size_t *)o->dst = (size_t)mag;
    } else {
        *(uint64_t *)o->dst = mag;
    }
    return true;
}

static bool store(cli_opt *o, const char *value)
{
    switch (o->kind) {
    case CLI_DOUBLE: return parse_double(o->name, value, o->dst);
    case CLI_SIZE:
    case CLI_LONG:
    case CLI_U64: return store_whole(o, value);
    case CLI_STRING:
        if (!*value)
            return cli_reject("--%s: the value is empty", o->name);
        *(const char **)o->dst = value;
        return true;
    case CLI_FLAG: *(bool *)o->dst = true; return true;
    }
    return false;
}

static cli_opt *find(cli_opt *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

bool cli_parse(int argc, char **argv, int first, cli_opt *opts, size_t n_opts)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2])
            return cli_reject("unexpected argument '%s' (options start with --)", arg);
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = find(opts, n_opts, name, len);
        if (!o)
            return cli_reject("unknown option '--%.*s' (see lingrad --help)", (int)len,
                             name);
        if (o->seen)
            return cli_reject("--%s is given more than once", o->name);
        o->seen = true;
        const char *value = eq ? eq + 1 : NULL;
        if (o->kind == CLI_FLAG && value)
            return cli_reject("--%s takes no value", o->name);
        if (o->kind != CLI_FLAG && !value) {
            if (i + 1 >= argc)
                return cli_reject("--%s needs a value", o->name);
            value = argv[++i];
        }
        if (!store(o, value))
            return false;
    }
    return true;
}

bool cli_seen(const cli_opt *opts, size_t n_opts, const char *name)
{
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].seen;
    return false;
}

bool cli_dtype(const char *s, lg_dtype *out)
{
    if (strcmp(s, "f64") == 0 || strcmp(s, "f32") == 0) {
        *out = s[1] == '6' ? LG_F64 : LG_F32;
        return true;
    }
    return cli_reject("--dtype: '%s' is not one of f64, f32", s);
}

bool cli_mode(const char *s, lg_mode *out)
{
    if (lg_mode_from_name(s, out) == LG_OK)
        return true;
    /* The option's name leads, as in every other --option error. */
    char names[200];
    lg_mode_names(names, sizeof names, ", ");
    return cli_reject("--mode: '%s' is not one of %s", s, names);
}

bool cli_fits_memory(size_t n, lg_dtype dtype, size_t buffers)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return true; /* unknown: let the allocation decide */
    double need = (double)n * (double)lg_dtype_size(dtype) * (double)buffers;
    double have = (double)pages * (double)page;
    if (need <= have)
        return true;
    const double gib = 1024.0 * 1024.0 * 1024.0;
    return cli_reject("--size %zu needs about %.1f GiB of memory but this machine has %.1f GiB",
                     n, need / gib, have / gib);
}

bool cli_threads(long threads)
{
    if (threads < 1 || threads > LG_MAX_THREADS)
        return cli_reject("--threads must be from 1 to %d (got %ld)", LG_MAX_THREADS, threads);
    if (lg_set_default_threads((int)threads) != LG_OK)
        return cli_reject("--threads: %s", lg_last_error());
    return true;
}

bool cli_output_path_ok(const char *opt, const char *path, bool is_prefix)
{
    size_t len = strlen(path);
    if (path[len - 1] == '/')
        return cli_reject("--%s: '%s' ends in '/'; give a file %s", opt, path,
                          is_prefix ? "prefix such as out/run" : "name");
    struct stat st;
    if (!is_prefix && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return cli_reject("--%s: '%s' is a directory", opt, path);
    const char *slash = strrchr(path, '/');
    if (!slash)
        return true;
    char dir[4096];
    if ((size_t)(slash - path) >= sizeof dir)
        return cli_reject("--%s: the path is too long", opt);
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (slash == path)
        strcpy(dir, "/");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_reject("--%s: directory '%s' does not exist", opt, dir);
    return true;
}

bool cli_is_npy(const char *path)
{
    size_t len = strlen(path);
    return len >= 4 && strcasecmp(path + len - 4, ".npy") == 0;
}
