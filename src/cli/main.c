/* lingrad: the command-line program. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"

void cli_usage(FILE *out)
{
    fputs("usage:\n"
          "  lingrad train [--w 0.3] [--b 0.5] [--size 100] [--noise 0.01] [--seed 42]\n"
          "                [--data FILE.csv|FILE.npy] [--init-w W0] [--init-b B0]\n"
          "                [--lr 0.1] [--epochs 500] [--tol 5e-5] [--dtype f64|f32]\n",
          out);
    char modes[200]; /* the library's list of modes, as isas below */
    lg_mode_names(modes, sizeof modes, "|");
    fprintf(out, "                [--mode %s] [--isa NAME] [--every 5]\n", modes);
    fputs("                [--history FILE.csv] [--plot PREFIX] [--timing] [--threads N]\n"
          "                [--interpret] [--threads-now]\n"
          "  lingrad gen   [--w 0.3] [--b 0.5] [--size 100] [--noise 0.01] [--seed 42]\n"
          "                [--dtype f64|f32] [--threads N] [--print-init] --out FILE.csv|FILE.npy\n"
          "  lingrad info  [--modes]\n"
          "  lingrad --help | --version\n"
          "\n"
          "train fits y = w*x + b by gradient descent on the mean squared error, as the\n"
          "PyTorch tutorial does: data y = w*x + b + U[-noise, noise] with x ~ U[0,1)\n"
          "(or --data), initial w and b drawn from U[0,1) with --seed unless given,\n"
          "early stop once the loss is below --tol. It prints every --every epochs\n"
          "(0: never), a rule, and the final line; --history writes epoch,loss,w,b and\n"
          "--plot writes PREFIX-loss.png and PREFIX-params.png. --timing reports the\n"
          "time per epoch on stderr (graph mode's one-time planning and compiling\n"
          "apart). Graph mode compiles its sweeps with the system C compiler and\n"
          "caches them (lingrad info says where); --interpret or LINGRAD_JIT=0 runs\n"
          "them interpreted, with the same bits. gen --print-init prints the initial w and b that\n"
          "train draws from the same --seed. info --modes prints only the training\n"
          "modes' names, one per line in the library's order: the form for scripts.\n"
          "\n",
          out);
    char isas[200]; /* this build's tables, so the text cannot fall behind them */
    lg_isa_names(isas, sizeof isas, "|", "");
    fprintf(out,
            "Kernels: the best table this CPU runs (lingrad info lists them) unless\n"
            "LINGRAD_ISA=%s or --isa says otherwise; asking for one\n"
            "this build or CPU lacks is an error. Threads: one per core unless\n"
            "LINGRAD_THREADS or --threads says otherwise; results are bitwise the same\n"
            "for any thread count. A run starts on one thread and starts the others once\n"
            "the epochs left repay their start; --threads-now starts them at once.\n",
            isas);
    lg_train_opts defaults;
    lg_train_opts_default(&defaults);
    fputs("Modes (--mode):\n", out);
    for (int m = 0; m < LG_MODE_COUNT; m++)
        fprintf(out, "  %-6s %s%s\n", lg_mode_name((lg_mode)m), lg_mode_describe((lg_mode)m),
                m == (int)defaults.mode ? " (default)" : "");
}

static bool is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 || strcmp(s, "help") == 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(CLI_USAGE, "missing command: train, gen or info (see lingrad --help)");
    const char *cmd = argv[1];
    if (is_help(cmd)) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("lingrad %s\n", LG_VERSION_STRING);
        return CLI_OK;
    }
    int (*run)(int, char **) = strcmp(cmd, "train") == 0 ? cli_train
                              : strcmp(cmd, "gen") == 0  ? cli_gen
                              : strcmp(cmd, "info") == 0 ? cli_info
                                                         : NULL;
    if (!run)
        return cli_error(CLI_USAGE, "unknown command '%s': expected train, gen or info", cmd);
    if (argc > 2 && is_help(argv[2])) {
        cli_usage(stdout);
        return CLI_OK;
    }
    return run(argc, argv);
}

int main(int argc, char **argv)
{
    lg_skip_hwloc_plugins(); /* before any thread: it sets an environment variable */
    int rc = dispatch(argc, argv);
    /* Output that never arrived (a full disk, a closed pipe) is a failure too. */
    if (fflush(stdout) != 0 || ferror(stdout))
        if (rc == CLI_OK)
            rc = cli_error(CLI_FAILED, "cannot write to standard output: %s", strerror(errno));
    return rc;
}
