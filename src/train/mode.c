/* The training modes' names and descriptions, all read from LG_MODES (lingrad.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* The values are part of the ABI (lingrad.h, "ABI policy"): the X-macro numbers
 * its entries in order, so a mode inserted anywhere but at the end breaks here. */
static_assert(LG_MODE_FUSED == 0 && LG_MODE_EAGER == 1 && LG_MODE_GRAPH == 2,
              "lg_mode's values changed: append new modes to LG_MODES instead");

#define NAME_(id, name, text) [id] = name,
static const char *const names[] = {LG_MODES(NAME_)};
#undef NAME_
#define TEXT_(id, name, text) [id] = text,
static const char *const texts[] = {LG_MODES(TEXT_)};
#undef TEXT_
static_assert(sizeof names / sizeof names[0] == LG_MODE_COUNT, "a mode without a name");
static_assert(sizeof texts / sizeof texts[0] == LG_MODE_COUNT, "a mode without a description");

/* A value from outside the enum (a cast int, a struct never initialised) can be
 * negative as well as too large, whatever type the compiler gives the enum. */
static bool is_mode(lg_mode m)
{
    return (int)m >= 0 && (int)m < LG_MODE_COUNT;
}

const char *lg_mode_name(lg_mode m)
{
    return is_mode(m) ? names[m] : "unknown mode";
}

const char *lg_mode_describe(lg_mode m)
{
    return is_mode(m) ? texts[m] : "unknown mode";
}

size_t lg_mode_names(char *buf, size_t len, const char *sep)
{
    if ((!buf && len) || !sep) {
        lg_fail(LG_EINVAL, "lg_mode_names: %s", !sep ? "sep is NULL"
                : "buf is NULL but len is not 0 (NULL is allowed with len 0 only)");
        return 0;
    }
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int m = 0; m < LG_MODE_COUNT; m++) {
        /* used may pass len: snprintf then only counts, as lg_isa_names does */
        int w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s%s",
                         m ? sep : "", names[m]);
        used += w > 0 ? (size_t)w : 0;
    }
    return used;
}

lg_status lg_mode_from_name(const char *name, lg_mode *out)
{
    /* Room for every name and a two-character separator: fixed by the list. */
#define LEN_(id, name, text) +sizeof name + 2
    char valid[0 LG_MODES(LEN_)];
#undef LEN_
    lg_mode_names(valid, sizeof valid, ", ");
    if (!name || !out)
        return lg_fail(LG_EINVAL, "lg_mode_from_name: %s is NULL (modes: %s)",
                       name ? "out" : "name", valid);
    for (int m = 0; m < LG_MODE_COUNT; m++)
        if (strcmp(name, names[m]) == 0) {
            *out = (lg_mode)m;
            return LG_OK;
        }
    return lg_fail(LG_EINVAL, "lg_mode_from_name: '%.40s' is not one of %s", name, valid);
}
