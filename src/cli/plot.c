/* --plot: run tools/plot_history.py with the Python that has matplotlib. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "build_config.h"
#include "cli.h"

extern char **environ;

/* The script's exit code when matplotlib cannot be imported. */
#define PLOT_NO_MATPLOTLIB 3

int cli_plot(const char *history_csv, const char *prefix, bool have_truth, double true_w,
             double true_b)
{
    const char *python = getenv("LINGRAD_PYTHON");
    const char *script = getenv("LINGRAD_PLOT_SCRIPT");
    python = python && *python ? python : LG_PYTHON;
    script = script && *script ? script : LG_PLOT_SCRIPT;
    char w[32], b[32];
    snprintf(w, sizeof w, "%.17g", true_w);
    snprintf(b, sizeof b, "%.17g", true_b);
    /* Without a truth the list simply ends at the NULL in its place. */
    char *argv[] = {(char *)python, (char *)script, (char *)history_csv, (char *)prefix,
                    have_truth ? "--true" : NULL, w, b, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, python, NULL, NULL, argv, environ);
    if (err != 0)
        return cli_error(CLI_FAILED, "--plot: cannot run '%s': %s (set LINGRAD_PYTHON)", python,
                         strerror(err));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return cli_error(CLI_FAILED, "--plot: waiting for %s: %s", python, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return CLI_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == PLOT_NO_MATPLOTLIB)
        return cli_error(CLI_FAILED,
                         "--plot needs matplotlib for %s: install it with "
                         "'apt-get install python3-matplotlib'", python);
    return cli_error(CLI_FAILED, "--plot: %s %s failed (exit status %d)", python, script,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
