/* signals.c - quit flag for SIGINT/SIGTERM/SIGHUP; crash handlers that clean up (detach, terminal) and re-raise. */
#include "signals.h"

#include <string.h>

#include "util.h"

static volatile sig_atomic_t signals_quit;
static const int signals_crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction signals_old_crash[sizeof signals_crash / sizeof signals_crash[0]];

static void
signals_on_quit(int sig)
{
	signals_quit = sig;
}

static void
signals_on_crash(int sig)
{
	/* Hooks detach from the target and restore the terminal: the target must never stay stopped. */
	util_run_fatal_hooks();
	for (size_t i = 0; i < sizeof signals_crash / sizeof signals_crash[0]; i++)
		if (signals_crash[i] == sig)
			sigaction(sig, &signals_old_crash[i], NULL);
	raise(sig);
}

void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sa.sa_handler = signals_on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < sizeof signals_crash / sizeof signals_crash[0]; i++)
		sigaction(signals_crash[i], &sa, &signals_old_crash[i]);
}

int
signals_quit_requested(void)
{
	return signals_quit;
}

void
signals_block_quit(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

void
signals_restore_mask(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}
