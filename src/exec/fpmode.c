/* The one definition of the per-thread flag behind fpmode.h. */
#include "exec/fpmode.h"

_Thread_local bool lg_fp_flushing = false;
