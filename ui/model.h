/* model.h - what the dashboard's views list, computed from a snapshot (and history) only:
 * filtered/sorted thread rows, locks by waiters, the wait-chain tree, short texts for cells. */
#ifndef HOLDUP_MODEL_H
#define HOLDUP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "history.h"
#include "snapshot.h"

enum model_sort {
	MODEL_SORT_TID = 0,
	MODEL_SORT_NAME,
	MODEL_SORT_STATE,
	MODEL_SORT_TIME,
	MODEL_SORT_CPU,
	MODEL_SORT_WAIT,
	MODEL_SORT_COUNT
};

/* One line of the wait-chain tree: a thread (thread >= 0) or a lock with no known holder (thread < 0). */
struct model_tree_row {
	int thread;		/* index into snapshot.threads, -1 for a lock row */
	int lock;		/* index into snapshot.locks it waits on under its parent (or the lock row's lock), -1 */
	int depth;
	bool cycle;		/* this thread is already on the path above: the chain closes a cycle here */
	bool repeat;		/* already shown elsewhere in the tree; its waiters are not repeated */
};

const char *model_sort_name(enum model_sort k);
/* Case-insensitive substring match of filter against the thread's name, state name or TID. */
bool model_match(const struct thread *t, const char *filter);
/* Indices into s->threads matching filter (NULL or "" = all), sorted by key. Returns the count; *out owned. */
size_t model_threads(const struct snapshot *s, const struct history *h, const char *filter,
    enum model_sort key, bool reverse, int **out);
/* Indices into s->locks, most waiters first. Returns the count; *out owned. */
size_t model_locks(const struct snapshot *s, int **out);
/* Longest time any waiter of lock li has been in its state, in seconds, -1 if unknown. */
double model_lock_longest_wait(const struct snapshot *s, const struct history *h, int li);
/* Wait-chain tree: holders at the root, their waiters below, cycles marked. Returns the count; *out owned. */
size_t model_tree(const struct snapshot *s, struct model_tree_row **out);

/* Indices into s->go->gs matching filter (goid, state, wait reason or function), blocked ones first
 * (longest wait first), then by goid. Returns the count; *out owned (empty without s->go). */
size_t model_goroutines(const struct snapshot *s, const char *filter, int **out);
/* Innermost Go frame outside runtime/sync internals (falls back to the innermost), or NULL. */
const struct frame *model_go_frame(const struct goroutine *g);

/* The lock thread t waits on, or NULL. */
const struct lock *model_thread_lock(const struct snapshot *s, const struct thread *t);
/* Innermost frame outside libc/pthread/loader internals (falls back to the innermost), or NULL. */
const struct frame *model_interesting_frame(const struct thread *t);
/* Cell texts (untrusted bytes included: sanitize before drawing). */
void model_frame_text(const struct frame *f, char *buf, size_t len);
void model_wait_text(const struct snapshot *s, const struct thread *t, char *buf, size_t len);
void model_lock_name(const struct lock *l, char *buf, size_t len);
void model_holder_text(const struct snapshot *s, const struct thread *t, char *buf, size_t len);
/* Who holds l: TIDs, or "~" then the probable holders (TIDs, gN for goroutines), or "unknown". */
void model_lock_holders(const struct snapshot *s, const struct lock *l, char *buf, size_t len);

#endif
