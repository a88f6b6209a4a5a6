/* rustlock.h - Rust's std::sync locks (futex-based since Rust 1.62) and parking_lot, told from the waiting thread's frames. */
#ifndef HOLDUP_RUSTLOCK_H
#define HOLDUP_RUSTLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lockdecode.h"
#include "snapshot.h"

/* What Rust lock code a thread's innermost frames are in. */
enum rustlock_op {
	RUSTLOCK_NONE = 0,
	RUSTLOCK_MUTEX,		/* futex::Mutex::lock_contended: sleeps on the state word */
	RUSTLOCK_READ,		/* futex::RwLock::read_contended: sleeps on the state word */
	RUSTLOCK_WRITE,		/* futex::RwLock::write_contended: sleeps on writer_notify (state + 4) */
	RUSTLOCK_CONDVAR,	/* futex::Condvar::wait*: sleeps on the counter */
	RUSTLOCK_PARKING_LOT,	/* parking_lot lock_slow/park: sleeps on the thread's own parker */
};

/* Rust's futex RwLock state word (library/std/src/sys/sync/rwlock/futex.rs). */
#define RUSTLOCK_RW_MASK		((1u << 30) - 1)
#define RUSTLOCK_RW_WRITE_LOCKED	RUSTLOCK_RW_MASK
#define RUSTLOCK_RW_READERS_WAITING	(1u << 30)
#define RUSTLOCK_RW_WRITERS_WAITING	(1u << 31)
/* Bytes of the futex Mutex (state) and RwLock (state, writer_notify) a guard points to. */
#define RUSTLOCK_MUTEX_SIZE	4
#define RUSTLOCK_RWLOCK_SIZE	8

/* The Rust lock operation frames[0..n) are in (innermost match wins: a condvar waiter re-taking
 * its mutex is a mutex waiter); *what (may be NULL) gets a static description of parking_lot's. */
enum rustlock_op rustlock_frames_op(const struct frame *frames, size_t n, const char **what);

/* Decodes a thread sleeping in a Rust lock's futex: 0 with out filled (kind, want, base, readers,
 * note; holders never known: Rust records no owner), 1 when it waits in parking_lot (out.want and
 * out.note only: the futex is the thread's parker and the lock's address is not known), -1 when
 * t is in no Rust lock. Reads the lock's state word through s. *expected: how many hold it as the
 * state says (1 for a locked mutex or write locked RwLock, the readers of a read locked one), 0 if
 * unknown or none. */
int rustlock_thread(const struct snapshot *s, const struct thread *t, struct lockdecode_info *out, int *expected);

/* Decodes the state word of a lock of op (RUSTLOCK_MUTEX, _READ or _WRITE) into out (readers,
 * note, *expected). For tests, as rustlock_thread does with the word it read. */
void rustlock_state(enum rustlock_op op, uint32_t state, struct lockdecode_info *out, int *expected);

struct unwinder;
/* The Rust type of the lock thread t waits for ("Mutex<alloc::vec::Vec<u8>>"), from the DWARF type
 * of self in its std::sync Mutex<T>::lock / RwLock<T>::read / write frame; NULL if not known. A
 * lock in the heap (an Arc's inner, a Box) is named by it. Owned. */
char *rustlock_type_name(struct unwinder *u, const struct thread *t);

#endif
