/* signals.h - quit requests (SIGINT/SIGTERM/SIGHUP) and crash handlers that clean up and re-raise. */
#ifndef HOLDUP_SIGNALS_H
#define HOLDUP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Installs handlers: quit signals set a flag; crash signals run the fatal hooks
 * (terminal restore, detach), restore the old handler and re-raise. */
void signals_install(void);
/* The quit signal received, or 0. */
int signals_quit_requested(void);
/* True when the last quit signal was sent by the kernel (a terminal's Ctrl-C or hangup, which
 * reach the whole foreground process group), false for one sent with kill(2). */
bool signals_quit_from_kernel(void);
/* Forgets the quit signal (launch mode passed it on to the command and waits for its exit). */
void signals_quit_clear(void);
/* A SIGCHLD handler that does nothing but end a sleep early (SA_RESTART for everything else). */
void signals_wake_on_child(void);
/* Blocks / unblocks the quit signals (around the stop phase, so a detach always comes first). */
void signals_block_quit(sigset_t *old);
void signals_restore_mask(const sigset_t *old);

#endif
