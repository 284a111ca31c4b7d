/* libFuzzer harness: `lingrad train`'s command-line parser on arbitrary
 * arguments (the input split at NUL bytes). It must accept or reject each
 * command line with one error line; never crash. Nothing is trained. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { MAX_ARGS = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 3] = {"lingrad", "train"};
    int argc = 2;
    for (char *p = buf; p < buf + size && argc < MAX_ARGS + 2; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    int rc = cli_train_check_args(argc, argv);
    if (rc != CLI_OK && rc != CLI_USAGE)
        abort();
    free(buf);
    return 0;
}
