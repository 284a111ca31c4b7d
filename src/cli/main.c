/* lingrad: the command-line program. */
#include <string.h>

#include "cli.h"

void cli_usage(FILE *out)
{
    fputs("usage:\n"
          "  lingrad train [--w 0.3] [--b 0.5] [--size 100] [--noise 0.01] [--seed 42]\n"
          "                [--data FILE.csv] [--init-w W0] [--init-b B0]\n"
          "                [--lr 0.1] [--epochs 500] [--tol 5e-5] [--dtype f64|f32]\n"
          "                [--mode fused|eager] [--isa NAME] [--every 5]\n"
          "                [--history FILE.csv] [--plot PREFIX] [--timing]\n"
          "  lingrad gen   [--w 0.3] [--b 0.5] [--size 100] [--noise 0.01] [--seed 42]\n"
          "                [--dtype f64|f32] --out FILE.csv\n"
          "  lingrad info\n"
          "  lingrad --help | --version\n"
          "\n"
          "train fits y = w*x + b by gradient descent on the mean squared error, as the\n"
          "PyTorch tutorial does: data y = w*x + b + U[-noise, noise] with x ~ U[0,1)\n"
          "(or --data), initial w and b drawn from U[0,1) with --seed unless given,\n"
          "early stop once the loss is below --tol. It prints every --every epochs\n"
          "(0: never), a rule, and the final line; --history writes epoch,loss,w,b and\n"
          "--plot writes PREFIX-loss.png and PREFIX-params.png. --timing reports the\n"
          "time per epoch on stderr.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(CLI_USAGE, "missing command: train, gen or info (see lingrad --help)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("lingrad %s\n", LG_VERSION_STRING);
        return CLI_OK;
    }
    if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "train") == 0)
        return cli_train(argc, argv);
    if (strcmp(cmd, "gen") == 0)
        return cli_gen(argc, argv);
    if (strcmp(cmd, "info") == 0) {
        if (argc > 2)
            return cli_error(CLI_USAGE, "info takes no arguments (got '%s')", argv[2]);
        return cli_info();
    }
    return cli_error(CLI_USAGE, "unknown command '%s': expected train, gen or info", cmd);
}
