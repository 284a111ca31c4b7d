/* Ctrl-C and SIGTERM during training: stop cleanly after the current epoch, keep
 * the history so far, and say so. A second signal ends the program at once. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "cli/cli.h"

/* Set by the handler or the waiting thread, read by training once per epoch: a
 * lock-free atomic, which both a handler and another thread may touch. */
static atomic_int pending_signal;

static void on_signal(int sig)
{
    atomic_store_explicit(&pending_signal, sig, memory_order_relaxed);
}

/* SIGINT and SIGTERM, as one set. */
static sigset_t held(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

/* The one thread that takes the signals: the first sets the flag, the second
 * takes the default action, which ends the program. */
static void *wait_for_signals(void *arg)
{
    (void)arg;
    sigset_t set = held();
    int sig;
    if (sigwait(&set, &sig) != 0)
        return NULL;
    atomic_store_explicit(&pending_signal, sig, memory_order_relaxed);
    if (sigwait(&set, &sig) != 0)
        return NULL;
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return NULL;
}

/* The signals are held in this thread, so in every thread started from it
 * (lingrad's teams, whenever a run starts one), and taken by a thread that waits
 * for them. So a worker that spins between jobs never takes one: under
 * ThreadSanitizer, whose handlers run only at a thread's next system call, a
 * signal it took stayed pending for good. The handler serves threads that began
 * before (an MPI library's). */
void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* the second Ctrl-C takes the default action */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t set = held();
    pthread_t waiter;
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return;
    if (pthread_create(&waiter, NULL, wait_for_signals, NULL) == 0)
        pthread_detach(waiter);
    else /* no waiter: the handler takes them on this thread */
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int cli_signal_pending(void)
{
    return atomic_load_explicit(&pending_signal, memory_order_relaxed);
}
