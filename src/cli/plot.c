/* --plot: run tools/plot_history.py with the Python that has matplotlib. The
 * script's stderr is captured so a failure still ends in one error line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_config.h"

extern char **environ;

/* The script's exit codes for failures it explains itself. */
#define PLOT_NO_MATPLOTLIB 3
#define PLOT_FAILED 4

/* Reads the child's stderr to the end, keeping its last non-empty line. */
static void last_line(int fd, char *out, size_t len)
{
    char buf[4096], line[512] = "";
    size_t at = 0;
    ssize_t got;
    out[0] = '\0';
    while ((got = read(fd, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                if (at > 0)
                    snprintf(out, len, "%.*s", (int)at, line);
                at = 0;
            } else if (at < sizeof line - 1) {
                line[at++] = buf[i];
            }
        }
    if (at > 0)
        snprintf(out, len, "%.*s", (int)at, line);
}

/* Spawns argv with stderr into a pipe; returns the wait status, or -1 with err set. */
static int run_captured(char **argv, char *msg, size_t msg_len, char *err, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, len, "--plot: cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        snprintf(err, len, "--plot: cannot run '%s': %s (set LINGRAD_PYTHON)", argv[0], strerror(e));
        return -1;
    }
    last_line(fds[0], msg, msg_len);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, len, "--plot: waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    return status;
}

bool cli_plot(const char *history_csv, const char *prefix, bool have_truth, double true_w,
              double true_b, char *err, size_t len)
{
    const char *python = getenv("LINGRAD_PYTHON");
    const char *script = getenv("LINGRAD_PLOT_SCRIPT");
    python = python && *python ? python : LG_PYTHON;
    script = script && *script ? script : LG_PLOT_SCRIPT;
    char w[32], b[32], msg[512];
    snprintf(w, sizeof w, "%.17g", true_w);
    snprintf(b, sizeof b, "%.17g", true_b);
    /* Without a truth the list simply ends at the NULL in its place. */
    char *argv[] = {(char *)python, (char *)script, (char *)history_csv, (char *)prefix,
                    have_truth ? "--true" : NULL, w, b, NULL};
    int status = run_captured(argv, msg, sizeof msg, err, len);
    if (status < 0)
        return false;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0)
        return true;
    if (code == PLOT_NO_MATPLOTLIB)
        snprintf(err, len, "--plot needs matplotlib for %s: install it with "
                 "'apt-get install python3-matplotlib'", python);
    else if (code == PLOT_FAILED)
        snprintf(err, len, "--plot: %s", msg);
    else
        snprintf(err, len, "--plot: %s %s failed (exit status %d): %s", python, script, code, msg);
    return false;
}
