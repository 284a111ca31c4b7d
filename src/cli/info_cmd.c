/* lingrad info: what this build is and what it can run here. */
#include "cli.h"

int cli_info(int argc, char **argv)
{
    if (argc > 2)
        return cli_error(CLI_USAGE, "info takes no arguments (got '%s')", argv[2]);
    printf("lingrad %s\n", LG_VERSION_STRING);
    printf("build:    %s, %s\n", lg_build_type(), lg_build_compiler());
    printf("flags:    %s\n", lg_build_flags());
    printf("kernels: ");
    for (size_t i = 0; i < lg_isa_count(); i++)
        printf(" %s%s", lg_isa_name(i), lg_isa_supported(i) ? "" : " (not on this CPU)");
    printf("\ndefault:  %s\n", lg_isa_default());
    return CLI_OK;
}
