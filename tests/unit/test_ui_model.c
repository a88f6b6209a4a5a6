/* test_ui_model.c - the dashboard's pure parts: rows, filter, sort, lock order, wait-chain tree,
 * interesting frames, terminal-safe strings and what the cursor is on (ui/model.c, ui/uistr.c, ui/topstate.c). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "history.h"
#include "lockgraph.h"
#include "model.h"
#include "snapshot.h"
#include "topstate.h"
#include "uistr.h"
#include "util.h"

/*
 * Threads (index: tid name state):
 *   0: 100 main     waiting
 *   1: 101 one      blocked on A (held by 102)   } deadlock
 *   2: 102 two      blocked on B (held by 101)   }
 *   3: 103 worker   blocked on C (held by 104)
 *   4: 104 owner    running, holds C
 *   5: 105 orphan   blocked on D (holder unknown)
 */
static void
add_lock(struct snapshot *s, uint64_t addr, const char *sym, pid_t holder, int waiter)
{
	struct lock *l;

	s->locks = xrealloc(s->locks, (s->nlocks + 1) * sizeof *s->locks);
	l = &s->locks[s->nlocks];
	memset(l, 0, sizeof *l);
	l->address = addr;
	l->kind = LOCK_MUTEX;
	l->symbol = sym ? xstrdup(sym) : NULL;
	l->holders_known = holder != 0;
	if (holder != 0) {
		l->holders = xmalloc(sizeof *l->holders);
		l->holders[0] = holder;
		l->nholders = 1;
	}
	l->waiters = xmalloc(sizeof *l->waiters);
	l->waiters[0] = waiter;
	l->nwaiters = 1;
	l->readers = l->count = -1;
	s->threads[waiter].wait.kind = WAIT_MUTEX;
	s->threads[waiter].wait.address = addr;
	s->threads[waiter].wait.lock = (int)s->nlocks;
	s->nlocks++;
}

static struct snapshot *
make_snapshot(void)
{
	static const char *const names[] = { "main", "one", "two", "worker", "owner", "orphan" };
	static const enum thread_state st[] = { STATE_WAITING, STATE_BLOCKED, STATE_BLOCKED, STATE_BLOCKED,
		STATE_RUNNING, STATE_BLOCKED };
	struct snapshot *s = snapshot_new(100);
	struct deadlock *d;

	for (int i = 0; i < 6; i++) {
		struct thread *t = snapshot_add_thread(s, 100 + i);

		t->name = xstrdup(names[i]);
		t->state = st[i];
	}
	add_lock(s, 0xa0, "lock_a", 102, 1);
	add_lock(s, 0xb0, "lock_b", 101, 2);
	add_lock(s, 0xc0, "lock_c", 104, 3);
	add_lock(s, 0xd0, NULL, 0, 5);
	/* lock_c gets a second waiter so it sorts first. */
	s->locks[2].waiters = xrealloc(s->locks[2].waiters, 2 * sizeof(int));
	s->locks[2].waiters[1] = 0;
	s->locks[2].nwaiters = 2;
	s->threads[0].wait.lock = 2;
	s->threads[0].wait.kind = WAIT_MUTEX;
	s->threads[1].wait.in_deadlock = s->threads[2].wait.in_deadlock = true;
	s->deadlocks = d = xcalloc(1, sizeof *d);
	s->ndeadlocks = 1;
	d->threads = xmalloc(2 * sizeof *d->threads);
	d->threads[0] = 1;
	d->threads[1] = 2;
	d->nthreads = 2;
	return s;
}

static void
test_filter_and_sort(void **state)
{
	struct snapshot *s = make_snapshot();
	int *rows;
	size_t n;

	(void)state;
	n = model_threads(s, NULL, NULL, MODEL_SORT_TID, false, &rows);
	assert_int_equal(n, 6);
	assert_int_equal(rows[0], 0);
	free(rows);
	n = model_threads(s, NULL, "BLOCK", MODEL_SORT_TID, false, &rows);
	assert_int_equal(n, 4);
	free(rows);
	n = model_threads(s, NULL, "orph", MODEL_SORT_TID, false, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0], 5);
	free(rows);
	n = model_threads(s, NULL, "104", MODEL_SORT_TID, false, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0], 4);
	free(rows);
	n = model_threads(s, NULL, "nothing-like-this", MODEL_SORT_TID, false, &rows);
	assert_int_equal(n, 0);
	free(rows);
	n = model_threads(s, NULL, "", MODEL_SORT_NAME, false, &rows);
	assert_int_equal(n, 6);
	assert_int_equal(rows[0], 0);	/* main */
	assert_int_equal(rows[5], 3);	/* worker */
	free(rows);
	n = model_threads(s, NULL, "", MODEL_SORT_NAME, true, &rows);
	assert_int_equal(rows[0], 3);
	free(rows);
	snapshot_free(s);
}

static void
test_locks_and_texts(void **state)
{
	struct snapshot *s = make_snapshot();
	char buf[256];
	int *rows;
	size_t n;

	(void)state;
	n = model_locks(s, &rows);
	assert_int_equal(n, 4);
	assert_int_equal(rows[0], 2);	/* two waiters */
	free(rows);
	model_wait_text(s, &s->threads[1], buf, sizeof buf);
	assert_string_equal(buf, "lock_a (mutex)");
	model_holder_text(s, &s->threads[1], buf, sizeof buf);
	assert_string_equal(buf, "102");
	model_wait_text(s, &s->threads[5], buf, sizeof buf);
	assert_string_equal(buf, "0xd0 (mutex)");
	model_holder_text(s, &s->threads[5], buf, sizeof buf);
	assert_string_equal(buf, "unknown");
	model_wait_text(s, &s->threads[4], buf, sizeof buf);
	assert_string_equal(buf, "");
	snapshot_free(s);
}

static void
test_tree(void **state)
{
	struct snapshot *s = make_snapshot();
	struct model_tree_row *r;
	size_t n;

	(void)state;
	n = model_tree(s, &r);
	/* owner(104) > worker(103), main(100); deadlock one(101) > two(102) > one (cycle); lock D > orphan. */
	assert_int_equal(n, 8);
	assert_int_equal(r[0].thread, 4);
	assert_int_equal(r[0].depth, 0);
	assert_int_equal(r[1].thread, 0);
	assert_int_equal(r[1].depth, 1);
	assert_int_equal(r[1].lock, 2);
	assert_int_equal(r[2].thread, 3);
	assert_int_equal(r[2].depth, 1);
	assert_int_equal(r[3].thread, 1);
	assert_int_equal(r[3].depth, 0);
	assert_false(r[3].cycle);
	assert_int_equal(r[4].thread, 2);
	assert_int_equal(r[4].depth, 1);
	assert_int_equal(r[4].lock, 1);	/* two waits on lock_b, held by one */
	assert_int_equal(r[5].thread, 1);
	assert_int_equal(r[5].depth, 2);
	assert_true(r[5].cycle);
	assert_int_equal(r[6].thread, -1);
	assert_int_equal(r[6].lock, 3);
	assert_int_equal(r[7].thread, 5);
	assert_int_equal(r[7].depth, 1);
	free(r);
	snapshot_free(s);
}

/* The thread (or goroutine) under the cursor in each view; the stack pane shows it. */
static void
test_selection(void **state)
{
	struct snapshot *s = make_snapshot();
	struct top t;

	(void)state;
	memset(&t, 0, sizeof t);
	t.snap = s;
	t.nrows = model_threads(s, NULL, NULL, MODEL_SORT_NAME, false, &t.rows);
	t.nlock_rows = model_locks(s, &t.lock_rows);
	t.ntree = model_tree(s, &t.tree);
	t.view = TOP_VIEW_THREADS;
	t.sel[TOP_VIEW_THREADS] = 5;
	assert_int_equal(topstate_selected_thread(&t), 3);	/* worker, last by name */
	t.sel[TOP_VIEW_THREADS] = 6;
	assert_int_equal(topstate_selected_thread(&t), -1);
	assert_int_equal(topstate_selected_goroutine(&t), -1);
	t.view = TOP_VIEW_LOCKS;
	t.sel[TOP_VIEW_LOCKS] = 0;			/* lock_c: its holder, owner */
	assert_int_equal(topstate_selected_thread(&t), 4);
	for (size_t i = 0; i < t.nlock_rows; i++)
		if (t.lock_rows[i] == 3)
			t.sel[TOP_VIEW_LOCKS] = (int)i;	/* lock D, holder unknown: its first waiter */
	assert_int_equal(topstate_selected_thread(&t), 5);
	t.view = TOP_VIEW_TREE;
	t.sel[TOP_VIEW_TREE] = 2;
	assert_int_equal(topstate_selected_thread(&t), 3);
	t.sel[TOP_VIEW_TREE] = 6;			/* the lock row: the waiter below it */
	assert_int_equal(topstate_selected_thread(&t), 5);
	t.view = TOP_VIEW_GOROUTINES;
	assert_int_equal(topstate_selected_thread(&t), -1);
	assert_int_equal(topstate_selected_goroutine(&t), -1);	/* not a Go target */
	s->go = xcalloc(1, sizeof *s->go);
	t.go_rows = xcalloc(2, sizeof *t.go_rows);
	t.go_rows[1] = 7;
	t.ngo_rows = 2;
	t.sel[TOP_VIEW_GOROUTINES] = 1;
	assert_int_equal(topstate_selected_goroutine(&t), 7);
	t.sel[TOP_VIEW_GOROUTINES] = 2;
	assert_int_equal(topstate_selected_goroutine(&t), -1);
	t.snap = NULL;
	assert_int_equal(topstate_selected_thread(&t), -1);
	free(t.rows);
	free(t.lock_rows);
	free(t.tree);
	free(t.go_rows);
	snapshot_free(s);
}

static void
test_interesting_frame(void **state)
{
	struct thread t;
	struct frame f[3];
	char buf[256];

	(void)state;
	memset(&t, 0, sizeof t);
	memset(f, 0, sizeof f);
	f[0].function = "__futex_abstimed_wait_common";
	f[0].module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	f[1].function = "___pthread_mutex_lock";
	f[1].module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	f[2].function = "transfer";
	f[2].file = "/src/bank/transfer.c";
	f[2].line = 42;
	f[2].module = "/usr/bin/bank";
	t.frames = f;
	t.nframes = 3;
	assert_ptr_equal(model_interesting_frame(&t), &f[2]);
	model_frame_text(&f[2], buf, sizeof buf);
	assert_string_equal(buf, "transfer (transfer.c:42)");
	t.nframes = 2;	/* only internals: fall back on the innermost */
	assert_ptr_equal(model_interesting_frame(&t), &f[0]);
	t.nframes = 0;
	assert_null(model_interesting_frame(&t));
}

static void
test_sanitize(void **state)
{
	char buf[64];
	int cols;

	(void)state;
	cols = uistr_sanitize(buf, sizeof buf, "ev\033[7mil", -1);
	assert_string_equal(buf, "ev\\x1b[7mil");
	assert_int_equal(cols, 11);
	assert_null(strchr(buf, '\033'));
	cols = uistr_sanitize(buf, sizeof buf, "abcdefgh", 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(cols, 5);
	uistr_sanitize(buf, sizeof buf, "a\r\nb\tc\x7f", -1);
	assert_string_equal(buf, "a\\x0d\\x0ab\\x09c\\x7f");
	/* C1 control (CSI as UTF-8) and a broken sequence. */
	uistr_sanitize(buf, sizeof buf, "x\xc2\x9by\xff", -1);
	assert_null(strchr(buf, '\x9b'));
	assert_null(strchr(buf, '\xff'));
	/* Valid UTF-8 survives in a UTF-8 locale and is counted in columns, not bytes. */
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL) {
		cols = uistr_sanitize(buf, sizeof buf, "h\xc3\xa9llo", -1);
		assert_string_equal(buf, "h\xc3\xa9llo");
		assert_int_equal(cols, 5);
		setlocale(LC_CTYPE, "C");
	}
	/* In an ASCII locale non-ASCII cannot be shown: it becomes '?'. */
	uistr_sanitize(buf, sizeof buf, "h\xc3\xa9", -1);
	assert_string_equal(buf, "h??");
	uistr_sanitize(buf, 4, "abcdefgh", -1);
	assert_string_equal(buf, "abc");
	uistr_sanitize(buf, sizeof buf, NULL, -1);
	assert_string_equal(buf, "");
}

static void
test_duration(void **state)
{
	char buf[32];

	(void)state;
	uistr_duration(buf, sizeof buf, -1);
	assert_string_equal(buf, "-");
	uistr_duration(buf, sizeof buf, 0.25);
	assert_string_equal(buf, "250ms");
	uistr_duration(buf, sizeof buf, 42);
	assert_string_equal(buf, "42s");
	uistr_duration(buf, sizeof buf, 725);
	assert_string_equal(buf, "12m05s");
	uistr_duration(buf, sizeof buf, 3 * 3600 + 7 * 60);
	assert_string_equal(buf, "3h07m");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_and_sort),
		cmocka_unit_test(test_locks_and_texts),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_interesting_frame),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
