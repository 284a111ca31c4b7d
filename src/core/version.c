/* The version this library was compiled with. A program compares these with the
 * LG_VERSION_* macros of the header it was compiled against: a static library and
 * a header found through different -I/-L paths can come from different installs. */
#include "lingrad.h"

const char *lg_version(void) { return LG_VERSION_STRING; }
int lg_version_number(void) { return LG_VERSION_NUMBER; }
