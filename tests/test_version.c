/* The version has one source, CMake's project(VERSION): the header's macros must
 * equal it (LG_TEST_PROJECT_VERSION* come from CMake, not from the header), and
 * the library must report at run time what its header says. */
#include <stdio.h>

#include "check.h"

int main(void)
{
    CHECK(strcmp(LG_VERSION_STRING, LG_TEST_PROJECT_VERSION) == 0);
    CHECK(LG_VERSION_MAJOR == LG_TEST_PROJECT_VERSION_MAJOR);
    CHECK(LG_VERSION_MINOR == LG_TEST_PROJECT_VERSION_MINOR);
    CHECK(LG_VERSION_PATCH == LG_TEST_PROJECT_VERSION_PATCH);

    /* The string is exactly the three numbers, and the number orders them. */
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", LG_VERSION_MAJOR, LG_VERSION_MINOR,
             LG_VERSION_PATCH);
    CHECK(strcmp(parts, LG_VERSION_STRING) == 0);
    CHECK(LG_VERSION_NUMBER ==
          LG_VERSION_MAJOR * 1000000 + LG_VERSION_MINOR * 1000 + LG_VERSION_PATCH);
    CHECK(LG_VERSION_MINOR < 1000 && LG_VERSION_PATCH < 1000);

    /* What the library was compiled with equals what this test was compiled with. */
    CHECK(lg_version() != NULL && strcmp(lg_version(), LG_VERSION_STRING) == 0);
    CHECK(lg_version_number() == LG_VERSION_NUMBER);
    printf("lingrad %s (%d)\n", lg_version(), lg_version_number());
    return check_done("test_version");
}
