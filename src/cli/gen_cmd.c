/* lingrad gen: write the tutorial's data set to a CSV or .npy file. */
#include "cli/cli.h"

int cli_gen(int argc, char **argv)
{
    double w = 0.3, b = 0.5, noise = 0.01;
    size_t size = 100;
    long threads = 0;
    bool print_init = false;
    uint64_t seed = 42;
    const char *dtype_s = "f64", *out = NULL;
    cli_opt opts[] = {
        {"w", CLI_DOUBLE, &w, false},         {"b", CLI_DOUBLE, &b, false},
        {"size", CLI_SIZE, &size, false},     {"noise", CLI_DOUBLE, &noise, false},
        {"seed", CLI_U64, &seed, false},      {"dtype", CLI_STRING, &dtype_s, false},
        {"out", CLI_STRING, &out, false},     {"threads", CLI_LONG, &threads, false},
        {"print-init", CLI_FLAG, &print_init, false},
    };
    lg_dtype dtype;
    if (!cli_parse(argc, argv, 2, opts, sizeof opts / sizeof opts[0]) || !cli_dtype(dtype_s, &dtype))
        return CLI_USAGE;
    if (print_init) /* what `train --seed` starts from, exactly, for other tools */
        printf("%.17g %.17g\n", lg_uniform(seed, LG_STREAM_INIT, 0), lg_uniform(seed, LG_STREAM_INIT, 1));
    if (!out)
        return print_init ? CLI_OK : cli_error(CLI_USAGE, "gen: --out FILE.csv or --out FILE.npy is required");
    if (cli_seen(opts, sizeof opts / sizeof opts[0], "threads") && !cli_threads(threads))
        return CLI_USAGE;
    if (size < 1)
        return cli_error(CLI_USAGE, "--size must be at least 1");
    if (noise < 0)
        return cli_error(CLI_USAGE, "--noise must be >= 0 (got %g)", noise);
    if (!cli_fits_memory(size, dtype, 2))
        return CLI_FAILED;
    lg_tensor *x, *y;
    lg_status s = lg_make_linear(w, b, size, noise, seed, dtype, &x, &y);
    if (s == LG_OK)
        s = cli_is_npy(out) ? lg_npy_write(out, x, y) : lg_csv_write(out, x, y);
    lg_tensor_free(x);
    lg_tensor_free(y);
    return s == LG_OK ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
}
