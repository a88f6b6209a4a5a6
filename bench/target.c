/* target.c - benchmark target: N parked threads plus one heartbeat thread that measures the pause it feels. */
/*
 * usage: target N [mutex|cond|futex] [DEPTH] [WAKERS [WAKE_MS]]
 *
 * N threads block (on a mutex main holds, a condvar nobody signals, or a raw futex) after DEPTH
 * nested calls, so stacks have something to unwind. One heartbeat thread spins on
 * clock_gettime(CLOCK_MONOTONIC) and keeps the longest gap between two consecutive readings:
 * while a tool has the process stopped that gap grows, so it is the pause as the target feels it,
 * whatever the tool says about itself.
 *
 * On SIGUSR1 the main thread starts the heartbeat spinning, prints "gap seq=S max_us=G offcpu_us=O"
 * and resets both maxima; on SIGUSR2 it prints the same line and parks the heartbeat again. A driver
 * sends SIGUSR1 before a tool runs (discarding that line) and SIGUSR2 after it. Between measurements
 * the heartbeat sleeps, so the target does not burn a core of a shared machine all the while.
 * offcpu_us is the longest gap minus the time the heartbeat spent runnable but waiting for a CPU
 * (schedstat run delay) - the part that was not ordinary preemption on a busy machine.
 * SIGTERM/SIGINT exit. Prints "ready pid=N" once every parked thread sleeps in the kernel.
 *
 * WAKERS threads (default 0) stand for thread pools with timed waits, watchdogs and event loops:
 * each waits WAKE_MS (default 5) in pthread_cond_timedwait, then takes and drops a lock the wakers
 * share. They are created before the parked threads, so a tool reading threads in TID order reads
 * them first and they have the whole read of the others to wake in. Before "ready" the target
 * prints "tids heartbeat=T wakers=T1,T2,..." for drivers that stop only those (bench/floor.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Gaps shorter than this are loop jitter; only longer ones pay for a schedstat read. */
#define TARGET_GAP_MIN_NS 20000ULL

enum target_mode { MODE_MUTEX, MODE_COND, MODE_FUTEX };

static enum target_mode target_mode = MODE_MUTEX;
static int target_depth = 4;
static int target_wake_ms = 5;
static pthread_mutex_t target_waker_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int target_wakers_up;
static pid_t target_waker_tids[64];
static _Atomic pid_t target_hb_tid;
static pthread_mutex_t target_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t target_cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t target_cond = PTHREAD_COND_INITIALIZER;
static atomic_int target_futex_word;
static atomic_int target_parked;
static _Atomic uint64_t target_max_gap_ns;
static _Atomic uint64_t target_max_offcpu_ns;
static atomic_int target_hb_started;
static _Atomic uint64_t target_hb_last_ns;	/* the heartbeat's latest reading */
static atomic_int target_hb_park = 1;		/* futex word: 1 while the heartbeat should sleep */

static uint64_t
target_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Run delay (ns runnable but not on a CPU) of the calling thread, from /proc/thread-self/schedstat. */
static uint64_t
target_run_delay_ns(int fd)
{
	char buf[128];
	unsigned long long run, delay;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &delay) != 2)
		return 0;
	return delay;
}

static void
target_store_max(_Atomic uint64_t *slot, uint64_t v)
{
	uint64_t cur = atomic_load(slot);

	while (v > cur && !atomic_compare_exchange_weak(slot, &cur, v))
		;
}

static void *
target_heartbeat(void *arg)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	uint64_t last, now, gap, delay, prev_delay;

	(void)arg;
	atomic_store(&target_hb_tid, (pid_t)syscall(SYS_gettid));
	prev_delay = target_run_delay_ns(fd);
	last = target_now_ns();
	atomic_store(&target_hb_started, 1);
	for (;;) {
		if (atomic_load_explicit(&target_hb_park, memory_order_relaxed)) {
			while (atomic_load(&target_hb_park))
				syscall(SYS_futex, &target_hb_park, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
			prev_delay = target_run_delay_ns(fd);
			last = target_now_ns();	/* sleeping here was no gap */
		}
		now = target_now_ns();
		gap = now - last;
		if (gap > TARGET_GAP_MIN_NS) {
			/* Preemption shows up as run delay; a ptrace stop does not (the thread is not runnable). */
			delay = target_run_delay_ns(fd);
			uint64_t d = delay - prev_delay;
			prev_delay = delay;
			target_store_max(&target_max_gap_ns, gap);
			target_store_max(&target_max_offcpu_ns, gap > d ? gap - d : 0);
			now = target_now_ns();	/* the schedstat read itself is not a gap */
		}
		last = now;
		atomic_store_explicit(&target_hb_last_ns, now, memory_order_relaxed);
	}
	return NULL;
}

static void *
target_waker(void *arg)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;

	target_waker_tids[(intptr_t)arg] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&target_wakers_up, 1);
	for (;;) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += target_wake_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&m);
		while (pthread_cond_timedwait(&c, &m, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&m);
		pthread_mutex_lock(&target_waker_lock);
		pthread_mutex_unlock(&target_waker_lock);
	}
	return NULL;
}

static void __attribute__((noinline))
target_block(void)
{
	switch (target_mode) {
	case MODE_MUTEX:
		pthread_mutex_lock(&target_lock);	/* main holds it forever */
		pthread_mutex_unlock(&target_lock);
		break;
	case MODE_COND:
		pthread_mutex_lock(&target_cond_lock);
		for (;;)
			pthread_cond_wait(&target_cond, &target_cond_lock);
		break;
	case MODE_FUTEX:
		for (;;)
			syscall(SYS_futex, &target_futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		break;
	}
}

/* Nested calls so every parked stack has DEPTH frames of our own; the volatile keeps them from being tail calls. */
static int __attribute__((noinline))
target_descend(int depth)
{
	volatile int keep = depth;

	if (depth <= 0) {
		atomic_fetch_add(&target_parked, 1);
		target_block();
		return 0;
	}
	return target_descend(depth - 1) + keep;
}

static void *
target_parked_main(void *arg)
{
	(void)arg;
	target_descend(target_depth);
	return NULL;
}

/* Counts threads of ours that sleep in the kernel right now (state S in /proc/self/task/TID/stat). */
static int
target_count_sleeping(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		int fd;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			n++;
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t set;
	int n, sig, seq = 0, nwakers = 0;

	if (argc < 2 || (n = atoi(argv[1])) < 0) {
		fprintf(stderr, "usage: target N [mutex|cond|futex] [DEPTH]\n");
		return 2;
	}
	if (argc > 2) {
		if (strcmp(argv[2], "mutex") == 0)
			target_mode = MODE_MUTEX;
		else if (strcmp(argv[2], "cond") == 0)
			target_mode = MODE_COND;
		else if (strcmp(argv[2], "futex") == 0)
			target_mode = MODE_FUTEX;
		else {
			fprintf(stderr, "target: unknown mode '%s'\n", argv[2]);
			return 2;
		}
	}
	if (argc > 3)
		target_depth = atoi(argv[3]);
	if (argc > 4)
		nwakers = atoi(argv[4]);
	if (argc > 5)
		target_wake_ms = atoi(argv[5]);
	if (nwakers < 0 || nwakers > 64 || target_wake_ms <= 0) {
		fprintf(stderr, "target: WAKERS must be 0-64 and WAKE_MS above 0\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Every thread inherits the mask; main takes the control signals with sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	pthread_mutex_lock(&target_lock);
	pthread_attr_init(&attr);
	/* Small stacks so 5000 threads fit comfortably. */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (intptr_t i = 0; i < nwakers; i++)
		if (pthread_create(&t, &attr, target_waker, (void *)i) != 0) {
			fprintf(stderr, "target: cannot start waker %d\n", (int)i);
			return 1;
		}
	for (int i = 0; i < n; i++) {
		int rc = pthread_create(&t, &attr, target_parked_main, NULL);
		if (rc != 0) {
			fprintf(stderr, "target: pthread_create #%d: %s\n", i, strerror(rc));
			return 1;
		}
	}
	if (pthread_create(&t, &attr, target_heartbeat, NULL) != 0) {
		fprintf(stderr, "target: cannot start the heartbeat\n");
		return 1;
	}
	while (atomic_load(&target_parked) < n || !atomic_load(&target_hb_started) ||
	    atomic_load(&target_wakers_up) < nwakers)
		usleep(1000);
	/* Parked counts threads about to block; wait until they really sleep in the kernel. */
	for (int tries = 0; target_count_sleeping() < n && tries < 5000; tries++)
		usleep(2000);
	printf("tids heartbeat=%d wakers=", (int)atomic_load(&target_hb_tid));
	for (int i = 0; i < nwakers; i++)
		printf("%s%d", i ? "," : "", (int)target_waker_tids[i]);
	printf("\n");
	printf("ready pid=%d threads=%d mode=%s\n", (int)getpid(), n + 2 + nwakers, argc > 2 ? argv[2] : "mutex");

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGUSR1 && sig != SIGUSR2)
			break;
		if (sig == SIGUSR1) {
			atomic_store(&target_hb_park, 0);
			syscall(SYS_futex, &target_hb_park, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		}
		/* Right after a tool detaches the heartbeat may not have run yet, so the gap it is in
		 * would be missed: wait (up to 10 s) until it has taken a reading after the signal. */
		uint64_t asked = target_now_ns();
		for (int i = 0; i < 100000 && atomic_load(&target_hb_last_ns) < asked; i++)
			usleep(100);
		uint64_t g = atomic_exchange(&target_max_gap_ns, 0);
		uint64_t o = atomic_exchange(&target_max_offcpu_ns, 0);
		if (sig == SIGUSR2)
			atomic_store(&target_hb_park, 1);
		printf("gap seq=%d max_us=%llu offcpu_us=%llu\n", ++seq, (unsigned long long)(g / 1000),
		    (unsigned long long)(o / 1000));
	}
	return 0;
}
