/* test_session.c - the session's ticker on an injected clock (late ticks, duration, restarts; no
 * sleeping, no timing assertions) and its failure policy for a target that goes away. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"

#define P 100	/* the period, in fake nanoseconds */

static uint64_t
fake_now(void *ctx)
{
	return *(uint64_t *)ctx;
}

/* A ticker on the clock *now: period P, the given backlog, no end. */
static void
ticker(struct session_ticker *t, uint64_t *now, unsigned backlog, uint64_t duration)
{
	struct session_clock c = { fake_now, now };

	session_ticker_init(t, &c, P, backlog, duration);
}

static void
test_on_time(void **state)
{
	struct session_ticker t;
	uint64_t now = 1000;

	(void)state;
	ticker(&t, &now, 3, 0);
	/* The first tick is due at once. */
	assert_int_equal(session_ticker_due_in(&t), 0);
	assert_false(session_ticker_ended(&t));
	/* A tick that took 30: the next is due 70 later, on the schedule. */
	now = 1030;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 70);
	now = 1100;
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	now = 1150;
	assert_int_equal(session_ticker_due_in(&t), 50);
	assert_int_equal(t.missed, 0);
}

/* record: a late tick is taken at once up to 3 periods behind; a longer stall skips ticks. */
static void
test_late_backlog(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 3, 0);
	/* Taken at 0, done at 250: the tick due at 100 is 1.5 periods late, still taken. */
	now = 250;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	assert_int_equal(t.next_ns, 100);
	assert_int_equal(t.missed, 0);
	/* Done at 390: the tick due at 200 is late, taken; 300 is late too. */
	now = 390;
	session_ticker_advance(&t);
	assert_int_equal(t.next_ns, 200);
	assert_int_equal(session_ticker_due_in(&t), 0);
	/* A stall until 1000 after the tick at 200: only the ticks less than 3 periods behind stay. */
	now = 1000;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	assert_int_equal(t.missed, 5);		/* 300 ... 700 */
	assert_int_equal(t.next_ns, 800);	/* 2 periods behind: 800, 900 and 1000 follow at once */
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 100);
	assert_int_equal(t.missed, 5);
}

/* watch: backlog 0 never takes a late tick; the schedule moves to the next tick still ahead. */
static void
test_late_skip(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 0, 0);
	assert_int_equal(session_ticker_due_in(&t), 0);	/* the first tick is never skipped */
	now = 250;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 50);
	assert_int_equal(t.next_ns, 300);
	assert_int_equal(t.missed, 2);
	/* Done exactly when the next tick is due: that one is skipped as well. */
	now = 400;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 100);
	assert_int_equal(t.missed, 3);
	/* On time: nothing skipped. */
	now = 510;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 90);
	assert_int_equal(t.missed, 3);
}

/* top: backlog 1, a late tick is taken at once however late; whole periods are skipped. */
static void
test_late_once(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 1, 0);
	now = 370;
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	assert_int_equal(t.next_ns, 300);
	assert_int_equal(t.missed, 2);
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 30);
}

/* The policy looks at the clock when the ticker is next asked, so time spent on the tick counts,
 * and only once per tick: asking again does not skip more. */
static void
test_settle_once(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 0, 0);
	now = 50;
	session_ticker_advance(&t);
	now = 150;	/* the caller spent 100 on the snapshot after the tick */
	assert_int_equal(session_ticker_due_in(&t), 50);
	assert_int_equal(t.missed, 1);
	now = 200;
	assert_int_equal(session_ticker_due_in(&t), 0);
	now = 260;
	assert_int_equal(session_ticker_due_in(&t), 0);	/* due, late, but no new advance: taken */
	assert_int_equal(t.missed, 1);
}

static void
test_duration_and_restart(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 3, 250);
	assert_false(session_ticker_ended(&t));
	/* The first (slow) tick: record restarts the schedule, and the duration, after it. */
	now = 900;
	session_ticker_advance(&t);
	session_ticker_restart(&t);
	assert_int_equal(t.start_ns, 900);
	assert_int_equal(t.missed, 0);
	assert_int_equal(session_ticker_due_in(&t), 100);
	assert_false(session_ticker_ended(&t));
	/* Ticks at 1000 and 1100 fit in the duration (the end is at 1150); the one at 1200 does not. */
	now = 1000;
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	assert_false(session_ticker_ended(&t));
	now = 1100;
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	assert_true(session_ticker_ended(&t));
}

static void
test_period_and_resume(void **state)
{
	struct session_ticker t;
	uint64_t now = 0;

	(void)state;
	ticker(&t, &now, 1, 0);
	now = 10;
	session_ticker_advance(&t);
	/* A new interval counts from now (top's + and -). */
	now = 40;
	session_ticker_set_period(&t, 200);
	assert_int_equal(session_ticker_due_in(&t), 200);
	now = 240;
	assert_int_equal(session_ticker_due_in(&t), 0);
	session_ticker_advance(&t);
	/* Paused for long, then resumed: due at once, nothing counted as missed. */
	now = 5000;
	session_ticker_due_now(&t);
	assert_int_equal(session_ticker_due_in(&t), 0);
	assert_int_equal(t.missed, 0);
	session_ticker_advance(&t);
	assert_int_equal(session_ticker_due_in(&t), 200);
}

/* The failure policy for a target that exits: the session ends, for good. */
static void
test_target_gone(void **state)
{
	struct session_opts o = { 0 };
	struct session *s = NULL;
	struct snapshot *snap = NULL;
	struct err e = { "" };
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	capture_opts_default(&o.capture);
	o.period_ns = 1000000;
	if (session_open(child, &o, &s, &e) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		print_message("cannot trace a child here (%s)\n", e.msg);
		skip();
	}
	assert_int_equal(session_tick(s, &snap), SESSION_SNAPSHOT);
	assert_non_null(snap);
	assert_int_equal(snap->pid, child);
	snapshot_free(snap);
	assert_int_equal(s->failed, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(session_tick(s, &snap), SESSION_GONE);
	assert_null(snap);
	assert_int_equal(session_tick(s, &snap), SESSION_GONE);
	assert_int_equal(session_wait(s), SESSION_GONE);
	assert_int_equal(s->failed, 0);	/* a vanished target is not a failed snapshot */
	session_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_time),
		cmocka_unit_test(test_late_backlog),
		cmocka_unit_test(test_late_skip),
		cmocka_unit_test(test_late_once),
		cmocka_unit_test(test_settle_once),
		cmocka_unit_test(test_duration_and_restart),
		cmocka_unit_test(test_period_and_resume),
		cmocka_unit_test(test_target_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
