/* test_ui_history.c - time in state and CPU% tracked across hand-made snapshots (ui/history.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "history.h"
#include "snapshot.h"

/* A snapshot taken at `sec` seconds with threads (tid, state, runtime_ns, ticks). */
static struct snapshot *
snap(double sec, const int (*th)[4], size_t n)
{
	struct snapshot *s = snapshot_new(100);

	s->taken.tv_sec = (time_t)sec + 1000;
	s->taken.tv_nsec = (long)((sec - (double)(long)sec) * 1e9);
	for (size_t i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, th[i][0]);

		t->state = (enum thread_state)th[i][1];
		t->sched_runtime_ns = (uint64_t)th[i][2];
		t->utime_ticks = (uint64_t)th[i][3];
	}
	return s;
}

static void
test_state_duration(void **state)
{
	static const int a[][4] = { { 10, STATE_BLOCKED, 0, 0 }, { 11, STATE_RUNNING, 0, 0 } };
	static const int b[][4] = { { 10, STATE_BLOCKED, 0, 0 }, { 11, STATE_WAITING, 0, 0 }, { 12, STATE_RUNNING, 0, 0 } };
	struct history *h = history_new();
	struct snapshot *s1 = snap(0, a, 2), *s2 = snap(2.5, b, 3);
	const struct history_entry *e;

	(void)state;
	history_update(h, s1);
	assert_true(history_state_secs(h, s1, 10) < 0.001);
	e = history_find(h, 10);
	assert_non_null(e);
	assert_true(e->since_first);
	history_update(h, s2);
	/* Unchanged state: the duration grows from the first sample. */
	assert_true(history_state_secs(h, s2, 10) > 2.49 && history_state_secs(h, s2, 10) < 2.51);
	assert_true(history_find(h, 10)->since_first);
	/* Changed state: counted from this sample, no longer a lower bound. */
	assert_true(history_state_secs(h, s2, 11) < 0.001);
	assert_false(history_find(h, 11)->since_first);
	/* New thread after the first sample: seen now, exact start unknown but not "before holdup". */
	assert_non_null(history_find(h, 12));
	assert_false(history_find(h, 12)->since_first);
	assert_true(history_state_secs(h, s2, 99) < 0);
	snapshot_free(s1);
	snapshot_free(s2);
	history_free(h);
}

static void
test_wait_change_restarts(void **state)
{
	static const int a[][4] = { { 10, STATE_BLOCKED, 0, 0 } };
	struct history *h = history_new();
	struct snapshot *s1 = snap(0, a, 1), *s2 = snap(1, a, 1), *s3 = snap(3, a, 1);

	(void)state;
	s1->threads[0].wait.address = 0x1000;
	s2->threads[0].wait.address = 0x1000;
	s3->threads[0].wait.address = 0x2000;	/* blocked again, on another lock */
	history_update(h, s1);
	history_update(h, s2);
	assert_true(history_state_secs(h, s2, 10) > 0.99);
	history_update(h, s3);
	assert_true(history_state_secs(h, s3, 10) < 0.001);
	snapshot_free(s1);
	snapshot_free(s2);
	snapshot_free(s3);
	history_free(h);
}

static void
test_cpu(void **state)
{
	/* tid 10 has schedstat: 0.5 s of cpu in 1 s. tid 11 only ticks: clk_tck/4 ticks = 0.25 s. */
	long hz = sysconf(_SC_CLK_TCK);
	int a[][4] = { { 10, STATE_RUNNING, 1000, 0 }, { 11, STATE_RUNNING, 0, 0 } };
	int b[][4] = { { 10, STATE_RUNNING, 1000 + 500000000, 0 }, { 11, STATE_RUNNING, 0, (int)(hz / 4) } };
	struct history *h = history_new();
	struct snapshot *s1 = snap(0, (const int (*)[4])a, 2), *s2 = snap(1, (const int (*)[4])b, 2);
	double want;

	(void)state;
	history_update(h, s1);
	assert_true(history_cpu(h, 10) < 0);	/* unknown until a second sample */
	history_update(h, s2);
	assert_true(history_cpu(h, 10) > 49.9 && history_cpu(h, 10) < 50.1);
	want = 100.0 * (double)(hz / 4) / (double)hz;
	assert_true(history_cpu(h, 11) > want - 0.01 && history_cpu(h, 11) < want + 0.01);
	snapshot_free(s1);
	snapshot_free(s2);
	history_free(h);
}

static void
test_gone_threads_forgotten(void **state)
{
	static const int a[][4] = { { 30, STATE_RUNNING, 0, 0 }, { 10, STATE_RUNNING, 0, 0 }, { 20, STATE_RUNNING, 0, 0 } };
	static const int b[][4] = { { 20, STATE_RUNNING, 0, 0 }, { 5, STATE_RUNNING, 0, 0 } };
	struct history *h = history_new();
	struct snapshot *s1 = snap(0, a, 3), *s2 = snap(1, b, 2);

	(void)state;
	history_update(h, s1);
	assert_int_equal(h->n, 3);
	history_update(h, s2);
	assert_int_equal(h->n, 2);
	assert_null(history_find(h, 10));
	assert_null(history_find(h, 30));
	assert_non_null(history_find(h, 5));
	assert_non_null(history_find(h, 20));
	assert_true(history_state_secs(h, s2, 20) > 0.99);
	snapshot_free(s1);
	snapshot_free(s2);
	history_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_duration),
		cmocka_unit_test(test_wait_change_restarts),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_gone_threads_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
