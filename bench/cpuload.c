/* cpuload.c - CPU-bound benchmark target: N threads count their own work; prints throughput on demand. */
/*
 * usage: cpuload [N]   (default 100 threads)
 * Each thread runs fixed-size work units (a short integer loop a few calls deep, so samplers see
 * real stacks) and bumps its own cache-line-padded counter. On SIGUSR1 the main thread prints
 * "rate seq=S units=U elapsed_us=E units_per_s=R" for the window since the previous SIGUSR1 (or
 * since ready) and starts a new window. SIGTERM/SIGINT exit. Prints "ready pid=N" when all run.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cpuload_counter {
	_Atomic uint64_t units;
	char pad[64 - sizeof(uint64_t)];
};

static struct cpuload_counter *cpuload_counters;
static atomic_int cpuload_started;

static uint64_t
cpuload_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* One work unit: about a microsecond of arithmetic the compiler cannot drop. */
static uint64_t __attribute__((noinline))
cpuload_unit(uint64_t x)
{
	for (int i = 0; i < 256; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static uint64_t __attribute__((noinline))
cpuload_batch(uint64_t x, struct cpuload_counter *c)
{
	for (int i = 0; i < 64; i++) {
		x = cpuload_unit(x);
		atomic_fetch_add_explicit(&c->units, 1, memory_order_relaxed);
	}
	return x;
}

static void *
cpuload_worker(void *arg)
{
	struct cpuload_counter *c = arg;
	volatile uint64_t sink;
	uint64_t x = (uint64_t)(uintptr_t)arg;

	atomic_fetch_add(&cpuload_started, 1);
	for (;;) {
		x = cpuload_batch(x, c);
		sink = x;
	}
	(void)sink;
	return NULL;
}

static uint64_t
cpuload_total(int n)
{
	uint64_t s = 0;

	for (int i = 0; i < n; i++)
		s += atomic_load_explicit(&cpuload_counters[i].units, memory_order_relaxed);
	return s;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, sig, seq = 0;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t set;
	uint64_t last_units, last_us;

	if (n <= 0) {
		fprintf(stderr, "usage: cpuload [N]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	cpuload_counters = aligned_alloc(64, (size_t)n * sizeof *cpuload_counters);
	if (!cpuload_counters)
		abort();
	memset(cpuload_counters, 0, (size_t)n * sizeof *cpuload_counters);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < n; i++) {
		if (pthread_create(&t, &attr, cpuload_worker, &cpuload_counters[i]) != 0) {
			fprintf(stderr, "cpuload: pthread_create #%d failed\n", i);
			return 1;
		}
	}
	while (atomic_load(&cpuload_started) < n)
		usleep(1000);
	last_units = cpuload_total(n);
	last_us = cpuload_now_us();
	printf("ready pid=%d threads=%d\n", (int)getpid(), n + 1);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGUSR1)
			break;
		uint64_t u = cpuload_total(n), now = cpuload_now_us();
		uint64_t du = u - last_units, dt = now - last_us;
		printf("rate seq=%d units=%llu elapsed_us=%llu units_per_s=%.0f\n", ++seq, (unsigned long long)du,
		    (unsigned long long)dt, dt ? (double)du * 1e6 / (double)dt : 0.0);
		last_units = u;
		last_us = now;
	}
	return 0;
}
