/* test_rustlock.c - Rust std::sync and parking_lot waits from frames and lock words, in hand-made snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lockgraph.h"
#include "rustlock.h"
#include "syscalls.h"
#include "threadstate.h"
#include "util.h"

#define DATA 0x10000

/* A thread in a futex wait on addr with value val, its innermost frames named by fns (NULL-ended). */
static struct thread *
rust_thread(struct snapshot *s, pid_t tid, uint64_t addr, uint32_t val, const char *const *fns)
{
	struct thread *t = snapshot_add_thread(s, tid);
	size_t n = 0;

	t->proc_state = 'S';
	t->syscall = syscalls_number(arch_native, "futex");
	t->syscall_args[0] = addr;
	t->syscall_args[1] = 128 | 9;	/* FUTEX_WAIT_BITSET_PRIVATE, as std's futex_wait */
	t->syscall_args[2] = val;
	while (fns[n] != NULL)
		n++;
	t->frames = xcalloc(n + 1, sizeof *t->frames);
	for (size_t i = 0; i < n; i++) {
		t->frames[i].pc = 0x1000 + i;
		t->frames[i].function = xstrdup(fns[i]);
	}
	t->nframes = n;
	return t;
}

static struct snapshot *
snap_new(void)
{
	struct snapshot *s = snapshot_new(100);

	snapshot_parse_maps(s, "10000-20000 rw-p 00000000 00:00 0 [heap]\n");
	return s;
}

static void
word_at(struct snapshot *s, uint64_t addr, uint32_t v)
{
	snapshot_add_memcopy(s, addr, &v, sizeof v);
}

static const char *const mutex_v0[] = { "syscall", "std::sys::pal::unix::futex::futex_wait",
	"<std::sys::sync::mutex::futex::Mutex>::lock_contended", "std::sync::poison::mutex::Mutex<T>::lock",
	"app::main::{{closure}}", NULL };
/* Rust 1.62-1.76 paths, legacy-demangled */
static const char *const mutex_old[] = { "syscall", "std::sys::unix::futex::futex_wait",
	"std::sys::unix::locks::futex::Mutex::lock_contended", "app::work", NULL };
static const char *const read_v0[] = { "syscall", "<std::sys::sync::rwlock::futex::RwLock>::read_contended",
	"app::reader", NULL };
static const char *const write_old[] = { "syscall",
	"std::sys::unix::locks::futex_rwlock::RwLock::write_contended", "app::writer", NULL };
static const char *const cond[] = { "syscall", "std::sys::pal::unix::futex::futex_wait",
	"<std::sys::sync::condvar::futex::Condvar>::wait_optional_timeout", "std::sync::poison::condvar::Condvar::wait",
	NULL };
static const char *const cond_relock[] = { "syscall", "<std::sys::sync::mutex::futex::Mutex>::lock_contended",
	"<std::sys::sync::condvar::futex::Condvar>::wait_optional_timeout", NULL };
static const char *const parked[] = { "syscall", "parking_lot_core::thread_parker::imp::ThreadParker::park",
	"parking_lot_core::parking_lot::park", "parking_lot::raw_mutex::RawMutex::lock_slow", "app::f", NULL };
/* not std's futex lock: another crate's Mutex::lock_contended is not taken for std's */
static const char *const other[] = { "syscall", "mycrate::Mutex::lock_contended", NULL };

static void
test_frames_op(void **state)
{
	struct snapshot *s = snap_new();
	const char *what = NULL;
	struct thread *t;

	(void)state;
	t = rust_thread(s, 1, DATA, 2, mutex_v0);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_MUTEX);
	t = rust_thread(s, 2, DATA, 2, mutex_old);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_MUTEX);
	t = rust_thread(s, 3, DATA, 2, read_v0);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_READ);
	t = rust_thread(s, 4, DATA, 2, write_old);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_WRITE);
	t = rust_thread(s, 5, DATA, 2, cond);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_CONDVAR);
	t = rust_thread(s, 6, DATA, 2, cond_relock);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_MUTEX);
	t = rust_thread(s, 7, DATA, 2, parked);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, &what), RUSTLOCK_PARKING_LOT);
	assert_non_null(strstr(what, "parking_lot Mutex"));
	t = rust_thread(s, 8, DATA, 2, other);
	assert_int_equal(rustlock_frames_op(t->frames, t->nframes, NULL), RUSTLOCK_NONE);
	assert_int_equal(rustlock_frames_op(NULL, 0, NULL), RUSTLOCK_NONE);
	snapshot_free(s);
}

static void
test_state(void **state)
{
	struct lockdecode_info o;
	int ex;

	(void)state;
	memset(&o, 0, sizeof o);
	rustlock_state(RUSTLOCK_MUTEX, 2, &o, &ex);
	assert_int_equal(ex, 1);
	assert_non_null(strstr(o.note, "locked, contended"));
	rustlock_state(RUSTLOCK_MUTEX, 0, &o, &ex);
	assert_int_equal(ex, 0);
	rustlock_state(RUSTLOCK_MUTEX, 7, &o, &ex);
	assert_int_equal(ex, 0);
	assert_non_null(strstr(o.note, "not a Rust mutex state"));
	rustlock_state(RUSTLOCK_WRITE, 3u | RUSTLOCK_RW_WRITERS_WAITING, &o, &ex);
	assert_int_equal(o.readers, 3);
	assert_int_equal(ex, 3);
	assert_non_null(strstr(o.note, "3 readers, writers waiting"));
	rustlock_state(RUSTLOCK_READ, RUSTLOCK_RW_WRITE_LOCKED | RUSTLOCK_RW_READERS_WAITING, &o, &ex);
	assert_int_equal(o.readers, 0);
	assert_int_equal(ex, 1);
	assert_non_null(strstr(o.note, "write locked, readers waiting"));
	rustlock_state(RUSTLOCK_READ, 0, &o, &ex);
	assert_int_equal(ex, 0);
}

/* Through lockgraph: kinds, the writer's lock start (writer_notify is the word after the state),
 * the Rust ABBA as a lock pair with one expected holder each, parking_lot with no lock entry. */
static void
test_lockgraph(void **state)
{
	struct snapshot *s = snap_new();
	const uint64_t A = DATA + 0x100, B = DATA + 0x200, RW = DATA + 0x300, CV = DATA + 0x400;
	const struct lock *l;

	(void)state;
	rust_thread(s, 101, B, 2, mutex_v0);			/* 0 */
	rust_thread(s, 102, A, 2, mutex_old);			/* 1 */
	rust_thread(s, 103, RW + 4, 0, write_old);		/* 2: a writer */
	rust_thread(s, 104, RW, 2u | RUSTLOCK_RW_WRITERS_WAITING | RUSTLOCK_RW_READERS_WAITING, read_v0);	/* 3 */
	rust_thread(s, 105, CV, 5, cond);			/* 4 */
	rust_thread(s, 106, DATA + 0x500, 0, parked);		/* 5 */
	word_at(s, A, 2);
	word_at(s, B, 2);
	word_at(s, RW, 2u | RUSTLOCK_RW_WRITERS_WAITING | RUSTLOCK_RW_READERS_WAITING);
	threadstate_classify(s);
	lockgraph_build(s, NULL);

	assert_int_equal(s->nlocks, 4);
	l = &s->locks[s->threads[0].wait.lock];
	assert_int_equal(l->kind, LOCK_RUST_MUTEX);
	assert_int_equal(l->address, B);
	assert_false(l->holders_known);
	assert_int_equal(l->expected_holders, 1);
	assert_int_equal(s->threads[0].state, STATE_BLOCKED);
	assert_int_equal(s->threads[0].wait.kind, WAIT_MUTEX);
	l = &s->locks[s->threads[2].wait.lock];
	assert_int_equal(l->kind, LOCK_RUST_RWLOCK);
	assert_int_equal(l->address, RW);
	assert_int_equal(l->readers, 2);
	assert_int_equal(l->expected_holders, 2);
	assert_int_equal(s->threads[2].wait.kind, WAIT_RWLOCK_WRITE);
	assert_int_equal(s->threads[3].wait.kind, WAIT_RWLOCK_READ);
	assert_int_equal(s->threads[3].wait.lock, s->threads[2].wait.lock);
	assert_int_equal(l->nwaiters, 2);
	l = &s->locks[s->threads[4].wait.lock];
	assert_int_equal(l->kind, LOCK_RUST_CONDVAR);
	assert_int_equal(s->threads[4].wait.kind, WAIT_CONDVAR);
	assert_int_equal(s->threads[4].state, STATE_WAITING);
	/* parking_lot: waiting for a mutex, no lock entry, says why */
	assert_int_equal(s->threads[5].wait.kind, WAIT_MUTEX);
	assert_int_equal(s->threads[5].wait.lock, -1);
	assert_int_equal(s->threads[5].state, STATE_BLOCKED);
	assert_non_null(strstr(s->threads[5].wait.detail, "not known"));
	/* no owner recorded, no probable holder without stacks: no certain deadlock */
	assert_int_equal(s->ndeadlocks, 0);
	assert_string_equal(snapshot_lock_kind_name(LOCK_RUST_RWLOCK), "rust-rwlock");
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_op),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_lockgraph),
	};

	return cmocka_run_group_tests_name("rustlock", tests, NULL, NULL);
}
