/* test_perfmap.c - the perf map parser (lines, bounds, hostile names), lookups, and the safe re-reading of /tmp/perf-PID.map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "perfmap.h"
#include "targetfile.h"
#include "util.h"

static void
test_parse_lookup(void **state)
{
	static const char text[] =
	    "7f0000001000 100 LFoo;bar()V\n"
	    "0x7f0000002000 0x20 Interpreter\n"
	    "7f0000001040 10 Lcom/x/Y;later(I)I\n"	/* over the first: a later line wins */
	    "garbage line\n"
	    "7f0000003000 0 zero-size\n"
	    "7f0000004000 10\n"
	    "7f0000005000 10 bad\x01name\r\n"
	    "\n"
	    "7f0000006000 10 unfinished";		/* no newline: still being written */
	struct perfmap m = { 0 };
	uint64_t off = 0;

	(void)state;
	perfmap_parse(&m, text, sizeof text - 1);
	assert_int_equal(m.n, 4);
	assert_int_equal(m.skipped, 3);
	assert_string_equal(perfmap_lookup(&m, 0x7f0000001010, &off), "LFoo;bar()V");
	assert_int_equal(off, 0x10);
	assert_string_equal(perfmap_lookup(&m, 0x7f0000001048, &off), "Lcom/x/Y;later(I)I");
	assert_int_equal(off, 8);
	assert_string_equal(perfmap_lookup(&m, 0x7f0000001050, &off), "LFoo;bar()V");
	assert_string_equal(perfmap_lookup(&m, 0x7f000000201f, &off), "Interpreter");
	assert_null(perfmap_lookup(&m, 0x7f0000002020, &off));
	assert_null(perfmap_lookup(&m, 0x7f0000000fff, &off));
	assert_string_equal(perfmap_lookup(&m, 0x7f0000005000, &off), "bad?name");
	assert_null(perfmap_lookup(&m, 0x7f0000006000, &off));
	perfmap_free(&m);
}

static void
test_bounds(void **state)
{
	struct perfmap m = { 0 };
	char line[PERFMAP_MAX_NAME * 2 + 64];
	size_t n;
	const char *name;

	(void)state;
	n = (size_t)snprintf(line, sizeof line, "1000 10 ");
	memset(line + n, 'a', PERFMAP_MAX_NAME * 2);
	n += PERFMAP_MAX_NAME * 2;
	line[n++] = '\n';
	perfmap_parse(&m, line, n);
	assert_non_null(name = perfmap_lookup(&m, 0x1000, NULL));
	assert_int_equal(strlen(name), PERFMAP_MAX_NAME);
	/* a number over 64 bits, a range wrapping around */
	perfmap_parse(&m, "10000000000000000 10 x\nffffffffffffff00 1000 y\n", 47);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.skipped, 2);
	perfmap_free(&m);
}

static void
test_refresh(void **state)
{
	struct targetfile_root r;
	struct perfmap m = { 0 };
	char path[64];
	FILE *f;

	(void)state;
	targetfile_root_init(&r, getpid());
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	assert_false(perfmap_refresh(&m, &r, getpid(), getuid()));
	assert_null(m.error);	/* no map: nothing to say */
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "1000 10 first\n");
	fclose(f);
	assert_true(perfmap_refresh(&m, &r, getpid(), getuid()));
	assert_int_equal(m.n, 1);
	/* the JIT appends: the grown file is read again */
	assert_non_null(f = fopen(path, "a"));
	fprintf(f, "2000 10 second\n");
	fclose(f);
	assert_true(perfmap_refresh(&m, &r, getpid(), getuid()));
	assert_int_equal(m.n, 2);
	assert_string_equal(perfmap_lookup(&m, 0x2004, NULL), "second");
	/* a symlink in its place (to a file the target wants holdup to read) is refused */
	unlink(path);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_false(perfmap_refresh(&m, &r, getpid(), getuid()));
	assert_non_null(m.error);
	assert_int_equal(m.n, 0);
	unlink(path);
	/* a file of another user (not root) is refused */
	if (getuid() == 0) {
		assert_non_null(f = fopen(path, "w"));
		fprintf(f, "1000 10 planted\n");
		fclose(f);
		assert_int_equal(chown(path, 12345, 12345), 0);
		assert_false(perfmap_refresh(&m, &r, getpid(), 0));
		assert_non_null(strstr(m.error, "owned by uid 12345"));
		assert_true(perfmap_refresh(&m, &r, getpid(), 12345));
		unlink(path);
	}
	perfmap_free(&m);
	targetfile_root_done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lookup),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests_name("perfmap", tests, NULL, NULL);
}
