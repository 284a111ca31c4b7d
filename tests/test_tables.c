/* The dispatcher's tables are the ones CMakeLists.txt builds (its lg_kernel_isa()
 * list for this processor, passed as arguments), in that order, and each one can
 * be classified: it says what it needs and fills every entry. This runs once,
 * not per ISA: a table that cannot be classified would make its own per-ISA
 * tests report "skipped", so the failure has to come from here. Nothing is
 * called through the tables, so tables this CPU cannot run are checked too.
 * Also the one function that joins their names for messages. */
#include "check.h"
#include "kernels.h"

static bool complete_f32(const lg_kernels_f32 *t)
{
    return t->mse && t->axpb && t->add && t->sub && t->mul && t->square && t->axpy &&
           t->mulacc && t->sum && t->dot;
}

static bool complete_f64(const lg_kernels_f64 *t)
{
    return t->mse && t->axpb && t->add && t->sub && t->mul && t->square && t->axpy &&
           t->mulacc && t->sum && t->dot;
}

/* The tables are CMake's list, by name and in order, and find() agrees. */
static void check_list(int argc, char **argv)
{
    CHECK(argc >= 2 && strcmp(argv[1], "scalar") == 0);
    CHECK(lg_kernels_count() == (size_t)(argc - 1));
    for (size_t i = 0; i < lg_kernels_count() && i + 1 < (size_t)argc; i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (strcmp(k->name, argv[i + 1]) != 0)
            fprintf(stderr, "table %zu is named '%s'; CMakeLists.txt builds '%s' there\n", i,
                    k->name, argv[i + 1]);
        CHECK(strcmp(k->name, argv[i + 1]) == 0);
        CHECK(lg_kernels_find(argv[i + 1]) == k);
    }
    CHECK(lg_kernels_at(lg_kernels_count()) == NULL);
    CHECK(lg_kernels_at(0) == &lg_kernels_scalar);
}

/* Each table needs something the dispatcher knows about, and has every entry. */
static void check_classified(void)
{
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        printf("%-8s needs 0x%02x%s\n", k->name, k->needs,
               lg_kernels_runnable(k) ? "" : " (not on this CPU)");
        if (k->needs == 0 || (k->needs & ~(unsigned)LG_NEEDS_KNOWN) != 0)
            fprintf(stderr, "table %s: needs = 0x%x: say what it needs (LG_NEEDS_*)\n", k->name,
                    k->needs);
        CHECK(k->needs != 0 && (k->needs & ~(unsigned)LG_NEEDS_KNOWN) == 0);
        CHECK(complete_f32(&k->f32));
        CHECK(complete_f64(&k->f64));
    }
    CHECK(lg_kernels_scalar.needs == LG_NEEDS_BASELINE);
}

/* The rule itself: needing nothing is refused, the baseline always runs, and a
 * feature no CPU offers is refused. */
static void check_rule(void)
{
    lg_kernels t = lg_kernels_scalar;
    t.needs = 0;
    CHECK(!lg_kernels_runnable(&t));
    t.needs = LG_NEEDS_BASELINE;
    CHECK(lg_kernels_runnable(&t));
    t.needs = LG_NEEDS_BASELINE | (LG_NEEDS_KNOWN + 1u);
    CHECK(!lg_kernels_runnable(&t));
}

/* The best table is the last runnable one. */
static void check_best(void)
{
    const lg_kernels *last = NULL;
    for (size_t i = 0; i < lg_kernels_count(); i++)
        if (lg_kernels_runnable(lg_kernels_at(i)))
            last = lg_kernels_at(i);
    CHECK(last != NULL && lg_kernels_best() == last);
}

/* lg_isa_names, which every list of names in messages, info and the usage
 * text comes from: runnable ones only, or all with a mark; cut like snprintf. */
static void check_names(void)
{
    char runs[256] = "", all[256] = "", buf[256];
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        bool ok = lg_kernels_runnable(k);
        if (ok)
            snprintf(runs + strlen(runs), sizeof runs - strlen(runs), "%s%s", runs[0] ? ", " : "",
                     k->name);
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s%s", all[0] ? "|" : "", k->name,
                 ok ? "" : "?");
    }
    CHECK(lg_isa_names(buf, sizeof buf, ", ", NULL) == strlen(runs) && strcmp(buf, runs) == 0);
    CHECK(lg_isa_names(buf, sizeof buf, "|", "?") == strlen(all) && strcmp(buf, all) == 0);
    CHECK(lg_isa_names(buf, 4, "|", "?") == strlen(all));
    CHECK(strncmp(buf, all, 3) == 0 && buf[3] == '\0');
    CHECK(lg_isa_names(NULL, 0, "|", "?") == strlen(all));
    printf("runnable: %s; built: %s\n", runs, all);
}

int main(int argc, char **argv)
{
    check_list(argc, argv);
    check_classified();
    check_rule();
    check_best();
    check_names();
    return check_done("test_tables");
}
