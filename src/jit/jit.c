/* lg_jit_load: the key, the cache lookup, the compile on a miss, and the
 * checks that make a loaded object trustworthy (sealed_object.c before dlopen,
 * the embedded source after it). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "jit/cache_dir.h"
#include "jit/compile.h"
#include "jit/hash.h"
#include "jit/jit.h"
#include "jit/sealed_object.h"

/* Bumped when what the JIT appends to a source, or the object format, changes. */
#define LG_JIT_FORMAT "lingrad-jit-1"

/* Everything that changes the object: the source, the compiler's identity, all
 * flags, lingrad's version and the JIT's format. */
static void object_key(const lg_jit_setup *js, const char *source, size_t len,
                       const char *const *isa_flags, char key[33])
{
    lg_hasher h;
    lg_hasher_init(&h);
    lg_hasher_add_part(&h, source, len);
    lg_hasher_add_part(&h, js->cc_identity, strlen(js->cc_identity));
    for (const char *const *f = lg_jit_base_flags(); *f; f++)
        lg_hasher_add_part(&h, *f, strlen(*f));
    lg_hasher_add_part(&h, "|isa|", 5);
    for (const char *const *f = isa_flags; *f; f++)
        lg_hasher_add_part(&h, *f, strlen(*f));
    lg_hasher_add_part(&h, LG_VERSION_STRING, strlen(LG_VERSION_STRING));
    lg_hasher_add_part(&h, LG_JIT_FORMAT, strlen(LG_JIT_FORMAT));
    lg_hash128_hex(lg_hasher_end(&h), key);
}

/* The setup, the ISA's flags and the object's path, or why the JIT cannot run. */
static lg_status prepare(const char *source, size_t len, const char *isa,
                         const lg_jit_setup **js, const char *const **flags, char *path,
                         size_t plen)
{
    if ((!source && len > 0) || !isa || !path)
        return lg_fail(LG_EINVAL, "lg_jit: NULL source, isa or output");
    *js = lg_jit_setup_get();
    if (!(*js)->pub.enabled)
        return lg_fail(LG_EUNSUPPORTED, "jit is off: %s", (*js)->pub.why);
    *flags = lg_jit_isa_flags(isa);
    if (!*flags)
        return lg_fail(LG_EINVAL, "lg_jit: no kernel table '%.40s' in this build", isa);
    char key[33];
    object_key(*js, source ? source : "", len, *flags, key);
    int n = snprintf(path, plen, "%s/%s.so", (*js)->pub.cache_dir, key);
    if (n < 0 || (size_t)n >= plen)
        return lg_fail(LG_EINVAL, "lg_jit: buffer of %zu bytes too short for the path", plen);
    return LG_OK;
}

lg_status lg_jit_object_path(const char *source, size_t len, const char *isa, char *buf,
                             size_t buflen)
{
    const lg_jit_setup *js;
    const char *const *flags;
    return prepare(source, len, isa, &js, &flags, buf, buflen);
}

/* dlopen, then the embedded source must be the requested one byte for byte (a
 * different source under the same key is a hash collision or a swapped file),
 * then the entry symbol. On failure nothing stays loaded. */
static lg_status open_verified(const char *path, const char *source, size_t len,
                               const char *entry, lg_jit_object *o)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return lg_fail(LG_EIO, "cannot load %s: %.200s", path, e ? e : "dlopen failed");
    }
    const unsigned long *text_len = dlsym(h, "lg_jit_text_len");
    const unsigned char *text = dlsym(h, "lg_jit_text");
    void *fn = dlsym(h, entry);
    lg_status s = LG_OK;
    if (!text_len || !text || *text_len != len || (len && memcmp(text, source, len) != 0))
        s = lg_fail(LG_EIO, "cached object %s was built from another source (hash "
                    "collision or replaced file)", path);
    else if (!fn)
        s = lg_fail(LG_EINVAL, "entry '%.80s' not found in the compiled source", entry);
    if (s != LG_OK) {
        dlclose(h);
        return s;
    }
    o->handle = h;
    o->fn = fn;
    return LG_OK;
}

/* A hit: a file is there, sealed, safe and holding our source. *present says
 * whether anything was at path (a bad file is removed before compiling). */
static lg_status try_cached(const char *path, const char *source, size_t len,
                            const char *entry, lg_jit_object *o, bool *present)
{
    bool missing;
    lg_status s = lg_jit_sealed_check(path, &missing);
    *present = !missing;
    if (s == LG_OK && missing)
        return LG_EIO;
    if (s == LG_OK)
        s = open_verified(path, source, len, entry, o);
    return s;
}

/* A miss, or a bad entry: compile once, check the new object as a cached one
 * would be checked, then publish it under the key. */
static lg_status build(const lg_jit_setup *js, const char *const *flags, const char *path,
                       const char *source, size_t len, const char *entry, lg_jit_object *o)
{
    lg_jit_build b;
    lg_status s = lg_jit_compile(js, source, len, flags, &b);
    if (s != LG_OK)
        return s;
    bool missing;
    s = lg_jit_sealed_check(b.so_path, &missing);
    if (s == LG_OK)
        s = open_verified(b.so_path, source, len, entry, o);
    if (s == LG_OK && (s = lg_jit_publish(&b, path)) != LG_OK)
        lg_jit_release(o);
    if (s != LG_OK)
        lg_jit_discard(&b);
    return s;
}

lg_status lg_jit_load(const char *source, size_t len, const char *isa, const char *entry,
                      lg_jit_object *out)
{
    if (!out)
        return lg_fail(LG_EINVAL, "lg_jit_load: NULL output");
    *out = (lg_jit_object){0};
    if (!entry || !*entry)
        return lg_fail(LG_EINVAL, "lg_jit_load: no entry symbol named");
    double t0 = lg_seconds();
    const lg_jit_setup *js;
    const char *const *flags;
    char path[1100];
    lg_status s = prepare(source, len, isa, &js, &flags, path, sizeof path);
    if (s == LG_OK)
        s = lg_jit_dir_check(js->pub.cache_dir); /* again: it may have changed since */
    if (s != LG_OK)
        return s;
    if (!source)
        source = "";
    bool present;
    if (try_cached(path, source, len, entry, out, &present) == LG_OK) {
        out->from_cache = true;
        out->seconds = lg_seconds() - t0;
        return LG_OK;
    }
    if (present)
        unlink(path); /* never loaded again; the rename below would replace it anyway */
    s = build(js, flags, path, source, len, entry, out);
    if (s != LG_OK)
        *out = (lg_jit_object){0};
    else
        out->seconds = lg_seconds() - t0;
    return s;
}

void lg_jit_release(lg_jit_object *o)
{
    if (!o)
        return;
    if (o->handle)
        dlclose(o->handle);
    *o = (lg_jit_object){0};
}
