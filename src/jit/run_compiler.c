/* posix_spawn, not fork: safe from a threaded caller (an OpenMP region, a
 * process with gigabytes mapped), and no shell between us and the argv. */
#define _GNU_SOURCE /* pipe2: close-on-exec from the start, or another thread's
                     * child could inherit the write end and hold the pipe open */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "jit/run_compiler.h"

extern char **environ;

typedef struct captured {
    char text[4096];
    size_t len;
} captured;

/* The child's setup: stdin from /dev/null, stdout and stderr into the pipe, its
 * own process group (so a timeout kills cc1 and as too), no blocked signals, and
 * SIGCHLD and SIGPIPE at their defaults: a caller that ignores SIGCHLD would
 * otherwise make the compiler driver lose its own children's exit statuses. */
static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int wfd)
{
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGCHLD);
    sigaddset(&deflt, SIGPIPE);
    int rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(fa, wfd, 1);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(fa, wfd, 2);
    if (!rc)
        rc = posix_spawnattr_setpgroup(at, 0);
    if (!rc)
        rc = posix_spawnattr_setsigmask(at, &none);
    if (!rc)
        rc = posix_spawnattr_setsigdefault(at, &deflt);
    if (!rc)
        rc = posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    return rc;
}

static lg_status start(char *const argv[], pid_t *pid, int *rfd)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return lg_fail(LG_EIO, "cannot run compiler %s: pipe: %s", argv[0], strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int rc = posix_spawn_file_actions_init(&fa);
    if (!rc && (rc = posix_spawnattr_init(&at)) != 0)
        posix_spawn_file_actions_destroy(&fa);
    if (!rc) {
        rc = spawn_setup(&fa, &at, fds[1]);
        if (!rc)
            rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
    }
    close(fds[1]);
    if (rc) {
        close(fds[0]);
        if (rc == ENOENT)
            return lg_fail(LG_EUNSUPPORTED, "compiler '%s' not found (set LINGRAD_CC to a C "
                           "compiler, or LINGRAD_JIT=0)", argv[0]);
        return lg_fail(LG_EUNSUPPORTED, "cannot start compiler %s: %s", argv[0], strerror(rc));
    }
    *rfd = fds[0];
    return LG_OK;
}

/* Reads until end of file (true) or the deadline (false). Output beyond the
 * buffer is read and dropped, so a chatty compiler never blocks on the pipe. */
static bool collect(int fd, double deadline, captured *out)
{
    for (;;) {
        double left = deadline - lg_seconds();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR)
            return true; /* cannot wait on the pipe: go on to waitpid */
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return true;
        if (n < 0)
            continue;
        size_t room = sizeof out->text - 1 - out->len;
        size_t keep = (size_t)n < room ? (size_t)n : room;
        memcpy(out->text + out->len, buf, keep);
        out->len += keep;
    }
}

/* 1: reaped, *status set; 0: still running at the deadline; -1: waitpid failed
 * (errno set: ECHILD where the caller ignores SIGCHLD and the kernel reaped it). */
static int reap(pid_t pid, double deadline, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0 && lg_seconds() >= deadline)
            return 0;
        if (r == 0)
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* The line of the output to show: the first that says "error", else the first
 * non-empty one; without its leading `strip`, at most 200 characters. */
static void pick_line(captured *c, const char *strip, char *line, size_t len)
{
    c->text[c->len] = '\0';
    const char *first = NULL;
    for (char *s = c->text; *s;) {
        char *e = strchr(s, '\n');
        if (e)
            *e = '\0';
        if (!first && *s)
            first = s;
        if (strstr(s, "error")) {
            first = s;
            break;
        }
        if (!e)
            break;
        s = e + 1;
    }
    if (!first)
        first = "(no output)";
    size_t n = strlen(strip);
    if (n && strncmp(first, strip, n) == 0)
        first += n;
    snprintf(line, len, "%.200s", first);
}

lg_status lg_jit_run(char *const argv[], double timeout, const char *strip)
{
    pid_t pid = 0;
    int fd = -1;
    lg_status s = start(argv, &pid, &fd);
    if (s != LG_OK)
        return s;
    captured out = {.len = 0};
    double deadline = lg_seconds() + timeout;
    bool eof = collect(fd, deadline, &out);
    close(fd);
    int status = 0;
    int reaped = eof ? reap(pid, deadline, &status) : 0;
    if (reaped == 0) {
        kill_group(pid);
        return lg_fail(LG_EIO, "compiler %s timed out after %g s (LINGRAD_JIT_TIMEOUT)", argv[0],
                       timeout);
    }
    if (reaped < 0)
        return lg_fail(LG_EIO, "compiler %s: cannot read its exit status (waitpid: %s; does the "
                       "program ignore SIGCHLD?)", argv[0], strerror(errno));
    char line[256];
    pick_line(&out, strip, line, sizeof line);
    if (WIFSIGNALED(status))
        return lg_fail(LG_EIO, "compiler %s killed by signal %d: %s", argv[0], WTERMSIG(status),
                       line);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return lg_fail(LG_EIO, "compiler %s failed (exit %d): %s", argv[0],
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
    return LG_OK;
}
