/* test_lockgraph.c - wait-for graphs from hand-made snapshots: cycles, bystanders, chain roots, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lockgraph.h"
#include "syscalls.h"
#include "threadstate.h"
#include "util.h"

#define HEAP 0x10000

/* The number of syscall name on this architecture: tests name syscalls, never number them. */
static long
nr(const char *name)
{
	long n = syscalls_number(arch_native, name);

	assert_true(n >= 0);
	return n;
}

static struct snapshot *
snap_new(void)
{
	struct snapshot *s = snapshot_new(100);

	snapshot_parse_maps(s,
	    "10000-20000 rw-p 00000000 00:00 0 [heap]\n"
	    "7f0000000000-7f0000200000 r-xp 00000000 08:01 1 /lib/x86_64-linux-gnu/libc-2.36.so\n");
	return s;
}

/* A normal mutex at addr held by owner (0: unlocked). */
static void
mutex_at(struct snapshot *s, uint64_t addr, pid_t owner)
{
	uint8_t img[48] = { 0 };	/* x86-64's 40-byte mutex and aarch64's 48: the same first words */
	uint32_t lock = owner ? 2 : 0;

	memcpy(img, &lock, 4);
	memcpy(img + 8, &owner, 4);
	snapshot_add_memcopy(s, addr, img, sizeof img);
}

/* A thread blocked in pthread_mutex_lock(addr) (futex wait, value 2), or sleeping if addr is 0. */
static void
thread_at(struct snapshot *s, pid_t tid, uint64_t addr)
{
	struct thread *t = snapshot_add_thread(s, tid);

	t->proc_state = 'S';
	if (addr == 0) {
		t->syscall = nr("clock_nanosleep");
		return;
	}
	t->syscall = nr("futex");
	t->syscall_args[0] = addr;
	t->syscall_args[1] = 128;
	t->syscall_args[2] = 2;
}

static void
analyze(struct snapshot *s)
{
	threadstate_classify(s);
	lockgraph_build(s, NULL);
}

static void
test_abba_bystander_chain(void **state)
{
	struct snapshot *s = snap_new();
	const uint64_t A = HEAP + 0x100, B = HEAP + 0x200, C = HEAP + 0x300, D = HEAP + 0x400;

	(void)state;
	thread_at(s, 101, B);		/* 0: holds A, waits B */
	thread_at(s, 102, A);		/* 1: holds B, waits A */
	thread_at(s, 103, A);		/* 2: bystander */
	thread_at(s, 104, 0);		/* 3: sleeps holding C */
	thread_at(s, 105, C);		/* 4: holds D, waits C */
	thread_at(s, 106, D);		/* 5: waits D */
	mutex_at(s, A, 101);
	mutex_at(s, B, 102);
	mutex_at(s, C, 104);
	mutex_at(s, D, 105);
	analyze(s);

	assert_int_equal(s->ndeadlocks, 1);
	assert_int_equal(s->deadlocks[0].nthreads, 2);
	assert_int_equal(s->deadlocks[0].threads[0], 0);
	assert_int_equal(s->deadlocks[0].threads[1], 1);
	assert_int_equal(s->deadlocks[0].locks[0], B);
	assert_int_equal(s->deadlocks[0].locks[1], A);
	assert_true(s->threads[0].wait.in_deadlock);
	assert_true(s->threads[1].wait.in_deadlock);
	assert_false(s->threads[2].wait.in_deadlock);
	/* the bystander's chain runs into the cycle at the holder of A */
	assert_int_equal(s->threads[2].wait.root, 0);
	assert_int_equal(s->threads[0].wait.root, -1);
	/* chain 106 -> D -> 105 -> C -> 104 (sleeping) */
	assert_int_equal(s->threads[5].wait.root, 3);
	assert_int_equal(s->threads[4].wait.root, 3);
	assert_int_equal(s->threads[3].wait.root, -1);
	assert_int_equal(s->threads[3].state, STATE_SLEEPING);
	for (int i = 0; i < 6; i++)
		if (i != 3) {
			assert_int_equal(s->threads[i].state, STATE_BLOCKED);
			assert_int_equal(s->threads[i].wait.kind, WAIT_MUTEX);
			assert_string_equal(s->threads[i].wait.symbol, "heap");
		}
	assert_int_equal(s->nlocks, 4);
	{
		const struct lock *la = &s->locks[s->threads[1].wait.lock];

		assert_int_equal(la->address, A);
		assert_int_equal(la->nholders, 1);
		assert_int_equal(la->holders[0], 101);
		assert_int_equal(la->nwaiters, 2);
		assert_int_equal(la->waiters[0], 1);
		assert_int_equal(la->waiters[1], 2);
	}
	/* building twice replaces, not appends */
	analyze(s);
	assert_int_equal(s->ndeadlocks, 1);
	assert_int_equal(s->nlocks, 4);
	snapshot_free(s);
}

static void
test_five_cycle_and_self(void **state)
{
	struct snapshot *s = snap_new();

	(void)state;
	/* thread i holds fork i and waits for fork i+1; thread 5 relocks the mutex it holds */
	for (int i = 0; i < 5; i++) {
		thread_at(s, 200 + i, HEAP + 0x1000 + 40 * (uint64_t)((i + 1) % 5));
		mutex_at(s, HEAP + 0x1000 + 40 * (uint64_t)i, 200 + i);
	}
	thread_at(s, 300, HEAP + 0x2000);
	mutex_at(s, HEAP + 0x2000, 300);
	analyze(s);
	assert_int_equal(s->ndeadlocks, 2);
	assert_int_equal(s->deadlocks[0].nthreads, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s->deadlocks[0].threads[i], i);
		assert_int_equal(s->deadlocks[0].locks[i], HEAP + 0x1000 + 40 * (uint64_t)((i + 1) % 5));
	}
	assert_int_equal(s->deadlocks[1].nthreads, 1);
	assert_int_equal(s->deadlocks[1].threads[0], 5);
	snapshot_free(s);
}

static void
test_no_cycle_and_unknown(void **state)
{
	struct snapshot *s = snap_new();

	(void)state;
	/* contended: two waiters behind a running holder */
	thread_at(s, 401, HEAP + 0x100);
	thread_at(s, 402, HEAP + 0x100);
	snapshot_add_thread(s, 403)->proc_state = 'R';
	s->threads[2].on_cpu = true;
	mutex_at(s, HEAP + 0x100, 403);
	/* a holder that is not a thread of the process */
	thread_at(s, 404, HEAP + 0x200);
	mutex_at(s, HEAP + 0x200, 999);
	analyze(s);
	assert_int_equal(s->ndeadlocks, 0);
	assert_int_equal(s->threads[0].wait.root, 2);
	assert_int_equal(s->threads[1].wait.root, 2);
	assert_int_equal(s->threads[2].state, STATE_RUNNING);
	assert_int_equal(s->threads[3].wait.root, -1);
	assert_non_null(strstr(s->locks[s->threads[3].wait.lock].note, "not a thread"));
	snapshot_free(s);

	/* no libc mapping: glibc unknown, nothing guessed */
	s = snapshot_new(100);
	thread_at(s, 501, 0x1000);
	thread_at(s, 502, 0x2000);
	mutex_at(s, 0x1000, 502);
	mutex_at(s, 0x2000, 501);
	analyze(s);
	assert_int_equal(s->ndeadlocks, 0);
	assert_int_equal(s->threads[0].wait.kind, WAIT_FUTEX);
	assert_int_equal(s->threads[0].state, STATE_WAITING);
	assert_false(s->locks[0].holders_known);
	assert_non_null(strstr(s->threads[0].wait.detail, "owner unknown"));
	snapshot_free(s);
}

static void
test_names(void **state)
{
	struct snapshot *s = snap_new();
	struct thread *t;
	char *n;

	(void)state;
	snapshot_parse_maps(s,
	    "10000-20000 rw-p 00000000 00:00 0 [heap]\n"
	    "30000-40000 rw-p 00000000 00:00 0 \n"
	    "50000-60000 rw-s 00000000 00:05 7 /dev/shm/locks\n"
	    "7ffd0000-7ffe0000 rw-p 00000000 00:00 0 [stack]\n");
	t = snapshot_add_thread(s, 100);
	t->syscall_sp = 0x7ffd8000;
	t = snapshot_add_thread(s, 101);
	t->syscall_sp = 0x38000;
	n = lockgraph_name_address(s, NULL, 0x10010, 40);
	assert_string_equal(n, "heap");
	free(n);
	n = lockgraph_name_address(s, NULL, 0x31000, 40);
	assert_string_equal(n, "stack of TID 101");
	free(n);
	n = lockgraph_name_address(s, NULL, 0x7ffd9000, 40);
	assert_string_equal(n, "stack of TID 100");
	free(n);
	/* a thread running Go code: its sp is in Go's heap (goroutine stacks live there), not a stack */
	t = &s->threads[1];
	t->frames = xcalloc(1, sizeof *t->frames);
	t->frames[0].function = xstrdup("runtime.futex");
	t->nframes = 1;
	n = lockgraph_name_address(s, NULL, 0x31000, 40);
	assert_string_equal(n, "Go heap");
	free(n);
	n = lockgraph_name_address(s, NULL, 0x50000, 40);
	assert_string_equal(n, "locks");
	free(n);
	assert_null(lockgraph_name_address(s, NULL, 0x90000, 40));
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abba_bystander_chain),
		cmocka_unit_test(test_five_cycle_and_self),
		cmocka_unit_test(test_no_cycle_and_unknown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
