/* Which CPU this is, for benchmark records and baselines. Built for the baseline
 * target like kernels/dispatch.c, so it runs on any CPU. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "exec/cpu_id.h"

/* Intel and AMD both add the extended family only when the base family is 15, and
 * the extended model when it is 6 or 15 (Intel) or 15 (AMD): the rule below is
 * the union, which agrees with both vendors for every CPU they have shipped. */
void lg_cpu_decode_signature(uint32_t eax, lg_cpu_id *out)
{
    int base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;
    out->stepping = eax & 0xf;
    out->family = base_family == 15 ? base_family + (int)((eax >> 20) & 0xff) : base_family;
    out->model = base_family == 6 || base_family == 15 ? base_model + (int)(((eax >> 16) & 0xf) << 4)
                                                       : base_model;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* Leaves 0x80000002..4 hold the 48-byte brand string, often padded with spaces. */
static void read_brand(lg_cpu_id *out)
{
    unsigned int r[12], max = __get_cpuid_max(0x80000000, NULL);
    if (max < 0x80000004)
        return;
    for (unsigned int i = 0; i < 3; i++)
        __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    char raw[49];
    memcpy(raw, r, 48);
    raw[48] = '\0';
    char *p = raw;
    while (*p == ' ')
        p++;
    size_t len = strlen(p);
    while (len && p[len - 1] == ' ')
        p[--len] = '\0';
    snprintf(out->brand, sizeof out->brand, "%s", p);
}

void lg_cpu_identify(lg_cpu_id *out)
{
    if (!out) {
        lg_fail_null("lg_cpu_identify", "out");
        return;
    }
    memset(out, 0, sizeof *out);
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) {
        snprintf(out->vendor, sizeof out->vendor, "x86-unknown");
        return;
    }
    memcpy(out->vendor, &b, 4), memcpy(out->vendor + 4, &d, 4), memcpy(out->vendor + 8, &c, 4);
    if (__get_cpuid(1, &a, &b, &c, &d))
        lg_cpu_decode_signature(a, out);
    read_brand(out);
}
#else
void lg_cpu_identify(lg_cpu_id *out)
{
    if (!out) {
        lg_fail_null("lg_cpu_identify", "out");
        return;
    }
    memset(out, 0, sizeof *out);
#if defined(__aarch64__)
    snprintf(out->vendor, sizeof out->vendor, "aarch64");
#else
    snprintf(out->vendor, sizeof out->vendor, "unknown");
#endif
}
#endif
