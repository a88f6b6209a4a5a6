/* test_proctree.c - the process-tree walk (src/proctree.c) over made-up /proc directories: children files, the PPid fallback, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proctree.h"

static void
test_parse_children(void **state)
{
	pid_t out[4];
	size_t n = 0;

	(void)state;
	assert_int_equal(proctree_parse_children("12 345 \n", out, &n, 4), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 12);
	assert_int_equal(out[1], 345);
	/* junk, zero, too big: dropped and counted; the rest taken */
	n = 0;
	assert_int_equal(proctree_parse_children("x1 0 99999999 7 4194305 -3 8", out, &n, 4), 5);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 7);
	assert_int_equal(out[1], 8);
	/* bounded by max: the ones that do not fit are counted */
	n = 0;
	assert_int_equal(proctree_parse_children("1 2 3 4 5 6", out, &n, 4), 2);
	assert_int_equal(n, 4);
	n = 0;
	assert_int_equal(proctree_parse_children("", out, &n, 4), 0);
	assert_int_equal(n, 0);
}

static char root[64];

static void
put(const char *rel, const char *text)
{
	char path[512], *slash;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
stat_of(int pid, int ppid, const char *comm)
{
	char rel[64], text[256];

	snprintf(rel, sizeof rel, "%d/stat", pid);
	snprintf(text, sizeof text, "%d (%s) S %d 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0 "
	    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", pid, comm, ppid);
	put(rel, text);
}

/* Removes the made-up /proc. */
static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void
test_children_files(void **state)
{
	pid_t out[16];
	pid_t roots[] = { 10, 99 };
	int truncated = 1;
	struct err e;

	(void)state;
	snprintf(root, sizeof root, "/tmp/holdup-proctree.XXXXXX");
	assert_non_null(mkdtemp(root));
	/* 10 has two threads with a child each; 11 has 13; 99 does not exist */
	stat_of(10, 1, "make");
	stat_of(11, 10, "sh");
	stat_of(12, 10, "cc");
	stat_of(13, 11, "test ) (x");
	put("10/task/10/children", "11 ");
	put("10/task/20/children", "12 11 ");
	put("11/task/11/children", "13");
	put("12/task/12/children", "");
	put("13/task/13/children", "");
	assert_int_equal(proctree_list(root, roots, 2, out, 16, &truncated, &e), 4);
	assert_int_equal(truncated, 0);
	assert_int_equal(out[0], 10);
	assert_int_equal(out[1], 11);
	assert_int_equal(out[2], 12);
	assert_int_equal(out[3], 13);
	/* bounded */
	assert_int_equal(proctree_list(root, roots, 1, out, 2, &truncated, &e), 2);
	assert_int_equal(truncated, 1);
	cleanup();
}

static void
test_ppid_fallback(void **state)
{
	pid_t out[16];
	pid_t roots[] = { 30 };
	int truncated = 1;
	struct err e;

	(void)state;
	snprintf(root, sizeof root, "/tmp/holdup-proctree.XXXXXX");
	assert_non_null(mkdtemp(root));
	/* no children files: the PPid of every process says who belongs (a comm with ") 30 " in it
	 * must not fool the parser) */
	stat_of(30, 1, "server");
	put("30/task/30/stat", "");	/* threads, but no children files (no CONFIG_PROC_CHILDREN) */
	stat_of(31, 30, "worker");
	stat_of(32, 31, "helper");
	stat_of(33, 1, "x) S 30 ");
	stat_of(34, 2, "other");
	mkdir(strcat(strcpy((char[128]){ 0 }, root), "/self"), 0755);
	assert_int_equal(proctree_list(root, roots, 1, out, 16, &truncated, &e), 3);
	assert_int_equal(out[0], 30);
	assert_int_equal(truncated, 0);
	/* 31 and 32, in whichever order the directory lists them, and not 33 or 34 */
	assert_true((out[1] == 31 && out[2] == 32) || (out[1] == 32 && out[2] == 31));
	cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_children),
		cmocka_unit_test(test_children_files),
		cmocka_unit_test(test_ppid_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
