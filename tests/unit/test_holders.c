/* test_holders.c - probable holders from hand-made stacks: evidence ranking, the cut by the lock's
 * state, waiters and bystanders left out, bounds, and probable deadlocks through them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "holders.h"
#include "lockgraph.h"

#define STK 0x7ff000000000ull	/* each thread's stack: STK + i * 0x10000 */
#define LOCK 0x601040ull	/* the lock, 56 bytes, inside an object starting 16 bytes below */
#define MAGIC 0x401234ull	/* a "closure" the fake hook says unlocks */

static struct snapshot *
snap_new(void)
{
	struct snapshot *s = snapshot_new(100);

	snapshot_parse_maps(s,
	    "601000-602000 rw-p 00000000 08:01 2 /bin/app\n"
	    "7ff000000000-7ff000100000 rw-p 00000000 00:00 0 [stack]\n");
	return s;
}

/* A thread whose 2-frame stack of 64 words holds words[k] = vals[k] (zero elsewhere). */
static struct thread *
thread_with(struct snapshot *s, pid_t tid, const uint64_t *vals, size_t n)
{
	size_t i = s->nthreads;
	struct thread *t = snapshot_add_thread(s, tid);
	uint64_t base = STK + i * 0x10000;

	t->stack_addr = base;
	t->stack_len = 64 * 8;
	t->stack = calloc(64, 8);
	memcpy(t->stack, vals, n * 8);
	t->frames = calloc(2, sizeof *t->frames);
	t->nframes = 2;
	t->frames[0] = (struct frame){ .pc = 0x400100, .sp = base, .function = strdup("inner") };
	t->frames[1] = (struct frame){ .pc = 0x400200, .sp = base + 32 * 8, .function = strdup("outer"),
		.file = strdup("app.c"), .line = 12 };
	t->state = STATE_SLEEPING;
	t->wait.lock = -1;
	t->wait.root = -1;
	return t;
}

static bool
fake_deferred(void *ctx, uint64_t fnpc, enum holder_mode *mode)
{
	(void)ctx;
	*mode = HOLDER_MODE_READ;
	return fnpc == MAGIC;
}

/* Stacks of every thread of s, as holders_find builds them. */
static struct holders_stack *
stacks_of(const struct snapshot *s)
{
	struct holders_stack *st = calloc(s->nthreads, sizeof *st);

	for (size_t i = 0; i < s->nthreads; i++) {
		st[i].thread = (int)i;
		st[i].frames = s->threads[i].frames;
		st[i].nframes = s->threads[i].nframes;
	}
	return st;
}

static void
free_out(struct probable_holder *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].frame.function);
		free(p[i].frame.module);
		free(p[i].frame.file);
	}
	free(p);
}

static void
test_ranking_and_cut(void **state)
{
	(void)state;
	struct snapshot *s = snap_new();
	uint64_t a[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, MAGIC, LOCK };	/* a deferred unlock in the outer frame */
	uint64_t b[] = { 0, 0, LOCK + 8 };	/* a pointer into the lock in the inner frame */
	uint64_t c[] = { LOCK - 16 };		/* the object only: a bystander */
	uint64_t d[] = { 0, LOCK };		/* the waiter itself */
	uint64_t e[] = { LOCK + 4096 };		/* something else */
	struct holders_hooks h = { .deferred_unlock = fake_deferred };
	struct holders_target t = { .addr = LOCK, .size = 56, .expected = 1 };
	struct probable_holder *out = NULL;
	size_t nout = 0, budget = 1 << 20, found;
	int skip[] = { 3 };
	struct holders_stack *st;

	thread_with(s, 11, a, sizeof a / 8);
	thread_with(s, 12, b, sizeof b / 8);
	thread_with(s, 13, c, 1);
	thread_with(s, 14, d, 2);
	thread_with(s, 15, e, 1);
	st = stacks_of(s);
	t.skip_threads = skip;
	t.nskip_threads = 1;
	found = holders_search(s, NULL, &h, &t, st, s->nthreads, 16, &out, &nout, &budget);
	/* two candidates (the object-only bystander and the waiter do not count), one listed: the state
	 * says one holds it and the deferred unlock is stronger than a bare pointer */
	assert_int_equal(found, 2);
	assert_int_equal(nout, 1);
	assert_int_equal(out[0].thread, 0);
	assert_int_equal(out[0].evidence, HOLDER_EV_DEFER);
	assert_int_equal(out[0].mode, HOLDER_MODE_READ);
	assert_int_equal(out[0].frame_index, 1);
	assert_string_equal(out[0].frame.function, "outer");
	assert_int_equal(out[0].slot, STK + 35 * 8);
	assert_true(out[0].rank > holders_rank(HOLDER_EV_POINTER));
	free_out(out, nout);

	/* two expected: the pointer is listed after the deferred unlock, in the inner frame */
	out = NULL;
	nout = 0;
	t.expected = 2;
	holders_search(s, NULL, &h, &t, st, s->nthreads, 16, &out, &nout, &budget);
	assert_int_equal(nout, 2);
	assert_int_equal(out[1].thread, 1);
	assert_int_equal(out[1].evidence, HOLDER_EV_POINTER);
	assert_int_equal(out[1].frame_index, 0);
	free_out(out, nout);

	/* without hooks both are bare pointers: with one expected, the tie lists both */
	out = NULL;
	nout = 0;
	t.expected = 1;
	holders_search(s, NULL, NULL, &t, st, s->nthreads, 16, &out, &nout, &budget);
	assert_int_equal(nout, 2);
	assert_int_equal(out[0].evidence, HOLDER_EV_POINTER);
	free_out(out, nout);

	/* the bound on holders listed */
	out = NULL;
	nout = 0;
	holders_search(s, NULL, NULL, &t, st, s->nthreads, 1, &out, &nout, &budget);
	assert_int_equal(nout, 1);
	free_out(out, nout);

	/* the bound on bytes read: nothing is scanned with no budget left */
	out = NULL;
	nout = 0;
	budget = 0;
	found = holders_search(s, NULL, NULL, &t, st, s->nthreads, 16, &out, &nout, &budget);
	assert_int_equal(found, 0);
	assert_int_equal(nout, 0);
	free(out);
	free(st);
	snapshot_free(s);
}

/* Thread 0 holds rwlock R for reading (a pointer in its stack) and waits for mutex M held by thread
 * 1; thread 1 waits to write R: a probable deadlock, and only through the probable holder. */
static void
test_probable_deadlock(void **state)
{
	(void)state;
	struct snapshot *s = snap_new();
	uint64_t a[] = { 0, LOCK };
	uint64_t none[] = { 0 };
	struct lock *l;

	thread_with(s, 21, a, 2);
	thread_with(s, 22, none, 1);
	s->locks = calloc(2, sizeof *s->locks);
	s->nlocks = 2;
	l = &s->locks[0];
	l->address = LOCK;
	l->kind = LOCK_RWLOCK;
	l->size = 56;
	l->readers = 1;
	l->expected_holders = 1;
	l->count = -1;
	l->waiters = malloc(sizeof *l->waiters);
	l->waiters[0] = 1;
	l->nwaiters = 1;
	l = &s->locks[1];
	l->address = 0x601100;
	l->kind = LOCK_MUTEX;
	l->holders_known = true;
	l->holders = malloc(sizeof *l->holders);
	l->holders[0] = 22;
	l->nholders = 1;
	l->readers = l->count = -1;
	l->waiters = malloc(sizeof *l->waiters);
	l->waiters[0] = 0;
	l->nwaiters = 1;
	s->threads[0].wait.lock = 1;
	s->threads[0].wait.kind = WAIT_MUTEX;
	s->threads[1].wait.lock = 0;
	s->threads[1].wait.kind = WAIT_RWLOCK_WRITE;

	lockgraph_link(s);
	assert_int_equal(s->ndeadlocks, 0);	/* no owner recorded for R: no cycle yet */
	holders_find(s, NULL, NULL);
	assert_int_equal(s->locks[0].nprobable, 1);
	assert_int_equal(s->locks[0].probable[0].thread, 0);
	assert_int_equal(s->locks[0].probable[0].mode, HOLDER_MODE_READ);
	assert_int_equal(s->locks[1].nprobable, 0);	/* its owner is recorded */
	lockgraph_link(s);
	assert_int_equal(s->ndeadlocks, 1);
	assert_true(s->deadlocks[0].probable);
	assert_int_equal(s->deadlocks[0].nthreads, 2);
	assert_true(s->threads[0].wait.in_deadlock && s->threads[1].wait.in_deadlock);

	/* the same through a raw futex: an event as often as a lock, so no edge unless a decoder says
	 * it is held (expected_holders, as a Rust mutex decoder sets it) */
	s->locks[0].kind = LOCK_FUTEX;
	s->locks[0].expected_holders = 0;
	holders_find(s, NULL, NULL);
	assert_int_equal(s->locks[0].nprobable, 1);
	lockgraph_link(s);
	assert_int_equal(s->ndeadlocks, 0);
	s->locks[0].expected_holders = 1;
	lockgraph_link(s);
	assert_int_equal(s->ndeadlocks, 1);
	assert_true(s->deadlocks[0].probable);
	snapshot_free(s);
}

/* A lock whose owner is recorded, condvars and joins get no probable holders. */
static void
test_wanted(void **state)
{
	(void)state;
	struct snapshot *s = snap_new();
	uint64_t a[] = { LOCK };

	thread_with(s, 31, a, 1);
	s->locks = calloc(2, sizeof *s->locks);
	s->nlocks = 2;
	s->locks[0] = (struct lock){ .address = LOCK, .kind = LOCK_CONDVAR, .readers = -1, .count = -1 };
	s->locks[1] = (struct lock){ .address = LOCK, .kind = LOCK_SEMAPHORE, .readers = -1, .count = 0 };
	holders_find(s, NULL, NULL);
	assert_int_equal(s->locks[0].nprobable, 0);
	assert_int_equal(s->locks[1].nprobable, 1);
	assert_int_equal(s->locks[1].probable[0].evidence, HOLDER_EV_POINTER);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranking_and_cut),
		cmocka_unit_test(test_probable_deadlock),
		cmocka_unit_test(test_wanted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
