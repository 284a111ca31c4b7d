#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/atomic_file.h"
#include "core/error.h"

/* A device, FIFO or socket (/dev/null, /dev/stdout, a pipe) is written in place:
 * renaming a temporary file over it would replace the device with a file. */
static lg_status open_special(lg_atomic_file *af, const char *path)
{
    af->in_place = 1;
    af->path = strdup(path);
    if (!af->path)
        return lg_fail(LG_ENOMEM, "cannot write '%s': out of memory", path);
    af->f = fopen(path, "w");
    if (!af->f) {
        int e = errno;
        lg_atomic_abort(af);
        return lg_fail(LG_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    return LG_OK;
}

/* The mode a file created with 0666 would get: this process's umask applied. The
 * umask can only be read by setting it, which would race with other threads, so it
 * comes from /proc; without /proc the file stays private (0600) rather than guess. */
static mode_t new_file_mode(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    unsigned mask = 077;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    if (f)
        fclose(f);
    return (mode_t)(0666 & ~mask);
}

lg_status lg_atomic_open(lg_atomic_file *af, const char *path)
{
    *af = (lg_atomic_file){0};
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return open_special(af, path);
    size_t len = strlen(path) + sizeof ".tmp-XXXXXX";
    af->path = strdup(path);
    af->tmp = malloc(len);
    if (!af->path || !af->tmp) {
        lg_atomic_abort(af);
        return lg_fail(LG_ENOMEM, "cannot write '%s': out of memory", path);
    }
    snprintf(af->tmp, len, "%s.tmp-XXXXXX", path);
    /* mkstemp: a fresh name each call (O_EXCL, retried), so concurrent writers of
     * one path and leftovers of a killed run never collide, and nothing is written
     * through a file or link someone else put there. It creates the file 0600; the
     * result gets the mode the target had (its permission bits, never setuid,
     * setgid or sticky), or the one a new file would. */
    int fd = mkstemp(af->tmp);
    af->created = fd >= 0;
    if (fd >= 0 && fchmod(fd, exists ? st.st_mode & 0777 : new_file_mode()) != 0) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0 && !(af->f = fdopen(fd, "w")))
        close(fd);
    if (!af->f) {
        int e = errno;
        lg_atomic_abort(af);
        return lg_fail(LG_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    return LG_OK;
}

lg_status lg_atomic_commit(lg_atomic_file *af)
{
    int bad = ferror(af->f);
    int e = bad ? EIO : 0;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    af->f = NULL;
    if (!bad && !af->in_place && rename(af->tmp, af->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        af->created = 0;
    lg_status s = LG_OK;
    if (bad)
        s = lg_fail(LG_EIO, "cannot write '%s': %s", af->path, strerror(e));
    lg_atomic_abort(af);
    return s;
}

void lg_atomic_abort(lg_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->created)
        unlink(af->tmp);
    free(af->path);
    free(af->tmp);
    *af = (lg_atomic_file){0};
}
