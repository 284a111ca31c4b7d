/* A program outside the lingrad tree, built against an installed lingrad by
 * tests/test_install.sh (once through find_package, once through pkg-config).
 * It calls into every dependency the static library carries: OpenMP (a training
 * run on two threads), hwloc (the topology) and libm, so an install that forgets
 * one fails to configure, link or run. Exit status 0 only when all is right. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lingrad.h>

int main(void)
{
    int bad = 0;
    /* The header and the archive came from the same install. */
    if (strcmp(lg_version(), LG_VERSION_STRING) != 0 || lg_version_number() != LG_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header %s (%d) but library %s (%d)\n", LG_VERSION_STRING,
                LG_VERSION_NUMBER, lg_version(), lg_version_number());
        bad = 1;
    }

    lg_topology_info topo;
    lg_topology(&topo);
    if (topo.pus < 1) {
        fprintf(stderr, "consumer: lg_topology found %d processing units\n", topo.pus);
        bad = 1;
    }

    lg_tensor *x, *y;
    if (lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F64, &x, &y) != LG_OK) {
        fprintf(stderr, "consumer: lg_make_linear: %s\n", lg_last_error());
        return 1;
    }
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.tol = 0;            /* to the least-squares optimum, which is within 0.01 of (0.3, 0.5) */
    o.max_epochs = 5000;
    o.threads = 2;        /* the OpenMP team runs even on a one-core machine */
    lg_train_result r;
    lg_status s = lg_train(x, y, &o, &r);
    if (s != LG_OK) {
        fprintf(stderr, "consumer: lg_train: %s\n", lg_last_error());
        bad = 1;
    } else {
        if (!(fabs(r.w - 0.3) < 0.02 && fabs(r.b - 0.5) < 0.02)) {
            fprintf(stderr, "consumer: trained w = %g, b = %g, want about 0.3 and 0.5\n", r.w, r.b);
            bad = 1;
        }
        printf("consumer: lingrad %s, w = %.4f, b = %.4f, %d cores (%s)\n", lg_version(), r.w,
               r.b, topo.cores, topo.from_hwloc ? "hwloc" : "sysconf");
        lg_train_result_free(&r);
    }
    lg_tensor_free(x);
    lg_tensor_free(y);
    return bad;
}
