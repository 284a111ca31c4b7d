/* Process defaults set through the API (lg_set_default_threads/isa) win over the
 * environment, and fail once something has fixed them. Runs with
 * LINGRAD_THREADS=7 and a LINGRAD_ISA naming no table (tests/CMakeLists.txt). */
#include "check.h"

static void test_bad_requests(void)
{
    CHECK_STATUS(lg_set_default_threads(0), LG_EINVAL);
    CHECK_STATUS(lg_set_default_threads(LG_MAX_THREADS + 1), LG_EINVAL);
    CHECK_STATUS(lg_set_default_isa("no-such-table"), LG_EUNSUPPORTED);
    CHECK_ERROR_HAS("no-such-table");
}

/* Allocation needs the threads, never the kernel table: the bad LINGRAD_ISA does
 * not stop it, and the ISA stays unfixed. */
static void test_threads_fixed_by_allocation(void)
{
    CHECK_OK(lg_set_default_threads(5));
    CHECK_OK(lg_set_default_threads(3)); /* the last request before the choice wins */
    lg_tensor *t, *x, *y;
    CHECK_OK(lg_tensor_new(LG_F64, 100, true, &t));
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 1, LG_F32, &x, &y));
    lg_tensor_free(t);
    lg_tensor_free(x);
    lg_tensor_free(y);
    CHECK(lg_default_threads() == 3);
    CHECK_STATUS(lg_set_default_threads(2), LG_EINVAL);
    CHECK_ERROR_HAS("already fixed");
    CHECK(lg_default_threads() == 3);
}

static void test_isa_set_then_fixed(void)
{
    CHECK_OK(lg_set_default_isa("scalar"));
    CHECK(lg_isa_default() && strcmp(lg_isa_default(), "scalar") == 0);
    lg_graph *g;
    CHECK_OK(lg_graph_new(&g));
    CHECK(g && strcmp(lg_graph_isa(g), "scalar") == 0 && lg_graph_threads(g) == 3);
    lg_graph_free(g);
    CHECK_STATUS(lg_set_default_isa(NULL), LG_EINVAL);
    CHECK_ERROR_HAS("already fixed");
    CHECK(strcmp(lg_isa_default(), "scalar") == 0);
}

int main(void)
{
    test_bad_requests();
    test_threads_fixed_by_allocation();
    test_isa_set_then_fixed();
    return check_done("test_defaults");
}
