/* Ctrl-C and SIGTERM during training: stop cleanly after the current epoch, keep
 * the history so far, and say so. A second signal ends the program at once. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "cli/cli.h"

/* Set from the signal handler: the only state a handler may safely touch. */
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
    pending_signal = sig;
}

/* SIGINT and SIGTERM, held or let through together. */
static void hold(int how)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(how, &set, NULL);
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* the second Ctrl-C takes the default action */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Held in this thread until cli_signals_accept(): OpenMP's workers, made from
     * it meanwhile, inherit the hold, so the signal always reaches this thread.
     * A worker that spins between jobs never passes ThreadSanitizer's delivery
     * points, and a signal it took stayed pending for good under make tsan. */
    hold(SIG_BLOCK);
}

void cli_signals_accept(void)
{
    hold(SIG_UNBLOCK); /* a signal held meanwhile arrives now */
}

int cli_signal_pending(void)
{
    return pending_signal;
}
