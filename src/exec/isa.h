/* The process-wide default kernel table (internal). */
#ifndef LG_ISA_H
#define LG_ISA_H

#include "kernels.h"
#include "lingrad.h"

/* The table new graphs use: LINGRAD_ISA if set (an error if this build or CPU
 * cannot run it: never a silent fallback), else the best this CPU runs. Chosen
 * once per process. */
lg_status lg_kernels_default(const lg_kernels **out);

#endif
