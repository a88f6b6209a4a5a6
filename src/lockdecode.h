/* lockdecode.h - glibc's and musl's pthread lock layouts (one table keyed by libc, arch and version) and their decoding. */
#ifndef HOLDUP_LOCKDECODE_H
#define HOLDUP_LOCKDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct targetfile_root;

/* Byte offsets and bits of one libc's pthread types on one architecture. Another glibc or
 * architecture is another entry of the table in lockdecode.c, not new code. */
struct lockdecode_layout {
	const char *name;
	const char *libc;		/* "glibc" or "musl" (LOCKDECODE_MUSL); NULL in a row means glibc */
	const char *arch;		/* arch.name of the architecture the offsets are for */
	int min_version, max_version;	/* inclusive, major * 1000 + minor: 2036 is glibc 2.36; a musl
					 * row from 0 also serves a musl of unknown version */

	/* pthread_mutex_t (struct __pthread_mutex_s) */
	size_t mutex_size, mutex_lock, mutex_count, mutex_owner, mutex_nusers, mutex_kind;
	/* pthread_rwlock_t (struct __pthread_rwlock_arch_t) */
	size_t rw_size, rw_readers, rw_writers, rw_wrphase_futex, rw_writers_futex, rw_cur_writer,
	    rw_shared, rw_flags;
	unsigned rw_reader_shift;	/* readers count is __readers >> shift */
	unsigned rw_flag_bytes;		/* __flags and __shared: 4 bytes each, or 1 (i386); 0 means 4 */
	size_t rw_pads[4];		/* offsets of 4-byte pads that stay zero (0: none past the first) */
	uint32_t rw_wrphase, rw_wrlocked, rw_rwaiting;	/* __readers bits */
	/* pthread_cond_t (struct __pthread_cond_s) */
	size_t cond_size, cond_wseq, cond_wrefs, cond_g_signals0, cond_g_signals1, cond_g_refs0,
	    cond_g_refs1, cond_g1_orig_size;
	unsigned cond_wrefs_shift;	/* waiter count is __wrefs >> shift */
	/* sem_t (struct new_sem: with 64-bit atomics, data holds the value in its low 32 bits and
	 * the waiters in its high 32; without (i386), value << 1 and a waiters bit, nwaiters apart) */
	size_t sem_size, sem_value, sem_nwaiters;
	unsigned sem_value_shift;	/* the value is the word >> shift */
	size_t sem_pad;			/* glibc: the pad word, which stays zero (sem_private below too) */
	/* pthread_barrier_t (struct pthread_barrier) */
	size_t barrier_size, barrier_in, barrier_round, barrier_count;

	/* musl only (lockdecode_musl.c), beside the fields above it shares: mutex_kind is _m_type,
	 * mutex_lock _m_lock, mutex_count _m_count; rw_readers is _rw_lock, rw_shared _rw_shared;
	 * sem_value, sem_nwaiters are __val[0], __val[1] */
	size_t mutex_waiters;		/* _m_waiters */
	size_t rw_waiters;		/* _rw_waiters */
	size_t cond_shared, cond_head, cond_tail, cond_lock, cond_seq, cond_waiters;
	size_t cond_node_size, cond_node_prev, cond_node_next, cond_node_state, cond_node_barrier;
	size_t sem_private;		/* glibc's private, musl's __val[2]: 128 private, 0 process-shared */
	size_t thread_tid, thread_detach_state;	/* struct pthread: a join sleeps on detach_state */
};

#define LOCKDECODE_MUSL "musl"


/* What one waiting thread waits on, decoded from its futex call, frames and the lock's bytes. */
struct lockdecode_info {
	enum lock_kind kind;
	enum wait_kind want;		/* what the waiter wants: mutex, rwlock-read, ... */
	uint64_t futex;			/* the futex word the thread sleeps on */
	uint64_t base;			/* start of the lock object */
	char variant[32];		/* "normal", "recursive", "pi", ... or "" */
	bool holders_known;		/* holder (or its absence) is recorded by the layout */
	pid_t holder;			/* owner TID (mutex, rwlock writer, joined thread), 0 if none */
	int readers;			/* rwlock readers holding it, -1 if n/a */
	int count;			/* recursion depth, semaphore value, barrier arrivals, -1 if n/a */
	int queued;			/* waiters the lock itself counts, -1 if unknown */
	bool owner_died;
	char note[160];			/* free text, "" if none */
};

/* The layout for a glibc version (major * 1000 + minor) on this architecture, or NULL when holdup
 * does not know it. */
const struct lockdecode_layout *lockdecode_layout_for(int version);
/* The same for the architecture named arch (as arch.name spells it): another one finds nothing
 * rather than offsets that are not its own. */
const struct lockdecode_layout *lockdecode_layout_lookup(const char *arch, int version);
/* The layout of libc ("glibc", "musl") at version on the architecture named arch, or NULL. */
const struct lockdecode_layout *lockdecode_layout_find(const char *libc, const char *arch, int version);
/* True if L is a musl layout. */
bool lockdecode_is_musl(const struct lockdecode_layout *L);
/* The target's libc: *name gets "glibc", "musl" or NULL (not found); returns its version (major *
 * 1000 + minor), 0 if not known (no libc found, or a musl that records none, as a static one).
 * *how as for lockdecode_glibc_version. */
int lockdecode_libc(const struct snapshot *s, const struct targetfile_root *root, const char **name,
    const char **how);
/* Size in bytes of a lock object of kind k in layout L, 0 if unknown. */
size_t lockdecode_size(const struct lockdecode_layout *L, enum lock_kind k);
/* The target's glibc version (major * 1000 + minor) from its loaded libc (or static executable),
 * 0 if not found (musl, no libc, unreadable). Files are opened through root (NULL: none is).
 * *how (may be NULL) gets a static string: where the version came from, or why none was found. */
int lockdecode_glibc_version(const struct snapshot *s, const struct targetfile_root *root, const char **how);
/* Parses "2.36" or a "libc-2.31.so" file name into major * 1000 + minor; 0 if it is neither. */
int lockdecode_parse_version(const char *s);

/* Decodes a lock object of a known kind from a copy of its bytes (img starts at the object).
 * futex and want of out must be set by the caller (want may be WAIT_NONE: decided from the
 * words). Returns 0, or -1 when img is too short for the layout. */
int lockdecode_object(const struct lockdecode_layout *L, const uint8_t *img, size_t len,
    struct lockdecode_info *out);

/* The futex wait thread t is in: its address, op and value, from /proc or its registers.
 * Returns 0 if t sleeps in a blocking futex op, -1 otherwise. */
int lockdecode_futex_call(const struct arch_info *a, const struct thread *t, uint64_t *addr, uint64_t *op, uint32_t *val);

/* Everything about what t waits on in a futex: kind (from frames, op and lock words), the
 * object start, holders. L may be NULL (unknown glibc): kind from frames, "owner unknown".
 * Returns 0, or -1 when t is not in a futex wait. */
/* When t is an idle Go runtime thread (an M asleep in futexsleep/notesleep under runtime.mPark,
 * stopm, findRunnable, sysmon...: no goroutine to run, no lock), the runtime function it idles in
 * (a static string); NULL otherwise. */
const char *lockdecode_go_idle(const struct thread *t);
int lockdecode_thread(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *out);

#endif
