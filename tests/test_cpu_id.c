/* lg_cpu_identify, what benchmark baselines are keyed by, decodes CPUID as the
 * kernel does: where /proc/cpuinfo describes the same CPU (same brand string),
 * vendor, family, model and stepping agree with it. */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* The value of "key<TAB>: value" in /proc/cpuinfo's first block, or "" if absent. */
static void cpuinfo_field(const char *key, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
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

int main(void)
{
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
        printf("agrees with /proc/cpuinfo\n");
    } else {
        printf("/proc/cpuinfo describes another CPU ('%s'): an emulator; not compared\n", brand);
    }
#endif
    return check_done("test_cpu_id");
}
