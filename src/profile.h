/* profile.h - many snapshots aggregated into (labels, stack) -> count, behind pprof, folded and record's summary. */
#ifndef HOLDUP_PROFILE_H
#define HOLDUP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "snapshot.h"

struct profile_function {
	char *name;		/* owned; the symbol, or "module+0xOFF" / "0xPC" when no symbol covers the pc */
	char *file;		/* owned; source file, NULL if unknown */
};

struct profile_line {
	size_t function;	/* index into profile.functions */
	int line;		/* 0 if unknown */
};

/* One unwound pc. lines[0] is the innermost inlined call, the last line the function containing
 * the pc (pprof's order); a pc without inlining has one line. */
struct profile_location {
	uint64_t pc;
	int mapping;		/* index into profile.mappings, -1 if no mapping holds pc */
	struct profile_line *lines;	/* owned */
	size_t nlines;
};

struct profile_mapping {
	uint64_t start, end, offset;
	char *path;		/* owned; "" for anonymous memory */
	char build_id[65];	/* hex GNU build ID (snapshot's mapping.build_id), "" if unknown */
};

/* One distinct combination of labels and stack, and how many thread-snapshots had it. */
struct profile_sample {
	enum thread_state state;
	enum wait_kind wait;
	char *lock;		/* owned; what it waits on ("accounts_lock", "0x7f12..."), NULL if no address */
	char *thread;		/* owned; thread name as read (untrusted), "" if unknown */
	pid_t tid;		/* 0 for a goroutine */
	uint64_t goid;		/* goroutine id, 0 for a thread */
	char *go_wait;		/* owned; the Go runtime's wait reason ("chan receive"), or NULL */
	pid_t pid;		/* the process (a profile may hold several: record --subprocesses) */
	char *process;		/* owned; its name (the main thread's comm, untrusted), "" if unknown */
	char *holds;		/* owned; the locks it holds or probably holds ("mutex a; probably read
				 * (*main.queue).mu"), NULL if none */
	size_t *locations;	/* owned; indices into profile.locations, innermost first */
	size_t nlocations;
	uint64_t count;
};

struct profile_index;

struct profile {
	pid_t pid;
	char *exe;		/* owned; from the first snapshot, NULL if unknown */
	struct profile_function *functions;
	size_t nfunctions, functions_cap;
	struct profile_location *locations;
	size_t nlocations, locations_cap;
	struct profile_mapping *mappings;
	size_t nmappings, mappings_cap;
	struct profile_sample *samples;
	size_t nsamples, samples_cap;
	uint64_t nsnapshots;
	uint64_t nthread_samples;	/* sum of every sample's count (goroutines included) */
	struct timespec first, last;	/* snapshot.taken of the first and the last snapshot */
	struct profile_index *index;	/* private to profile.c */
};

struct profile *profile_new(void);
void profile_free(struct profile *p);
/* Counts every thread of s (threads that exited during the capture excepted) once, and every
 * goroutine of a Go target once (thread "goroutine", tid 0, with its goid). */
void profile_add(struct profile *p, const struct snapshot *s);
/* Writes "WAIT LOCK", e.g. "mutex accounts_lock", for a sample with a lock; "" otherwise. */
void profile_lock_label(const struct profile_sample *ps, char *buf, size_t len);
/* The text "top" of the wait profile: time by state, then the locks with the most waiting, each
 * with its most frequent waiting stacks. rate_hz > 0 adds seconds to counts. 0, or -1 on a write error. */
int profile_write_summary(const struct profile *p, FILE *f, int rate_hz, size_t max_locks, size_t max_stacks);

#endif
