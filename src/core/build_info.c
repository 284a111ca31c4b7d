/* What this library was built with; the values come from CMake. */
#include "build_config.h"
#include "lingrad.h"

const char *lg_build_compiler(void) { return LG_BUILD_COMPILER; }
const char *lg_build_type(void) { return LG_BUILD_TYPE; }
const char *lg_build_flags(void) { return LG_BUILD_FLAGS; }
