/* Writing a training history as CSV: epoch,loss,w,b. */
#include "data/atomic_file.h"
#include "core/error.h"

lg_status lg_history_write(const char *path, const lg_train_result *res)
{
    if (!path || !res)
        return lg_fail_null("lg_history_write", !path ? "path" : "res");
    lg_atomic_file af;
    lg_status st = lg_atomic_open(&af, path);
    if (st != LG_OK)
        return st;
    fputs("epoch,loss,w,b\n", af.f);
    for (size_t i = 0; i < res->n_history; i++) {
        const lg_epoch_record *e = &res->history[i];
        fprintf(af.f, "%ld,%.17g,%.17g,%.17g\n", e->epoch, e->loss, e->w, e->b);
    }
    return lg_atomic_commit(&af);
}
