#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "jit/cache_dir.h"
#include "jit/hash.h"
#include "jit/sealed_object.h"

static const char magic[8] = {'L', 'G', 'J', 'I', 'T', 'O', 'B', '1'};

typedef struct trailer {
    char magic[8];
    uint64_t length; /* bytes before the trailer */
    uint64_t a, b;   /* lg_hash128 of those bytes */
} trailer;

/* Sweeps are kilobytes; a cache file this large is not one of ours. */
#define MAX_OBJECT (256u << 20)

static bool read_all(int fd, unsigned char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

/* The whole file in a fresh buffer (the caller frees it), *len its size. */
static lg_status slurp(int fd, const char *path, unsigned char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return lg_fail(LG_EIO, "cached object %s: %s", path, strerror(errno));
    if (st.st_size < 0 || (uint64_t)st.st_size > MAX_OBJECT)
        return lg_fail(LG_EIO, "cached object %s is too large (%lld bytes)", path,
                       (long long)st.st_size);
    *len = (size_t)st.st_size;
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return lg_fail(LG_ENOMEM, "cached object %s: out of memory reading it", path);
    if (!read_all(fd, *buf, *len)) {
        free(*buf);
        *buf = NULL;
        return lg_fail(LG_EIO, "cannot read cached object %s", path);
    }
    return LG_OK;
}

static lg_status append_trailer(int fd, const char *path)
{
    unsigned char *buf;
    size_t len;
    lg_status s = slurp(fd, path, &buf, &len);
    if (s != LG_OK)
        return s;
    lg_hash128 h = lg_hash128_of(buf, len);
    free(buf);
    trailer t = {.length = len, .a = h.a, .b = h.b};
    memcpy(t.magic, magic, sizeof magic);
    ssize_t n = pwrite(fd, &t, sizeof t, (off_t)len);
    if (n != (ssize_t)sizeof t)
        return lg_fail(LG_EIO, "cannot write compiled object %s: %s", path,
                       n < 0 ? strerror(errno) : "short write");
    return LG_OK;
}

lg_status lg_jit_seal(const char *path)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return lg_fail(LG_EIO, "compiled object %s: %s", path, strerror(errno));
    /* The compiler made it with the umask's mode, which may let the group write. */
    lg_status s = fchmod(fd, 0600) == 0 ? LG_OK
                                        : lg_fail(LG_EIO, "compiled object %s: chmod: %s", path,
                                                  strerror(errno));
    if (s == LG_OK)
        s = append_trailer(fd, path);
    close(fd);
    return s;
}

static lg_status check_trailer(const unsigned char *buf, size_t len, const char *path)
{
    trailer t;
    if (len < sizeof t)
        return lg_fail(LG_EIO, "cached object %s is truncated (%zu bytes)", path, len);
    memcpy(&t, buf + len - sizeof t, sizeof t);
    if (memcmp(t.magic, magic, sizeof magic) != 0)
        return lg_fail(LG_EIO, "cached object %s has no lingrad trailer (truncated, or not "
                       "written by lingrad)", path);
    if (t.length != len - sizeof t)
        return lg_fail(LG_EIO, "cached object %s is %zu bytes, its trailer says %llu", path,
                       len - sizeof t, (unsigned long long)t.length);
    lg_hash128 h = lg_hash128_of(buf, len - sizeof t);
    if (h.a != t.a || h.b != t.b)
        return lg_fail(LG_EIO, "cached object %s is damaged (its hash does not match)", path);
    return LG_OK;
}

lg_status lg_jit_sealed_check(const char *path, bool *missing)
{
    *missing = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT) {
        *missing = true;
        return LG_OK;
    }
    if (fd < 0 && errno == ELOOP)
        return lg_fail(LG_EUNSUPPORTED, "cached object %s is a symbolic link: not used", path);
    if (fd < 0)
        return lg_fail(LG_EIO, "cannot open cached object %s: %s", path, strerror(errno));
    lg_status s = lg_jit_file_check(fd, path);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (s == LG_OK)
        s = slurp(fd, path, &buf, &len);
    if (s == LG_OK)
        s = check_trailer(buf, len, path);
    free(buf);
    close(fd);
    return s;
}
