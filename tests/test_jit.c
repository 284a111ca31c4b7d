/* The JIT floor (src/jit/): compile, cache, load, and every way the cache or
 * the compiler can go wrong. The configuration is read once per process, so
 * each scenario is its own process: `test_jit SCENARIO`, one CTest entry each.
 * A scenario makes a fresh directory under /tmp, sets LINGRAD_CACHE_DIR (and
 * whatever else it needs) before the first JIT call, and removes it at exit. */
#define _GNU_SOURCE /* dladdr, nftw, mkdtemp, setenv */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "jit/jit.h"
#include "jit/sealed_object.h"

static char base[64];
static char cache[128];

static const char SRC_F[] = "int f(int x) { return x + 1; }\n";
/* The same entry, another body: loaded by mistake, it gives a different answer. */
static const char SRC_G[] = "int f(int x) { return x + 2; }\n";

/* ---- helpers -------------------------------------------------------------------- */

static int call(const lg_jit_object *o, int x)
{
    int (*f)(int);
    memcpy(&f, &o->fn, sizeof f); /* object to function pointer, without the cast ISO C lacks */
    return f(x);
}

static lg_status load(const char *src, lg_jit_object *o)
{
    return lg_jit_load(src, strlen(src), "scalar", "f", o);
}

static void path_of(const char *src, char *buf, size_t len)
{
    CHECK_OK(lg_jit_object_path(src, strlen(src), "scalar", buf, len));
}

static bool zeroed(const lg_jit_object *o)
{
    return !o->handle && !o->fn && !o->from_cache && o->seconds == 0;
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

static void remove_base(void)
{
    nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The test's own directory; the cache two levels below it, so that making it
 * also makes parents. */
static void make_base(void)
{
    snprintf(base, sizeof base, "/tmp/lingrad-test-jit-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(remove_base);
    snprintf(cache, sizeof cache, "%s/a/b/lingrad", base);
    setenv("LINGRAD_CACHE_DIR", cache, 1);
}

/* An executable shell script under base; returns its path (static buffer). */
static const char *script(const char *name, const char *body)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", base, name);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "#!/bin/sh\n%s", body) < 0 || fclose(f) != 0 || chmod(path, 0755) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    bool ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    return ok;
}

/* Files in the cache whose name starts with prefix (tmp- for leftovers). */
static int count_files(const char *prefix, const char *suffix)
{
    DIR *d = opendir(cache);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0 && len >= sl &&
             strcmp(e->d_name + len - sl, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

static off_t file_size(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? st.st_size : -1;
}

static bool one_line(const char *s)
{
    return !strchr(s, '\n') && *s;
}

/* Loads F, checks it works and whether it came from the cache. */
static void load_f_expect(bool from_cache, int line)
{
    lg_jit_object o;
    lg_status s = load(SRC_F, &o);
    if (s != LG_OK || o.from_cache != from_cache || call(&o, 41) != 42) {
        fprintf(stderr, "test_jit.c:%d: load of F: %s, from_cache %d (want %d): %s\n", line,
                lg_status_name(s), o.from_cache, from_cache, lg_last_error());
        check_failures++;
    }
    lg_jit_release(&o);
}
#define LOAD_F(from_cache) load_f_expect(from_cache, __LINE__)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- scenarios ------------------------------------------------------------------ */

/* ~5 KB of C: the first compile and the best of ten hits, printed (not asserted). */
static void report_times(void)
{
    char src[6000];
    size_t k = 0;
    for (int i = 0; k < 5000; i++)
        k += (size_t)snprintf(src + k, sizeof src - k,
                              "static double g%d(double x) { return x * %d.5 + %d.25; }\n", i, i, i);
    k += (size_t)snprintf(src + k, sizeof src - k, "double h(double x) { return g0(x) + g3(x); }\n");
    lg_jit_object o;
    CHECK_OK(lg_jit_load(src, k, "scalar", "h", &o));
    double first = o.seconds, best = 1e9;
    lg_jit_release(&o);
    for (int i = 0; i < 10; i++) {
        CHECK_OK(lg_jit_load(src, k, "scalar", "h", &o));
        CHECK(o.from_cache);
        best = o.seconds < best ? o.seconds : best;
        lg_jit_release(&o);
    }
    printf("test_jit: %zu bytes of source: first compile %.1f ms, cache hit %.3f ms (best of 10)\n",
           k, first * 1e3, best * 1e3);
}

static void check_created_private(void)
{
    struct stat st;
    char parent[160];
    snprintf(parent, sizeof parent, "%s/a", base);
    CHECK(stat(cache, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(parent, &st) == 0 && (st.st_mode & 0777) == 0700);
}

static void basic_bad_calls(void)
{
    lg_jit_object o = {.handle = (void *)1};
    CHECK_STATUS(lg_jit_load(SRC_F, strlen(SRC_F), "sse9", "f", &o), LG_EINVAL);
    CHECK_ERROR_HAS("sse9");
    CHECK(zeroed(&o));
    CHECK_STATUS(lg_jit_load(SRC_F, strlen(SRC_F), "scalar", "nosuch", &o), LG_EINVAL);
    CHECK_ERROR_HAS("nosuch");
    CHECK(zeroed(&o));
    CHECK_STATUS(lg_jit_load(SRC_F, strlen(SRC_F), "scalar", "f", NULL), LG_EINVAL);
    CHECK_STATUS(lg_jit_load(SRC_F, strlen(SRC_F), "scalar", NULL, &o), LG_EINVAL);
    lg_jit_release(NULL);
    lg_jit_release(&o);
    /* The real compiler's complaint, on one line, with no temporary left. */
    const char *bad = "int f(int x) { return x + ; }\n";
    CHECK_STATUS(load(bad, &o), LG_EIO);
    CHECK_ERROR_HAS("failed (exit");
    CHECK_ERROR_HAS("error");
    CHECK(one_line(lg_last_error()));
    CHECK(zeroed(&o));
    CHECK(count_files("tmp-", "") == 0);
}

static void scenario_basic(void)
{
    const lg_jit_config *cfg = lg_jit_config_get();
    CHECK(cfg->enabled);
    if (!cfg->enabled)
        fprintf(stderr, "jit off: %s\n", cfg->why);
    CHECK(strcmp(cfg->cache_dir, cache) == 0);
    CHECK(cfg->compiler[0] == '/' && cfg->timeout == 60);
    check_created_private();
    lg_jit_object a, b;
    CHECK_OK(load(SRC_F, &a));
    CHECK(!a.from_cache && a.handle && call(&a, 41) == 42);
    char so[256], c[256];
    path_of(SRC_F, so, sizeof so);
    snprintf(c, sizeof c, "%.*s.c", (int)strlen(so) - 3, so);
    struct stat st;
    CHECK(lstat(so, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
    FILE *f = fopen(c, "r");
    char head[sizeof SRC_F] = "";
    CHECK(f && fread(head, 1, sizeof SRC_F - 1, f) == sizeof SRC_F - 1 && strcmp(head, SRC_F) == 0);
    if (f)
        fclose(f);
    CHECK_OK(load(SRC_F, &b)); /* while a is still loaded */
    CHECK(b.from_cache && call(&b, 1) == 2);
    lg_jit_release(&a);
    lg_jit_release(&b);
    CHECK(zeroed(&a));
    LOAD_F(true);
    /* The key covers the source and the ISA's flags. */
    char other[256];
    path_of(SRC_G, other, sizeof other);
    CHECK(strcmp(so, other) != 0);
    if (lg_jit_object_path(SRC_F, strlen(SRC_F), "avx2", other, sizeof other) == LG_OK)
        CHECK(strcmp(so, other) != 0);
    /* An empty source still carries its text (zero bytes). */
    CHECK_OK(lg_jit_load("", 0, "scalar", "lg_jit_text_len", &a));
    CHECK(a.fn && *(const unsigned long *)a.fn == 0);
    lg_jit_release(&a);
    basic_bad_calls();
    report_times();
}

static void *thread_load(void *arg)
{
    const char *src = arg;
    lg_jit_object o;
    intptr_t ok = load(src, &o) == LG_OK && call(&o, 1) == 1 + 7;
    if (!ok)
        fprintf(stderr, "thread: %s\n", lg_last_error());
    lg_jit_release(&o);
    return (void *)ok;
}

/* Two processes, then four threads, compiling one source at the same moment.
 * Not under an emulator: qemu-user can deadlock in a process that forks while
 * its own threads hold a lock, and here both the forked children and the
 * spawns from four threads do that (a child of fork hung for good, and a
 * compiler spawned from a thread never ran until the 60 s timeout stopped it,
 * about once in 30 runs under load). The scenario tests the cache's files and
 * locking, which are the same on every architecture; make test runs it. */
static int scenario_concurrent(void)
{
    const char *emulated = getenv("LINGRAD_TEST_EMULATOR");
    if (emulated && *emulated) {
        printf("test_jit: concurrent: skipped under %s: qemu-user can deadlock when an "
               "emulated process forks or spawns from several threads\n", emulated);
        return 77;
    }
    static const char src[] = "int f(int x) { return x + 7; }\n";
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char byte;
            close(go[1]);
            if (read(go[0], &byte, 1) != 1)
                _exit(3);
            lg_jit_object o;
            int rc = load(src, &o) != LG_OK ? 1 : call(&o, 1) != 8 ? 2 : 0;
            if (rc)
                fprintf(stderr, "child: %s\n", lg_last_error());
            _exit(rc);
        }
    }
    close(go[0]);
    CHECK(write(go[1], "gg", 2) == 2);
    close(go[1]);
    for (int i = 0; i < 2; i++) {
        int st = -1;
        CHECK(waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    lg_jit_object o;
    CHECK_OK(load(src, &o));
    CHECK(o.from_cache && call(&o, 1) == 8);
    lg_jit_release(&o);
    CHECK(count_files("", ".so") == 1 && count_files("", ".c") == 1 && count_files("tmp-", "") == 0);

    static const char src2[] = "int f(int x) { return x + 7; } /* threads */\n";
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, thread_load, (void *)src2) == 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        CHECK(pthread_join(t[i], &ok) == 0 && ok);
    }
    CHECK(count_files("", ".so") == 2 && count_files("tmp-", "") == 0);
    return 0;
}

/* A cached object that is a link, or that others could write, is never loaded. */
static void scenario_symlink_object(void)
{
    LOAD_F(false);
    char so[256], outside[128];
    path_of(SRC_F, so, sizeof so);
    snprintf(outside, sizeof outside, "%s/outside.so", base);
    CHECK(copy_file(so, outside) && unlink(so) == 0 && symlink(outside, so) == 0);
    lg_jit_object o;
    CHECK_OK(load(SRC_F, &o));
    CHECK(!o.from_cache && call(&o, 1) == 2);
    Dl_info info;
    CHECK(dladdr(o.fn, &info) && info.dli_fname && !strstr(info.dli_fname, "outside"));
    lg_jit_release(&o);
    struct stat st;
    CHECK(lstat(so, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(chmod(so, 0666) == 0);
    LOAD_F(false);
    CHECK(lstat(so, &st) == 0 && (st.st_mode & 0777) == 0600);
    if (geteuid() == 0) { /* a file another user owns, in our directory */
        CHECK(chown(so, 65534, 65534) == 0);
        LOAD_F(false);
        CHECK(lstat(so, &st) == 0 && st.st_uid == 0);
    }
    LOAD_F(true);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char c = 0;
    CHECK(fd >= 0 && pread(fd, &c, 1, at) == 1);
    c ^= 0x5a;
    CHECK(fd >= 0 && pwrite(fd, &c, 1, at) == 1);
    if (fd >= 0)
        close(fd);
}

/* Truncated, damaged, unsealed, or not an object at all: removed and rebuilt. */
static void scenario_damaged(void)
{
    LOAD_F(false);
    char so[256];
    path_of(SRC_F, so, sizeof so);
    off_t size = file_size(so);
    CHECK(size > 100);
    CHECK(truncate(so, size / 2) == 0);
    LOAD_F(false);
    CHECK(file_size(so) == size);
    flip_byte(so, size / 2);
    LOAD_F(false);
    CHECK(truncate(so, size - 32) == 0); /* the compiler's own output, no trailer */
    LOAD_F(false);
    /* Sealed, so only dlopen can refuse it. */
    FILE *f = fopen(so, "w");
    CHECK(f && fputs("this is not an object file\n", f) >= 0 && fclose(f) == 0);
    CHECK_OK(lg_jit_seal(so));
    LOAD_F(false);
    LOAD_F(true);
    CHECK(count_files("tmp-", "") == 0);
}

/* Another source's whole, sealed object under F's key: only the embedded
 * source tells them apart. */
static void scenario_collision(void)
{
    LOAD_F(false);
    lg_jit_object o;
    CHECK_OK(load(SRC_G, &o));
    CHECK(call(&o, 1) == 3);
    lg_jit_release(&o);
    char kf[256], kg[256];
    path_of(SRC_F, kf, sizeof kf);
    path_of(SRC_G, kg, sizeof kg);
    CHECK(copy_file(kg, kf) && chmod(kf, 0600) == 0);
    bool missing = true;
    CHECK_OK(lg_jit_sealed_check(kf, &missing)); /* the file itself is whole */
    CHECK(!missing);
    CHECK_OK(load(SRC_F, &o));
    CHECK(!o.from_cache && call(&o, 1) == 2);
    lg_jit_release(&o);
    LOAD_F(true);
}

/* The directory is checked on every load, not only when the JIT starts. */
static void scenario_dir_unsafe(void)
{
    LOAD_F(false);
    lg_jit_object o;
    CHECK(chmod(cache, 0770) == 0);
    CHECK_STATUS(load(SRC_F, &o), LG_EUNSUPPORTED);
    CHECK_ERROR_HAS("writable by its group");
    CHECK_ERROR_HAS(cache);
    CHECK(zeroed(&o));
    CHECK(chmod(cache, 0707) == 0);
    CHECK_STATUS(load(SRC_F, &o), LG_EUNSUPPORTED);
    CHECK_ERROR_HAS("writable by others");
    CHECK(chmod(cache, 0700) == 0);
    LOAD_F(true);
    char real[160];
    snprintf(real, sizeof real, "%s.real", cache);
    CHECK(rename(cache, real) == 0 && symlink(real, cache) == 0);
    CHECK_STATUS(load(SRC_F, &o), LG_EUNSUPPORTED);
    CHECK_ERROR_HAS("symbolic link");
    CHECK(zeroed(&o));
}

static void mkdir_cache(mode_t mode)
{
    char p[160];
    snprintf(p, sizeof p, "%s/a", base);
    CHECK(mkdir(p, 0700) == 0);
    snprintf(p, sizeof p, "%s/a/b", base);
    CHECK(mkdir(p, 0700) == 0 && mkdir(cache, 0700) == 0 && chmod(cache, mode) == 0);
}

static void expect_off(const char *why)
{
    const lg_jit_config *cfg = lg_jit_config_get();
    CHECK(!cfg->enabled && strstr(cfg->why, why));
    if (!strstr(cfg->why, why))
        fprintf(stderr, "why = '%s', want '%s'\n", cfg->why, why);
    CHECK(one_line(cfg->why));
    lg_jit_object o;
    CHECK_STATUS(load(SRC_F, &o), LG_EUNSUPPORTED);
    CHECK_ERROR_HAS(why);
    CHECK(zeroed(&o));
}

/* World-writable before the process starts: the JIT is off, saying why. */
static void scenario_dir_unsafe_start(void)
{
    mkdir_cache(0777);
    expect_off("is writable by others");
}

/* Owned by someone else: simulated by giving it to nobody, which needs root. */
static int scenario_dir_foreign(void)
{
    if (geteuid() != 0) {
        printf("test_jit: dir_foreign: skipped: needs root to chown the directory\n");
        return 77;
    }
    mkdir_cache(0700);
    CHECK(chown(cache, 65534, 65534) == 0);
    expect_off("is owned by uid 65534");
    return 0;
}

static void scenario_cc_fails(void)
{
    setenv("LINGRAD_CC", script("fake-cc", "echo 'fake-cc: note: starting'\n"
                                           "echo 'fake-cc: error: pretend failure' >&2\nexit 1\n"),
           1);
    lg_jit_object o;
    CHECK_STATUS(load(SRC_F, &o), LG_EIO);
    CHECK_ERROR_HAS("failed (exit 1): fake-cc: error: pretend failure");
    CHECK(one_line(lg_last_error()));
    CHECK(zeroed(&o));
    CHECK(count_files("tmp-", "") == 0);
}

/* Whether process pid is gone (or a zombie about to be reaped), within 5 s. */
static bool gone(pid_t pid)
{
    char p[64], buf[256];
    snprintf(p, sizeof p, "/proc/%ld/stat", (long)pid);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(p, "r");
        if (!f)
            return true;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *paren = strrchr(buf, ')');
        if (paren && paren[1] == ' ' && paren[2] == 'Z')
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return false;
}

/* A compiler that never finishes: killed, with its children, at the timeout
 * (CTest's TIMEOUT on this test is the bound on how long that may take). */
static void scenario_cc_hangs(void)
{
    char body[256];
    snprintf(body, sizeof body, "sleep 30 &\necho $! > %s/sleep.pid\nwait\n", base);
    setenv("LINGRAD_CC", script("slow-cc", body), 1);
    setenv("LINGRAD_JIT_TIMEOUT", "1", 1);
    lg_jit_object o;
    double t0 = now();
    CHECK_STATUS(load(SRC_F, &o), LG_EIO);
    CHECK_ERROR_HAS("timed out after 1 s");
    CHECK(zeroed(&o));
    printf("test_jit: the hanging compiler was stopped after %.2f s\n", now() - t0);
    char p[160];
    snprintf(p, sizeof p, "%s/sleep.pid", base);
    FILE *f = fopen(p, "r");
    long pid = 0;
    CHECK(f && fscanf(f, "%ld", &pid) == 1 && pid > 0);
    if (f)
        fclose(f);
    CHECK(pid > 0 && gone((pid_t)pid)); /* the compiler's child died with it */
    CHECK(count_files("tmp-", "") == 0);
}

/* With SIGCHLD ignored the kernel reaps the compiler, so its status is lost:
 * a failure that says so, not a crash; with SIGCHLD back, it works. */
static void scenario_sigchld(void)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    CHECK(sigaction(SIGCHLD, &ign, &old) == 0);
    lg_jit_object o;
    CHECK_STATUS(load(SRC_F, &o), LG_EIO);
    CHECK_ERROR_HAS("SIGCHLD");
    CHECK(zeroed(&o));
    CHECK(sigaction(SIGCHLD, &old, NULL) == 0);
    LOAD_F(false);
}

static int run(const char *name)
{
    /* The caller's environment must not choose for the test. */
    unsetenv("LINGRAD_CC");
    unsetenv("LINGRAD_JIT");
    unsetenv("LINGRAD_JIT_TIMEOUT");
    make_base();
    if (!strcmp(name, "basic"))
        scenario_basic();
    else if (!strcmp(name, "concurrent")) {
        if (scenario_concurrent() == 77)
            return 77;
    }
    else if (!strcmp(name, "symlink_object"))
        scenario_symlink_object();
    else if (!strcmp(name, "damaged"))
        scenario_damaged();
    else if (!strcmp(name, "collision"))
        scenario_collision();
    else if (!strcmp(name, "dir_unsafe"))
        scenario_dir_unsafe();
    else if (!strcmp(name, "dir_unsafe_start"))
        scenario_dir_unsafe_start();
    else if (!strcmp(name, "dir_foreign"))
        return scenario_dir_foreign();
    else if (!strcmp(name, "cc_fails"))
        scenario_cc_fails();
    else if (!strcmp(name, "cc_hangs"))
        scenario_cc_hangs();
    else if (!strcmp(name, "cc_missing")) {
        setenv("LINGRAD_CC", "/nonexistent", 1);
        expect_off("compiler '/nonexistent' not found");
    } else if (!strcmp(name, "disabled")) {
        setenv("LINGRAD_JIT", "0", 1);
        expect_off("LINGRAD_JIT=0");
        struct stat st;
        CHECK(stat(cache, &st) != 0 && errno == ENOENT); /* nothing created */
        CHECK(lg_jit_config_get()->compiler[0] != '\0');
    } else if (!strcmp(name, "bad_timeout")) {
        setenv("LINGRAD_JIT_TIMEOUT", "soon", 1);
        expect_off("LINGRAD_JIT_TIMEOUT='soon'");
    } else if (!strcmp(name, "sigchld"))
        scenario_sigchld();
    else {
        fprintf(stderr, "test_jit: unknown scenario '%s'\n", name);
        return 2;
    }
    return check_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_jit SCENARIO\n");
        return 2;
    }
    int rc = run(argv[1]);
    if (check_failures)
        fprintf(stderr, "test_jit %s: %d check(s) failed\n", argv[1], check_failures);
    return rc;
}
