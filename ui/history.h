/* history.h - what the dashboard remembers across snapshots: how long each thread has been in its
 * state and its CPU use since the previous sample. Pure functions of the snapshots fed in. */
#ifndef HOLDUP_HISTORY_H
#define HOLDUP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct history_entry {
	pid_t tid;
	enum thread_state state;	/* with the wait below, what "the same state" means */
	enum wait_kind wait_kind;
	uint64_t wait_addr;
	uint64_t since_ns;		/* snapshot time the current state was first seen */
	bool since_first;		/* already in it at the first sample: the duration is a lower bound */
	uint64_t runtime_ns;		/* schedstat cpu time at the last sample, 0 if unavailable */
	uint64_t ticks;			/* utime + stime at the last sample */
	double cpu_pct;			/* since the previous sample; -1 if unknown */
	unsigned gen;			/* private: last update that saw the thread */
};

struct history {
	struct history_entry *e;	/* owned, sorted by tid */
	size_t n, cap;
	unsigned gen;
	uint64_t last_ns;		/* time of the previous snapshot, 0 before the first */
	long clk_tck;
};

struct history *history_new(void);
void history_free(struct history *h);
/* Folds one snapshot in (snapshots must come in time order); forgets threads that are gone. */
void history_update(struct history *h, const struct snapshot *s);
const struct history_entry *history_find(const struct history *h, pid_t tid);
/* Seconds tid has been in its current state at snapshot s, or -1 if unknown. */
double history_state_secs(const struct history *h, const struct snapshot *s, pid_t tid);
/* CPU% of tid over the last interval (100 = one full core), or -1 if unknown. */
double history_cpu(const struct history *h, pid_t tid);
/* A snapshot's capture time in nanoseconds. */
uint64_t history_snapshot_ns(const struct snapshot *s);

#endif
