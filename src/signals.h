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
/* Blocks / unblocks the quit signals (around the stop phase, so a detach always comes first). */
void signals_block_quit(sigset_t *old);
void signals_restore_mask(const sigset_t *old);

#endif
