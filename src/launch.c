/* launch.c - launch mode: fork and exec the command, collect its exit without taking capture's trace stops. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

/* In the child: an ordinary program's signals (holdup's handlers and ignored SIGPIPE would be
 * inherited across exec otherwise), then exec; errno goes back through the pipe on failure. */
static void __attribute__((noreturn))
launch_child(char *const *argv, int fd)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	    SIGABRT, SIGALRM };
	sigset_t none;
	int err;

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	err = errno;
	if (write(fd, &err, sizeof err) < 0)
		_exit(127);
	_exit(127);
}

int
launch_start(char *const *argv, struct launch *l, int *rc, struct err *e)
{
	int fds[2], err = 0;
	ssize_t n;

	memset(l, 0, sizeof *l);
	*rc = 1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, "pipe: %s", strerror(errno));
	fflush(NULL);
	if ((l->pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, "fork: %s", strerror(errno));
	}
	if (l->pid == 0)
		launch_child(argv, fds[1]);
	close(fds[1]);
	/* The write end closes on exec (O_CLOEXEC): end of file means the command runs. */
	do
		n = read(fds[0], &err, sizeof err);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof err) {
		launch_wait(l);
		*rc = err == ENOENT ? 127 : 126;
		return err_set(e, "%s: %s", argv[0], strerror(err));
	}
	return 0;
}

bool
launch_exited(struct launch *l)
{
	siginfo_t si;
	int status;

	if (l->exited)
		return true;
	/* WNOWAIT first: for a traced child waitid also reports trace stops, which belong to capture. */
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)l->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
		if (si.si_pid == 0 || (si.si_code != CLD_EXITED && si.si_code != CLD_KILLED && si.si_code != CLD_DUMPED))
			return false;
		if (waitpid(l->pid, &status, WNOHANG) == l->pid) {
			l->exited = l->status_known = true;
			l->status = status;
		}
		return l->exited;
	}
	if (errno != ECHILD)
		return false;
	/* Gone already: a wait of capture's reaped it. */
	l->exited = true;
	l->status_known = capture_reaped(l->pid, &l->status);
	return true;
}

void
launch_wait(struct launch *l)
{
	while (!launch_exited(l)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

void
launch_forward(struct launch *l, int sig, bool from_kernel)
{
	if (l->exited || from_kernel)
		return;
	kill(l->pid, sig);
	l->forwarded++;
}

int
launch_exit_code(const struct launch *l)
{
	if (!l->status_known)
		return 1;
	if (WIFEXITED(l->status))
		return WEXITSTATUS(l->status);
	if (WIFSIGNALED(l->status))
		return 128 + WTERMSIG(l->status);
	return 1;
}
