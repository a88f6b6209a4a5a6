/* test_corenote.c - holdup's core note: round trip, and truncated or corrupt notes refused without harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "corenote.h"
#include "snapshot.h"
#include "util.h"

static struct snapshot *
make(void)
{
	struct snapshot *s = snapshot_new(100);
	struct thread *t = snapshot_add_thread(s, 100);

	t = snapshot_add_thread(s, 101);
	t->name = xstrdup("worker");
	t->proc_state = 'S';
	t->wchan = xstrdup("futex_wait_queue");
	t->syscall = 202;
	t->syscall_args[0] = 0x1234;
	t->sched_slices = 7;
	t->cpu = 1;
	t->task_running = true;
	return s;
}

static void
test_roundtrip(void **state)
{
	struct snapshot *a = make(), *b = snapshot_new(100);
	struct err e = { "" };
	uint8_t *d;
	size_t n;

	(void)state;
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_encode(a, &d, &n), 0);
	assert_int_equal(corenote_apply(b, d, n, &e), 0);
	assert_string_equal(b->threads[0].name, "worker");
	assert_int_equal(b->threads[0].proc_state, 'S');
	assert_string_equal(b->threads[0].wchan, "futex_wait_queue");
	assert_int_equal(b->threads[0].syscall, 202);
	assert_int_equal(b->threads[0].syscall_args[0], 0x1234);
	assert_int_equal(b->threads[0].sched_slices, 7);
	assert_int_equal(b->threads[0].cpu, 1);
	assert_true(b->threads[0].task_running);
	assert_false(b->threads[0].on_cpu);
	free(d);
	snapshot_free(a);
	snapshot_free(b);
}

static void
test_truncated_and_corrupt(void **state)
{
	struct snapshot *a = make(), *b = snapshot_new(100);
	struct err e = { "" };
	uint8_t *d;
	size_t n;

	(void)state;
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_encode(a, &d, &n), 0);
	/* every truncation is refused (the full note has a record for each thread) */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(corenote_apply(b, d, k, &e), -1);
	/* wrong version */
	d[4] = 9;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	assert_non_null(strstr(e.msg, "version"));
	d[4] = 1;
	/* a thread count far beyond the bytes */
	d[8] = 0xff, d[9] = 0xff, d[10] = 0xff, d[11] = 0x7f;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	d[8] = 2, d[9] = d[10] = d[11] = 0;
	/* a string length past the end (first thread's name length) */
	d[18] = 0xff, d[19] = 0xff;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	free(d);
	snapshot_free(a);
	snapshot_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated_and_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
