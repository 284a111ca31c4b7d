/* CPUID's signature (leaf 1, EAX) as family, model and stepping (internal; the
 * public entry point is lg_cpu_identify). Exposed so tests can check the
 * decoding against known CPUs, not just the one they run on. */
#ifndef LG_CPU_ID_H
#define LG_CPU_ID_H

#include <stdint.h>

#include "lingrad.h"

void lg_cpu_decode_signature(uint32_t eax, lg_cpu_id *out);

#endif
