/* lockgraph.h - finding the locks of a snapshot, who holds and waits on them, and deadlock cycles. */
#ifndef HOLDUP_LOCKGRAPH_H
#define HOLDUP_LOCKGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct unwinder;

/* Decodes locks, builds the wait-for graph, finds cycles and chain roots; fills s->locks,
 * s->deadlocks, thread.wait.{lock,root,in_deadlock}. */
void lockgraph_build(struct snapshot *s, struct unwinder *u);
/* The wait-for graph again, with the edges through probable holders (lock.probable, holders.c):
 * replaces s->deadlocks (a cycle through a probable holder has probable set; cycles of goroutines
 * through Go locks' probable holders are added with deadlock.goroutines) and the chain roots. A raw
 * futex (LOCK_FUTEX) gives edges through its probable holders only when its expected_holders is
 * set (a decoder that knows the word is a held lock, such as a Rust mutex, sets it). */
void lockgraph_link(struct snapshot *s);
/* A name for a lock at addr: its symbol ("accounts_lock", "forks[2]" when elem, the object size,
 * divides the offset, else "forks+80"), or "heap", "stack of TID N" ("Go heap" when that thread
 * runs Go code: Go allocates goroutine stacks in its heap), the mapping's file name;
 * NULL if unmapped. u may be NULL. Returns an owned string. */
char *lockgraph_name_address(const struct snapshot *s, struct unwinder *u, uint64_t addr, size_t elem);

#endif
