/* output_select.h - which threads a dump shows (--state, --tid, --lock) and how it folds them (--group). */
#ifndef HOLDUP_OUTPUT_SELECT_H
#define HOLDUP_OUTPUT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "util.h"

#define OUTPUT_SELECT_MAX_TIDS 256
#define OUTPUT_GROUP_DEFAULT_ABOVE 32	/* text folds threads by default above this many */

/* The filters; a thread is shown when it passes every one that is set. */
struct output_filter {
	bool on;			/* some filter is set */
	unsigned states;		/* bit (1 << enum thread_state); 0: any */
	pid_t tids[OUTPUT_SELECT_MAX_TIDS];
	size_t ntids;			/* 0: any */
	const char *lock;		/* borrowed; "0x..." address or a lock's name; NULL: any */
	uint64_t lock_addr;		/* lock parsed as an address, 0 if it is a name */
	char text[256];			/* the filter in words, for the header ("--state blocked") */
};

/* Parses the options' strings (each may be NULL) into f; -1 with e set for a bad value. */
int output_filter_parse(struct output_filter *f, const char *states, const char *tids, const char *lock, struct err *e);
/* Does thread ti of s pass f (NULL passes all): it is in the states and TIDs asked, and waits on or
 * holds the lock asked. */
bool output_filter_match(const struct output_filter *f, const struct snapshot *s, size_t ti);

/* One group: threads with the same state, syscall, wait and stack, holding no lock. */
struct output_group {
	int *threads;			/* owned; indices into s->threads, in TID order */
	size_t n;
};

typedef uint64_t (*output_group_hash_fn)(const struct thread *t);
/* Folds the threads sel[0..nsel) into groups in O(n log n) whatever the hashes: sorted by the
 * hash of each thread's key and then a full comparison, a group is a run of equal keys, so threads
 * whose hashes collide are never merged and a target that makes them all collide costs no more
 * than a sort. hash NULL is the default hash (tests pass their own to force collisions). A thread
 * that holds a lock is a group of its own (what it holds is part of what it shows). Groups come in
 * the order of their first thread. Returns the count; free with output_groups_free. */
size_t output_group_threads(const struct snapshot *s, const int *sel, size_t nsel, output_group_hash_fn hash,
    struct output_group **out);
void output_groups_free(struct output_group *g, size_t n);
/* The selected threads' indices (s order) into *out (owned); returns their count. */
size_t output_select_threads(const struct snapshot *s, const struct output_filter *f, int **out);

#endif
