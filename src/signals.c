/* signals.c - quit flag for SIGINT/SIGTERM/SIGHUP; crash handlers that clean up (detach, terminal) and re-raise. */
#include "signals.h"

#include <string.h>

#include "util.h"

static volatile sig_atomic_t signals_quit;
static volatile sig_atomic_t signals_quit_kernel;	/* the last quit signal came from the kernel (a terminal) */
static const int signals_crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction signals_old_crash[sizeof signals_crash / sizeof signals_crash[0]];

static void
signals_on_quit(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* Ctrl-C and a hangup come from the kernel and go to the whole foreground process group;
	 * kill(1) and a CI runner's timeout are SI_USER and reach holdup alone. */
	signals_quit_kernel = si != NULL && si->si_code == SI_KERNEL;
	signals_quit = sig;
}

static void
signals_on_child(int sig)
{
	(void)sig;	/* only wakes a sleep: a launched command's exit is seen at once */
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
	sa.sa_sigaction = signals_on_quit;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = 0;
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

bool
signals_quit_from_kernel(void)
{
	return signals_quit_kernel != 0;
}

void
signals_quit_clear(void)
{
	signals_quit = 0;
	signals_quit_kernel = 0;
}

void
signals_wake_on_child(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;	/* waitpid and reads go on; sleeps (never restarted) end */
	sigaction(SIGCHLD, &sa, NULL);
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
