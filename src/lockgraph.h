/* lockgraph.h - locks found in a snapshot, who holds and waits on them, and deadlock cycles. */
#ifndef HOLDUP_LOCKGRAPH_H
#define HOLDUP_LOCKGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct unwinder;

enum lock_kind {
	LOCK_MUTEX = 0,
	LOCK_RWLOCK,
	LOCK_CONDVAR,
	LOCK_SEMAPHORE,
	LOCK_BARRIER,
	LOCK_JOIN,		/* a thread being joined; holder = the joined thread */
	LOCK_FUTEX,		/* raw futex, owner unknown */
	LOCK_GO_MUTEX,
	LOCK_GO_RWMUTEX,
	LOCK_KIND_COUNT
};

struct lock {
	uint64_t address;
	enum lock_kind kind;
	char *symbol;		/* owned; "accounts_lock", "forks+80", "heap", "stack of 1234", or NULL */
	char *variant;		/* owned; "normal", "recursive", "errorcheck", "robust", "pi", ... or NULL */
	bool holders_known;	/* false: the layout does not record an owner ("owner unknown") */
	pid_t *holders;		/* owned; TIDs holding it (write holder for rwlocks) */
	size_t nholders;
	int *waiters;		/* owned; indices into snapshot.threads */
	size_t nwaiters;
	int readers;		/* active readers of an rwlock, -1 if not applicable or unknown */
	int count;		/* recursion depth, semaphore value, ... -1 if not applicable */
	bool owner_died;	/* robust mutex whose owner exited */
	char *note;		/* owned; free text for the reader, or NULL */
	uint64_t *go_waiters;	/* owned; goroutine ids waiting (Go locks) */
	size_t ngo_waiters;
};

struct deadlock {
	int *threads;		/* owned; indices into snapshot.threads, in cycle order */
	size_t nthreads;
	uint64_t *locks;	/* owned; lock addresses, locks[i] is what threads[i] waits for */
	size_t nlocks;
};

const char *lockgraph_kind_name(enum lock_kind k);
/* Decodes locks, builds the wait-for graph, finds cycles and chain roots; fills s->locks,
 * s->deadlocks, thread.wait.{lock,root,in_deadlock}. */
void lockgraph_build(struct snapshot *s, struct unwinder *u);
/* A name for a lock at addr: its symbol ("accounts_lock", "forks[2]" when elem, the object size,
 * divides the offset, else "forks+80"), or "heap", "stack of TID N", the mapping's file name;
 * NULL if unmapped. u may be NULL. Returns an owned string. */
char *lockgraph_name_address(const struct snapshot *s, struct unwinder *u, uint64_t addr, size_t elem);
/* Frees s->locks and s->deadlocks. */
void lockgraph_free(struct snapshot *s);

#endif
