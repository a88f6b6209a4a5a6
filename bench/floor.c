/* floor.c - the bare ptrace floor: seize, interrupt, wait, read registers of every thread, detach; the least a snapshot can cost. */
/*
 * usage: floor PID [TID...]
 * With TIDs, only those threads are stopped (the least a capture that stops only them can cost).
 * Prints "floor threads=N stopped=M pause_us=P seize_us=S total_us=T".
 * pause_us runs from the first PTRACE_INTERRUPT to the last PTRACE_DETACH: the time some thread
 * of the target was held. Seizing does not stop anything, so it is outside the pause.
 * If floor is killed, the kernel ends the ptrace-stops itself (SEIZE, never SIGSTOP).
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

static uint64_t
floor_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	pid_t *tids = NULL, pid;
	int *sig = NULL;
	size_t n = 0, cap = 0, stopped = 0, seized = 0;
	uint64_t t0, t1, t2;

	if (argc < 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: floor PID [TID...]\n");
		return 2;
	}
	if (argc > 2) {
		n = cap = (size_t)(argc - 2);
		tids = calloc(n, sizeof *tids);
		if (!tids)
			abort();
		for (size_t i = 0; i < n; i++)
			tids[i] = atoi(argv[i + 2]);
		goto listed;
	}
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			tids = realloc(tids, cap * sizeof *tids);
			if (!tids)
				abort();
		}
		tids[n++] = atoi(de->d_name);
	}
	closedir(d);
listed:
	sig = calloc(n ? n : 1, sizeof *sig);
	if (!sig)
		abort();

	t0 = floor_now_us();
	for (size_t i = 0; i < n; i++) {
		if (ptrace(PTRACE_SEIZE, tids[i], 0, 0) != 0) {
			fprintf(stderr, "floor: seize %d: %s\n", (int)tids[i], strerror(errno));
			tids[i] = -1;
			continue;
		}
		seized++;
	}

	t1 = floor_now_us();
	for (size_t i = 0; i < n; i++)
		if (tids[i] > 0 && ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) != 0)
			fprintf(stderr, "floor: interrupt %d: %s\n", (int)tids[i], strerror(errno));
	for (size_t i = 0; i < n; i++) {
		int status;
		struct user_regs_struct regs;
		struct iovec iov = { &regs, sizeof regs };

		if (tids[i] <= 0)
			continue;
		if (waitpid(tids[i], &status, __WALL) != tids[i]) {
			fprintf(stderr, "floor: waitpid %d: %s\n", (int)tids[i], strerror(errno));
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		/* A signal that arrived first gives a signal-delivery-stop; pass it on at detach. */
		if (WSTOPSIG(status) != SIGTRAP || (status >> 16) != PTRACE_EVENT_STOP)
			sig[i] = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
		if (ptrace(PTRACE_GETREGSET, tids[i], (void *)NT_PRSTATUS, &iov) != 0)
			fprintf(stderr, "floor: getregset %d: %s\n", (int)tids[i], strerror(errno));
		else
			stopped++;
	}
	for (size_t i = 0; i < n; i++)
		if (tids[i] > 0)
			ptrace(PTRACE_DETACH, tids[i], 0, (void *)(long)sig[i]);
	t2 = floor_now_us();

	printf("floor threads=%zu stopped=%zu pause_us=%llu seize_us=%llu total_us=%llu\n", n, stopped,
	    (unsigned long long)(t2 - t1), (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t0));
	free(tids);
	free(sig);
	return seized == n && stopped == n ? 0 : 1;
}
