/* Atomic writes (src/data/atomic_file.c): concurrent writers of one path, and a
 * leftover temporary of a killed run, never make a write fail; the result has
 * the mode a new file should, or the one the file had. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/lingrad-test-atomic-XXXXXX";
static char target[300];

enum { WRITERS = 4, WRITES = 50 };

typedef struct writer {
    const lg_tensor *x, *y;
    int failures;
    char why[200];
} writer;

static void *write_many(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < WRITES; i++)
        if (lg_csv_write(target, w->x, w->y) != LG_OK && w->failures++ == 0)
            snprintf(w->why, sizeof w->why, "%s", lg_last_error());
    return NULL;
}

static void test_concurrent_writers(const lg_tensor *x, const lg_tensor *y)
{
    pthread_t th[WRITERS];
    writer w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){.x = x, .y = y};
        CHECK(pthread_create(&th[i], NULL, write_many, &w[i]) == 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures)
            fprintf(stderr, "writer %d: %d failures, first: %s\n", i, w[i].failures, w[i].why);
        CHECK(w[i].failures == 0);
    }
    lg_tensor *rx, *ry;
    CHECK_OK(lg_csv_read(target, LG_F64, &rx, &ry));
    CHECK(rx && lg_tensor_size(rx) == lg_tensor_size(x));
    CHECK(rx && lg_tensor_get(rx, 3) == lg_tensor_get(x, 3));
    lg_tensor_free(rx);
    lg_tensor_free(ry);
}

/* What an earlier version named its temporary: a killed run leaves it behind, and
 * a later process with the same PID must still be able to write. */
static void test_leftover_temporary(const lg_tensor *x, const lg_tensor *y)
{
    char leftover[340];
    snprintf(leftover, sizeof leftover, "%s.tmp-%ld", target, (long)getpid());
    FILE *f = fopen(leftover, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK_OK(lg_csv_write(target, x, y));
    unlink(leftover);
}

static void test_modes(const lg_tensor *x, const lg_tensor *y)
{
    char fresh[340];
    snprintf(fresh, sizeof fresh, "%s/fresh.csv", dir);
    mode_t old = umask(022);
    CHECK_OK(lg_csv_write(fresh, x, y));
    struct stat st;
    CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == 0644);
    /* Neither what mkstemp makes (0600) nor what a new file gets (0644). */
    CHECK(chmod(fresh, 0640) == 0);
    CHECK_OK(lg_csv_write(fresh, x, y));
    CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == 0640);
    umask(old);
}

/* Only the file itself is left: no temporary survives a successful write. */
static void test_no_temporaries_left(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp-", dir);
    CHECK(system(cmd) != 0);
}

int main(void)
{
    if (!mkdtemp(dir))
        return fprintf(stderr, "cannot create %s\n", dir), 1;
    snprintf(target, sizeof target, "%s/data.csv", dir);
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 1000, 0.01, 1, LG_F64, &x, &y));
    test_concurrent_writers(x, y);
    test_leftover_temporary(x, y);
    test_modes(x, y);
    test_no_temporaries_left();
    lg_tensor_free(x);
    lg_tensor_free(y);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_done("test_atomic_file");
}
