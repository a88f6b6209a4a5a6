/* test_output_dot.c - the DOT wait-for graph from a hand-made snapshot: hostile names escaped, cycles marked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"
#include "snapshot.h"
#include "util.h"

/* Threads 10 and 11 deadlocked on two mutexes (names with quotes, backslashes, escapes, newlines);
 * thread 12 waits on a futex with no recorded owner; lock 3 is held by TID 99, not a thread. */
static struct snapshot *
make_snapshot(void)
{
	struct snapshot *s = snapshot_new(10);
	static const char *const names[] = { "a\"b\\N", "x\n\x1b[2J", "\xff\xfe\"" };

	s->exe = xstrdup("/bin/\"evil\"");
	for (int i = 0; i < 3; i++) {
		struct thread *t = snapshot_add_thread(s, 10 + i);

		t->name = xstrdup(names[i]);
		t->state = STATE_BLOCKED;
		t->wait.kind = WAIT_MUTEX;
		t->wait.lock = i;
		t->wait.root = -1;
		t->wait.in_deadlock = i < 2;
	}
	s->nlocks = 4;
	s->locks = xcalloc(4, sizeof *s->locks);
	for (int i = 0; i < 4; i++) {
		struct lock *l = &s->locks[i];

		l->address = 0x1000 + 0x40 * (uint64_t)i;
		l->kind = i == 2 ? LOCK_FUTEX : LOCK_MUTEX;
		l->holders_known = i != 2;
		l->symbol = xstrdup(i == 0 ? "lock\"}; evil [" : "m\\l");
		l->readers = l->count = -1;
		if (i != 2) {
			l->holders = xmalloc(sizeof *l->holders);
			l->holders[0] = i == 0 ? 11 : i == 1 ? 10 : 99;
			l->nholders = 1;
		}
	}
	s->ndeadlocks = 1;
	s->deadlocks = xcalloc(1, sizeof *s->deadlocks);
	s->deadlocks[0].nthreads = s->deadlocks[0].nlocks = 2;
	s->deadlocks[0].threads = xmalloc(2 * sizeof(int));
	s->deadlocks[0].threads[0] = 0;
	s->deadlocks[0].threads[1] = 1;
	s->deadlocks[0].locks = xmalloc(2 * sizeof(uint64_t));
	s->deadlocks[0].locks[0] = 0x1000;
	s->deadlocks[0].locks[1] = 0x1040;
	return s;
}

static char *
render(const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(output_write(output_find("dot"), f, NULL, s), 0);
	fclose(f);
	return buf;
}

/* Every quoted string ends at an unescaped quote: counts them, skipping escaped characters. */
static int
count_unescaped_quotes(const char *p)
{
	int n = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			n++;
	}
	return n;
}

static void
test_dot_escapes(void **state)
{
	struct snapshot *s = make_snapshot();
	char *out = render(s);

	(void)state;
	/* no control byte or invalid UTF-8 survives, no name closes its string early */
	for (const unsigned char *p = (const unsigned char *)out; *p != '\0'; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	assert_int_equal(count_unescaped_quotes(out) % 2, 0);
	assert_non_null(strstr(out, "a\\\"b\\\\N"));		/* a"b\N: quote and backslash escaped */
	assert_non_null(strstr(out, "lock\\\"}; evil ["));
	assert_null(strstr(out, "\x1b"));
	/* each line is a statement: the graph has exactly its statements */
	{
		int lines = 0;

		for (const char *p = out; *p != '\0'; p++)
			lines += *p == '\n';
		/* digraph, graph, node, edge, 3 threads, 4 locks, 3 waits, 2 held-by, unknown node+edge,
		 * not-a-thread node+edge, } */
		assert_int_equal(lines, 1 + 3 + 3 + 4 + 3 + 2 + 2 + 2 + 1);
	}
	free(out);
	snapshot_free(s);
}

static void
test_dot_cycle_and_unknown(void **state)
{
	struct snapshot *s = make_snapshot();
	char *out = render(s);

	(void)state;
	assert_non_null(strstr(out, "t10 -> l0 [label=\"waits\" color=red"));
	assert_non_null(strstr(out, "l0 -> t11 [label=\"held by\" color=red"));
	assert_non_null(strstr(out, "t11 -> l1 [label=\"waits\" color=red"));
	assert_non_null(strstr(out, "l1 -> t10 [label=\"held by\" color=red"));
	assert_non_null(strstr(out, "t12 -> l2 [label=\"waits\"];"));	/* not in the cycle: plain */
	assert_non_null(strstr(out, "l2 -> u2 [style=dashed"));
	assert_non_null(strstr(out, "owner unknown"));
	assert_non_null(strstr(out, "TID 99\\nnot a thread of this process"));
	free(out);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_escapes),
		cmocka_unit_test(test_dot_cycle_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
