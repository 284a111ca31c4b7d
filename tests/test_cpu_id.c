/* lg_cpu_identify, what benchmark baselines are keyed by, decodes CPUID as the
 * vendors define it: known signatures of Intel and AMD CPUs decode to their
 * published family and model, and where /proc/cpuinfo describes the CPU this
 * runs on (same brand string: not under an emulator), vendor, family, model and
 * stepping agree with it, and so do the tables lingrad runs with the kernel's
 * flags: a dispatcher that stopped seeing AVX-512 on an AVX-512 machine would
 * otherwise only make the AVX-512 tests report themselves skipped. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "exec/cpu_id.h"

static void check_known_signatures(void)
{
    static const struct {
        unsigned eax;
        int family, model, stepping;
    } known[] = {
        {0x00A00F11, 25, 1, 1},   /* AMD Zen 3 (EPYC Milan) */
        {0x00A10F11, 25, 17, 1},  /* AMD Zen 4 (EPYC Genoa) */
        {0x00020F12, 15, 33, 2},  /* AMD K8: base family 15, extended model */
        {0x000906EA, 6, 158, 10}, /* Intel Coffee Lake */
        {0x000806F8, 6, 143, 8},  /* Intel Sapphire Rapids */
        {0x00000F29, 15, 2, 9},   /* Intel Pentium 4: family 15, no extension */
        {0x00000435, 4, 3, 5},    /* Intel 486: no extended fields at all */
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        lg_cpu_id id;
        lg_cpu_decode_signature(known[i].eax, &id);
        if (id.family != known[i].family || id.model != known[i].model ||
            id.stepping != known[i].stepping) {
            fprintf(stderr, "signature %#x: family %d model %d stepping %d, want %d %d %d\n",
                    known[i].eax, id.family, id.model, id.stepping, known[i].family,
                    known[i].model, known[i].stepping);
            check_failures++;
        }
    }
}

#if defined(__x86_64__) /* /proc/cpuinfo's fields and flags below are the x86 ones */
/* The value of "key<TAB>: value" in /proc/cpuinfo's first block, or "" if absent. */
static void cpuinfo_field(const char *key, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[8192]; /* the flags line is long */
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f) && line[0] != '\n') {
        if (strncmp(line, key, klen) != 0 || (line[klen] != '\t' && line[klen] != ' '))
            continue;
        const char *v = strchr(line, ':');
        if (v) {
            snprintf(out, len, "%s", v + (v[1] == ' ' ? 2 : 1));
            out[strcspn(out, "\n")] = '\0';
        }
        break;
    }
    fclose(f);
}

/* Whether /proc/cpuinfo's flags line lists `flag` (the kernel clears a flag the
 * OS does not support, as lingrad's XGETBV check does). */
static bool has_flag(const char *flags, const char *flag)
{
    size_t len = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)); p += len)
        if ((p == flags || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

static bool runs(const char *isa)
{
    for (size_t i = 0; i < lg_isa_count(); i++)
        if (strcmp(lg_isa_name(i), isa) == 0)
            return lg_isa_supported(i);
    return false;
}

static void check_tables_match_flags(void)
{
    char flags[8192];
    cpuinfo_field("flags", flags, sizeof flags);
    CHECK(flags[0] != '\0');
    bool avx2 = has_flag(flags, "avx2") && has_flag(flags, "fma");
    bool avx512 = has_flag(flags, "avx512f") && has_flag(flags, "fma");
    printf("kernel flags: avx2+fma %s, avx512f %s\n", avx2 ? "yes" : "no", avx512 ? "yes" : "no");
    CHECK(runs("avx2") == avx2);
    CHECK(runs("avx512") == avx512);
}

#endif

int main(void)
{
    check_known_signatures();
    lg_cpu_id id;
    lg_cpu_identify(&id);
    printf("cpu: '%s' %s family %d model %d stepping %d\n", id.brand, id.vendor, id.family, id.model,
           id.stepping);
    CHECK(id.vendor[0] != '\0' && memchr(id.vendor, '\0', sizeof id.vendor));
#if defined(__x86_64__)
    CHECK(strlen(id.vendor) == 12 && id.family >= 6 && id.model >= 0 && id.stepping >= 0);
    char brand[128], field[128];
    cpuinfo_field("model name", brand, sizeof brand);
    if (brand[0] && strcmp(brand, id.brand) == 0) {
        cpuinfo_field("vendor_id", field, sizeof field);
        CHECK(strcmp(field, id.vendor) == 0);
        cpuinfo_field("cpu family", field, sizeof field);
        CHECK(atoi(field) == id.family);
        cpuinfo_field("model", field, sizeof field);
        CHECK(atoi(field) == id.model);
        cpuinfo_field("stepping", field, sizeof field);
        CHECK(atoi(field) == id.stepping);
        check_tables_match_flags();
        printf("agrees with /proc/cpuinfo\n");
    } else {
        printf("/proc/cpuinfo describes another CPU ('%s'): an emulator; not compared\n", brand);
    }
#endif
    return check_done("test_cpu_id");
}
