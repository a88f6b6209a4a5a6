/* burner.c - the live-cost floor: a process that only wakes at a rate and burns CPU, as holdup's snapshots do. */
/*
 * usage: burner HZ BURN_US
 * Wakes HZ times a second (absolute deadlines, so it keeps its rate) and spins for BURN_US
 * microseconds of its own CPU time, touching nothing but a counter. Prints "ready pid=N", runs
 * until SIGTERM/SIGINT. bench/run.sh runs it beside cpuload with the CPU share holdup used, so
 * the target's loss under it is what that much CPU at that rate costs any tool, without holdup's
 * reads, copies and memory traffic.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t burner_stop;

static void
burner_on_signal(int sig)
{
	(void)sig;
	burner_stop = 1;
}

static int64_t
burner_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct timespec next;
	int64_t period_ns, burn_ns;
	volatile uint64_t spins = 0;
	double hz;
	long burn_us;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: burner HZ BURN_US\n");
		return 2;
	}
	hz = strtod(argv[1], &end);
	if (*end != '\0' || hz <= 0 || hz > 10000) {
		fprintf(stderr, "burner: HZ must be in (0, 10000]\n");
		return 2;
	}
	burn_us = strtol(argv[2], &end, 10);
	if (*end != '\0' || burn_us < 0 || burn_us > 10000000) {
		fprintf(stderr, "burner: BURN_US must be in [0, 10000000]\n");
		return 2;
	}
	period_ns = (int64_t)(1e9 / hz);
	burn_ns = (int64_t)burn_us * 1000;
	signal(SIGTERM, burner_on_signal);
	signal(SIGINT, burner_on_signal);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!burner_stop) {
		int64_t until = burner_ns(CLOCK_THREAD_CPUTIME_ID) + burn_ns;

		/* mostly in user space: the clock is a system call here (no vDSO for thread CPU time) */
		while (burner_ns(CLOCK_THREAD_CPUTIME_ID) < until)
			for (int i = 0; i < 2000; i++)
				spins++;
		next.tv_nsec += period_ns % 1000000000;
		next.tv_sec += period_ns / 1000000000 + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !burner_stop)
			;
	}
	return 0;
}
