/* procfloor.c - the capture floor: the least any /proc-based capture of every thread of a process reads, timed. */
/*
 * usage: procfloor PID
 * Lists /proc/PID/task, then per thread opens (relative to the task directory), preads and closes
 * schedstat, syscall and stat (schedstat is kept open), copies 8 KiB from the stack pointer the
 * syscall line gives (process_vm_readv into one reused buffer), preads every schedstat again (the
 * check that nothing ran) and closes them. Prints the time of each step. doc/performance.md
 * quotes it as the physical limit of a dump's capture.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PROCFLOOR_MAX 100000
#define PROCFLOOR_STACK 8192

static double
procfloor_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The stack pointer of a syscall line "nr a1 a2 a3 a4 a5 a6 sp pc", 0 if it has none. */
static unsigned long
procfloor_sp(char *line)
{
	char *p = line;

	for (int i = 0; i < 7 && p != NULL; i++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return p != NULL ? strtoul(p, NULL, 16) : 0;
}

int
main(int argc, char **argv)
{
	static int tids[PROCFLOOR_MAX], kept[PROCFLOOR_MAX];
	static unsigned long sp[PROCFLOOR_MAX];
	static char stack[PROCFLOOR_STACK];
	const char *files[3] = { "schedstat", "syscall", "stat" };
	char path[128], buf[4096];
	double t0, t1, t2, t3, t4, t5;
	int pid, n = 0, copied = 0, taskfd;
	struct dirent *de;
	DIR *d;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: procfloor PID\n");
		return 2;
	}
	t0 = procfloor_ms();
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL || (taskfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror(path);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < PROCFLOOR_MAX)
		if (de->d_name[0] != '.')
			tids[n++] = atoi(de->d_name);
	closedir(d);
	t1 = procfloor_ms();
	for (int i = 0; i < n; i++) {
		kept[i] = -1;
		for (int k = 0; k < 3; k++) {
			int fd;
			ssize_t r;

			snprintf(path, sizeof path, "%d/%s", tids[i], files[k]);
			if ((fd = openat(taskfd, path, O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			r = pread(fd, buf, sizeof buf - 1, 0);
			if (k == 1 && r > 0) {
				buf[r] = '\0';
				sp[i] = procfloor_sp(buf);
			}
			if (k == 0)
				kept[i] = fd;
			else
				close(fd);
		}
	}
	t2 = procfloor_ms();
	for (int i = 0; i < n; i++) {
		struct iovec local = { stack, sizeof stack }, remote;

		if (sp[i] == 0)
			continue;
		remote.iov_base = (void *)(sp[i] & ~4095UL);
		remote.iov_len = sizeof stack;
		copied += process_vm_readv(pid, &local, 1, &remote, 1, 0) > 0;
	}
	t3 = procfloor_ms();
	for (int i = 0; i < n; i++)
		if (kept[i] >= 0 && pread(kept[i], buf, sizeof buf, 0) < 0)
			perror("schedstat");
	t4 = procfloor_ms();
	for (int i = 0; i < n; i++)
		if (kept[i] >= 0)
			close(kept[i]);
	t5 = procfloor_ms();
	printf("%d threads: list %.1f ms, 3 files %.1f ms (%.1f us a thread), %d stacks %.1f ms, check %.1f ms, "
	    "close %.1f ms, total %.1f ms\n", n, t1 - t0, t2 - t1, n > 0 ? (t2 - t1) * 1000 / n : 0.0, copied,
	    t3 - t2, t4 - t3, t5 - t4, t5 - t0);
	return 0;
}
