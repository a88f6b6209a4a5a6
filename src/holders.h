/* holders.h - probable holders of locks that record no owner, from the evidence in other threads' and goroutines' stacks. */
#ifndef HOLDUP_HOLDERS_H
#define HOLDUP_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

struct unwinder;

/* Bounds: words scanned per stack, bytes scanned per snapshot, holders listed per lock, locks examined. */
#define HOLDERS_MAX_SLOTS	16384
#define HOLDERS_MAX_BYTES	(64u << 20)
#define HOLDERS_MAX_LISTED	16
#define HOLDERS_MAX_LOCKS	256
/* A pointer this far below a lock (or less) may point to the object that contains it. */
#define HOLDERS_OBJECT_WINDOW	256

/* What a runtime (Go today) can tell about code, for evidence the bare stack does not show. Any
 * hook may be NULL. The modes are enum holder_mode; HOLDER_MODE_UNKNOWN with a true return means
 * "yes, mode not known". */
struct holders_hooks {
	void *ctx;
	/* Whether code at fnpc (a closure stored just below the lock's address in a stack slot: a
	 * deferred call's function value) unlocks a lock: true with *mode read (RUnlock) or write. */
	bool (*deferred_unlock)(void *ctx, uint64_t fnpc, enum holder_mode *mode);
	/* Whether the function of frame f took a lock before f's pc and released none since (straight
	 * code order): true with the mode it took it in. */
	bool (*frame_locked)(void *ctx, const struct frame *f, enum holder_mode *mode);
};

/* One stack to search: a thread's (thread >= 0) or a goroutine's (goroutine != 0). */
struct holders_stack {
	int thread;			/* index into snapshot.threads, -1 if a goroutine */
	uint64_t goroutine;		/* goid, 0 if a thread */
	const struct frame *frames;	/* borrowed; innermost first, with sp filled where known */
	size_t nframes;
	const uint64_t *regs;		/* borrowed; register values that may hold pointers (threads' innermost) */
	size_t nregs;
};

/* One lock to find holders of, and who to leave out (its waiters). */
struct holders_target {
	uint64_t addr;
	uint64_t size;			/* bytes of the lock object (0: 8) */
	enum holder_mode mode;		/* the mode a holder must have as the lock's state says, or unknown */
	int expected;			/* holders its state says there are, 0 if unknown */
	enum holder_evidence min_evidence;	/* weaker evidence is not listed */
	bool object_guard;		/* a guard in scope makes a pointer to the containing object (a
					 * little below addr) a guard's evidence too (Rust locks) */
	size_t guard_first, guard_count;	/* the guard types (holders.c's table) that count; count 0: all */
	const int *skip_threads;	/* borrowed; thread indices not to list (waiters) */
	size_t nskip_threads;
	const uint64_t *skip_gs;	/* borrowed; goroutine ids not to list */
	size_t nskip_gs;
};

/* Fills lock.probable (and lock.probable_note) for every lock of s that records no owner: glibc
 * rwlocks' readers, semaphores, raw futexes, mutexes whose owner is unknown, Go Mutex/RWMutex.
 * Threads are searched for C locks, goroutines for Go locks (with the hooks go, which may be NULL:
 * goruntime_holder_hooks gives them). Runs after lockgraph_build and goruntime_analyze; then
 * lockgraph_link adds the probable deadlocks. */
void holders_find(struct snapshot *s, struct unwinder *u, const struct holders_hooks *go);

/* The search itself, for one lock over stacks[0..n): appends the holders found (best first, at most
 * max) to *out (*nout counts them; out owned by the caller, entries' frame strings too). mem reads
 * the target as of the snapshot. *budget counts bytes still allowed to read (decremented). Returns
 * the number of candidates found before the cut (the rest were weaker or over max). */
size_t holders_search(const struct snapshot *s, struct unwinder *u, const struct holders_hooks *h,
    const struct holders_target *t, const struct holders_stack *stacks, size_t n, size_t max,
    struct probable_holder **out, size_t *nout, size_t *budget);

/* The rank of evidence e (higher is stronger). */
int holders_rank(enum holder_evidence e);

#endif
