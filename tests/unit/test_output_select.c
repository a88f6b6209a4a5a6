/* test_output_select.c - thread filters and grouping: a full comparison decides, so forced hash collisions never merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output_select.h"
#include "snapshot.h"
#include "util.h"

static uint64_t
same_hash(const struct thread *t)
{
	(void)t;
	return 42;	/* every thread collides */
}

/* n threads; thread i's single frame has pc 0x1000 + (i % kinds), so there are `kinds` distinct stacks. */
static struct snapshot *
make(size_t n, size_t kinds)
{
	struct snapshot *s = snapshot_new(100);

	for (size_t i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, (pid_t)(100 + i));

		t->name = xstrdup("w");
		t->state = i % kinds == 0 ? STATE_RUNNING : STATE_WAITING;
		t->syscall = 202;
		t->wait.lock = -1;
		t->wait.root = -1;
		t->nframes = 1;
		t->frames = xcalloc(1, sizeof *t->frames);
		t->frames[0].pc = 0x1000 + i % kinds;
		t->frames[0].function = xstrdup("f");
	}
	return s;
}

static void
check_groups(const struct snapshot *s, output_group_hash_fn h, size_t kinds)
{
	int *sel;
	size_t nsel = output_select_threads(s, NULL, &sel);
	struct output_group *g;
	size_t ng = output_group_threads(s, sel, nsel, h, &g), total = 0;

	assert_int_equal(nsel, s->nthreads);
	assert_int_equal(ng, kinds);
	for (size_t i = 0; i < ng; i++) {
		uint64_t pc = s->threads[g[i].threads[0]].frames[0].pc;

		total += g[i].n;
		for (size_t k = 0; k < g[i].n; k++)
			assert_int_equal(s->threads[g[i].threads[k]].frames[0].pc, pc);
		for (size_t k = 1; k < g[i].n; k++)
			assert_true(g[i].threads[k] > g[i].threads[k - 1]);	/* TID order kept */
	}
	assert_int_equal(total, s->nthreads);
	output_groups_free(g, ng);
	free(sel);
}

static void
test_group_default_hash(void **state)
{
	struct snapshot *s = make(1000, 7);

	(void)state;
	check_groups(s, NULL, 7);
	snapshot_free(s);
}

static void
test_group_forced_collisions(void **state)
{
	struct snapshot *s = make(200, 5);

	(void)state;
	/* same hash for all: only the full comparison separates the 5 stacks */
	check_groups(s, same_hash, 5);
	/* same pcs but another function name or line: still different */
	free(s->threads[5].frames[0].function);
	s->threads[5].frames[0].function = xstrdup("g");
	s->threads[10].frames[0].line = 7;
	check_groups(s, same_hash, 7);
	snapshot_free(s);
}

/* 20,000 threads in 10,000 distinct stacks, every hash the same (a target choosing its pcs can
 * do that): the groups are still exact, in the order of their first thread. The hash-table
 * grouping this replaced compared each thread with every earlier group here (10^8 comparisons). */
static void
test_group_collisions_many(void **state)
{
	struct snapshot *s = make(20000, 10000);
	int *sel;
	size_t nsel = output_select_threads(s, NULL, &sel), ng;
	struct output_group *g;

	(void)state;
	check_groups(s, same_hash, 10000);
	ng = output_group_threads(s, sel, nsel, same_hash, &g);
	for (size_t i = 0; i < ng; i++) {
		assert_int_equal(g[i].n, 2);
		assert_int_equal(g[i].threads[0], (int)i);	/* first threads 0..9999, in order */
		assert_int_equal(g[i].threads[1], (int)(i + 10000));
	}
	output_groups_free(g, ng);
	free(sel);
	snapshot_free(s);
}

static void
test_group_holder_alone(void **state)
{
	struct snapshot *s = make(4, 1);
	int *sel;
	struct output_group *g;
	size_t nsel, ng;

	(void)state;
	s->nlocks = 1;
	s->locks = xcalloc(1, sizeof *s->locks);
	s->locks[0].address = 0x5000;
	s->locks[0].holders_known = true;
	s->locks[0].holders = xmalloc(sizeof(pid_t));
	s->locks[0].holders[0] = 102;
	s->locks[0].nholders = 1;
	nsel = output_select_threads(s, NULL, &sel);
	ng = output_group_threads(s, sel, nsel, NULL, &g);
	assert_int_equal(ng, 2);	/* 100, 101, 103 together; 102 holds a lock: alone */
	assert_int_equal(g[0].n, 3);
	assert_int_equal(g[1].n, 1);
	assert_int_equal(s->threads[g[1].threads[0]].tid, 102);
	output_groups_free(g, ng);
	free(sel);
	snapshot_free(s);
}

static void
test_filters(void **state)
{
	struct snapshot *s = make(10, 2);
	struct output_filter f;
	struct err e;
	int *sel;

	(void)state;
	assert_int_equal(output_filter_parse(&f, "running", NULL, NULL, &e), 0);
	assert_true(f.on);
	assert_int_equal(output_select_threads(s, &f, &sel), 5);
	free(sel);
	assert_int_equal(output_filter_parse(&f, "waiting,running", "101,104,999", NULL, &e), 0);
	assert_int_equal(output_select_threads(s, &f, &sel), 2);
	assert_int_equal(s->threads[sel[0]].tid, 101);
	free(sel);
	assert_string_equal(f.text, "--state waiting,running --tid 101,104,999");
	assert_int_equal(output_filter_parse(&f, "bogus", NULL, NULL, &e), -1);
	assert_int_equal(output_filter_parse(&f, NULL, "12,x", NULL, &e), -1);
	assert_int_equal(output_filter_parse(&f, NULL, NULL, "0xzz", &e), -1);
	/* --lock: the waiter and the holder of lock 0x5000 "mylock" */
	s->nlocks = 1;
	s->locks = xcalloc(1, sizeof *s->locks);
	s->locks[0].address = 0x5000;
	s->locks[0].symbol = xstrdup("mylock");
	s->locks[0].holders = xmalloc(sizeof(pid_t));
	s->locks[0].holders[0] = 107;
	s->locks[0].nholders = 1;
	s->threads[3].wait.lock = 0;
	assert_int_equal(output_filter_parse(&f, NULL, NULL, "mylock", &e), 0);
	assert_int_equal(output_select_threads(s, &f, &sel), 2);
	assert_int_equal(s->threads[sel[0]].tid, 103);
	assert_int_equal(s->threads[sel[1]].tid, 107);
	free(sel);
	assert_int_equal(output_filter_parse(&f, NULL, NULL, "0x5000", &e), 0);
	assert_int_equal(output_select_threads(s, &f, &sel), 2);
	free(sel);
	assert_int_equal(output_filter_parse(&f, NULL, NULL, "0x5001", &e), 0);
	assert_int_equal(output_select_threads(s, &f, &sel), 0);
	free(sel);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_default_hash),
		cmocka_unit_test(test_group_forced_collisions),
		cmocka_unit_test(test_group_collisions_many),
		cmocka_unit_test(test_group_holder_alone),
		cmocka_unit_test(test_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
