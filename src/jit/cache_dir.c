#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "jit/cache_dir.h"

/* What is wrong with st for the cache, or NULL: one check for directories and
 * files, so both follow the same rules. */
static const char *unsafe(const struct stat *st, char *buf, size_t len)
{
    if (st->st_uid != geteuid()) {
        snprintf(buf, len, "is owned by uid %lu, not by this process's user (uid %lu)",
                 (unsigned long)st->st_uid, (unsigned long)geteuid());
        return buf;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return (st->st_mode & S_IWOTH) ? "is writable by others" : "is writable by its group";
    return NULL;
}

lg_status lg_jit_dir_make(const char *dir)
{
    char path[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return lg_fail(LG_EINVAL, "cache directory '%.100s' is empty or too long", dir);
    memcpy(path, dir, n + 1);
    /* Each prefix in turn, so that a missing ~/.cache is made private too. */
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return lg_fail(LG_EIO, "cannot create cache directory %s: %s (set LINGRAD_CACHE_DIR "
                           "to a directory you own)", path, strerror(errno));
        path[i] = c;
    }
    return LG_OK;
}

lg_status lg_jit_dir_check(const char *dir)
{
    struct stat st;
    char why[100];
    if (lstat(dir, &st) != 0)
        return lg_fail(LG_EIO, "cache directory %s: %s", dir, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return lg_fail(LG_EUNSUPPORTED, "cache directory %s is a symbolic link: not used (set "
                       "LINGRAD_CACHE_DIR to the directory itself)", dir);
    if (!S_ISDIR(st.st_mode))
        return lg_fail(LG_EUNSUPPORTED, "cache directory %s is not a directory", dir);
    const char *bad = unsafe(&st, why, sizeof why);
    if (bad)
        return lg_fail(LG_EUNSUPPORTED, "cache directory %s %s: not used (chmod 700 it, or set "
                       "LINGRAD_CACHE_DIR to a private directory)", dir, bad);
    return LG_OK;
}

lg_status lg_jit_file_check(int fd, const char *path)
{
    struct stat st;
    char why[100];
    if (fstat(fd, &st) != 0)
        return lg_fail(LG_EIO, "cached object %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return lg_fail(LG_EUNSUPPORTED, "cached object %s is not a regular file", path);
    const char *bad = unsafe(&st, why, sizeof why);
    if (bad)
        return lg_fail(LG_EUNSUPPORTED, "cached object %s %s", path, bad);
    return LG_OK;
}
