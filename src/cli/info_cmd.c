/* lingrad info: what this build is, what this CPU offers, which kernels run. */
#include <stdlib.h>

#include "cli.h"

int cli_info(int argc, char **argv)
{
    if (argc > 2)
        return cli_error(CLI_USAGE, "info takes no arguments (got '%s')", argv[2]);
    char cpu[160];
    lg_cpu_describe(cpu, sizeof cpu);
    printf("lingrad %s\n", LG_VERSION_STRING);
    printf("build:    %s, %s\n", lg_build_type(), lg_build_compiler());
    printf("flags:    %s\n", lg_build_flags());
    printf("cpu:      %s\n", cpu);
    printf("kernels: ");
    for (size_t i = 0; i < lg_isa_count(); i++)
        printf(" %s%s", lg_isa_name(i), lg_isa_supported(i) ? "" : " (not on this CPU)");
    const char *env = getenv("LINGRAD_ISA"), *chosen = lg_isa_default();
    printf("\nchosen:   %s (%s)\n", chosen ? chosen : "none",
           env && *env ? "from LINGRAD_ISA" : "the best this CPU runs; set LINGRAD_ISA or --isa to choose");
    return chosen ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
}
