/* runmeasure.c - runs a command with a time limit and reports its wall time, peak RSS and exit status. */
/*
 * usage: runmeasure [-t SECONDS] OUTFILE COMMAND [ARGS...]
 * Writes "wall_us=W maxrss_kb=K exit=E timedout=0|1" to OUTFILE. The command runs in its own
 * process group, which gets SIGKILL at the time limit (default 120 s), so a benchmark never hangs.
 * Peak RSS comes from wait4's rusage: the largest of the command and the children it waited for.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t runmeasure_alarm;

static void
runmeasure_on_alarm(int sig)
{
	(void)sig;
	runmeasure_alarm = 1;
}

static uint64_t
runmeasure_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	int argi = 1, limit = 120, status = 0, timedout = 0, code;
	struct sigaction sa;
	struct rusage ru;
	uint64_t t0, t1;
	pid_t child, w;
	FILE *out;

	if (argi + 1 < argc && strcmp(argv[argi], "-t") == 0) {
		limit = atoi(argv[argi + 1]);
		argi += 2;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: runmeasure [-t SECONDS] OUTFILE COMMAND [ARGS...]\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = runmeasure_on_alarm;	/* no SA_RESTART: wait4 returns EINTR at the limit */
	sigaction(SIGALRM, &sa, NULL);

	t0 = runmeasure_now_us();
	child = fork();
	if (child < 0) {
		perror("runmeasure: fork");
		return 1;
	}
	if (child == 0) {
		setpgid(0, 0);
		execvp(argv[argi + 1], argv + argi + 1);
		fprintf(stderr, "runmeasure: %s: %s\n", argv[argi + 1], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	alarm((unsigned)limit);
	memset(&ru, 0, sizeof ru);
	for (;;) {
		w = wait4(child, &status, 0, &ru);
		if (w == child)
			break;
		if (w < 0 && errno == EINTR && runmeasure_alarm && !timedout) {
			timedout = 1;
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			continue;
		}
		if (w < 0 && errno != EINTR) {
			perror("runmeasure: wait4");
			return 1;
		}
	}
	t1 = runmeasure_now_us();
	alarm(0);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[argi], "w");
	if (!out) {
		perror(argv[argi]);
		return 1;
	}
	fprintf(out, "wall_us=%llu maxrss_kb=%ld exit=%d timedout=%d\n", (unsigned long long)(t1 - t0),
	    ru.ru_maxrss, code, timedout);
	fclose(out);
	return 0;
}
