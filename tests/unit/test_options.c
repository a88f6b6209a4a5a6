/* test_options.c - the shared option and number parser (src/options.c): numbers, PIDs, option tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>

#include "options.h"

static void
test_seconds(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(options_seconds("1.5", 0, false, 60, &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(options_seconds("0", 0, false, 60, &v), 0);
	assert_true(v == 0);
	assert_int_equal(options_seconds("60", 0.1, false, 60, &v), 0);
	/* An open minimum: --duration wants more than 0. */
	assert_int_equal(options_seconds("0", 0, true, 1e7, &v), -1);
	assert_int_equal(options_seconds("0.001", 0, true, 1e7, &v), 0);
	v = 7;
	assert_int_equal(options_seconds("0.05", 0.1, false, 60, &v), -1);
	assert_int_equal(options_seconds("61", 0.1, false, 60, &v), -1);
	assert_int_equal(options_seconds("", 0, false, 60, &v), -1);
	assert_int_equal(options_seconds("soon", 0, false, 60, &v), -1);
	assert_int_equal(options_seconds("1s", 0, false, 60, &v), -1);
	assert_int_equal(options_seconds("nan", 0, false, 60, &v), -1);
	assert_int_equal(options_seconds("inf", 0, false, 1e300, &v), -1);
	assert_int_equal(options_seconds("1e999", 0, false, 1e300, &v), -1);
	assert_int_equal(options_seconds("-1", 0, false, 60, &v), -1);
	/* A rejected value leaves the destination alone. */
	assert_true(v == 7);
}

static void
test_count(void **state)
{
	long v = -1;

	(void)state;
	assert_int_equal(options_count("10", 1, 1000, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(options_count("1000", 1, 1000, &v), 0);
	assert_int_equal(options_count("0", 1, 1000, &v), -1);
	assert_int_equal(options_count("1001", 1, 1000, &v), -1);
	assert_int_equal(options_count("1.5", 1, 1000, &v), -1);
	assert_int_equal(options_count("12abc", 1, 1000, &v), -1);
	assert_int_equal(options_count("", 1, 1000, &v), -1);
	assert_int_equal(options_count("99999999999999999999999", 0, 8 << 20, &v), -1);
	assert_int_equal(v, 1000);
}

static void
test_pid(void **state)
{
	pid_t p = 0;

	(void)state;
	assert_int_equal(options_pid("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(options_pid("4194304", &p), 0);
	assert_int_equal(options_pid("4194305", &p), -1);
	assert_int_equal(options_pid("0", &p), -1);
	assert_int_equal(options_pid("-5", &p), -1);
	assert_int_equal(options_pid("notapid", &p), -1);
	assert_int_equal(options_pid("12 ", &p), -1);
	assert_int_equal(p, 4194304);
}

/* A table like record's, with every kind of option. */
struct args {
	long rate;
	double duration;
	const char *out;
	bool stop_all;
	int color;
};

static enum options_result
parse(struct args *a, int argc, char **argv, pid_t *pid)
{
	const struct options_spec specs[] = {
		{ "rate", 'r', OPTIONS_COUNT, &a->rate, .min = 1, .max = 1000, .error = "--rate wants 1-1000" },
		{ "duration", 'd', OPTIONS_SECONDS, &a->duration, .min = 0, .min_open = true, .max = 1e7,
		    .error = "--duration wants seconds" },
		{ "output", 'o', OPTIONS_STRING, &a->out },
		{ "stop-all", 0, OPTIONS_FLAG, &a->stop_all },
		{ "color", 0, OPTIONS_CHOICE, &a->color, .value = 1 },
		{ "no-color", 0, OPTIONS_CHOICE, &a->color, .value = 0 },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	a->rate = 10;
	a->duration = 0;
	a->out = NULL;
	a->stop_all = false;
	a->color = -1;
	*pid = 0;
	return options_parse(argc, argv, specs, pid);
}

#define ARGV(...) ((char *[]){ "record", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof (char *[]){ "record", __VA_ARGS__ } / sizeof (char *)))
#define PARSE(a, pid, ...) parse(a, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), pid)

static void
test_parse(void **state)
{
	struct args a;
	pid_t pid;

	(void)state;
	assert_int_equal(PARSE(&a, &pid, "-r", "50", "--stop-all", "-o", "x.pb.gz", "--duration=2.5", "123"), OPTIONS_OK);
	assert_int_equal(a.rate, 50);
	assert_true(a.duration == 2.5);
	assert_string_equal(a.out, "x.pb.gz");
	assert_true(a.stop_all);
	assert_int_equal(a.color, -1);
	assert_int_equal(pid, 123);
	/* Long and short forms alike; the PID may come first (getopt permutes). */
	assert_int_equal(PARSE(&a, &pid, "77", "--rate", "5", "-d2", "--output=y"), OPTIONS_OK);
	assert_int_equal(a.rate, 5);
	assert_true(a.duration == 2);
	assert_string_equal(a.out, "y");
	assert_int_equal(pid, 77);
	/* Choices: the last one counts. */
	assert_int_equal(PARSE(&a, &pid, "--color", "--no-color", "1"), OPTIONS_OK);
	assert_int_equal(a.color, 0);
	assert_int_equal(PARSE(&a, &pid, "--no-color", "--color", "1"), OPTIONS_OK);
	assert_int_equal(a.color, 1);
	/* -p/--pid instead of the positional PID */
	assert_int_equal(PARSE(&a, &pid, "-p", "88", "-r", "5"), OPTIONS_OK);
	assert_int_equal(pid, 88);
	assert_int_equal(PARSE(&a, &pid, "--pid=89"), OPTIONS_OK);
	assert_int_equal(pid, 89);
}

static void
test_parse_help_and_usage(void **state)
{
	struct args a;
	pid_t pid;

	(void)state;
	assert_int_equal(PARSE(&a, &pid, "--help"), OPTIONS_HELP);
	assert_int_equal(PARSE(&a, &pid, "-h", "1"), OPTIONS_HELP);
	/* Usage errors: a bad value, a missing or extra argument, a bad PID, an unknown option. */
	assert_int_equal(PARSE(&a, &pid, "-r", "0", "1"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "-d", "0", "1"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "-r", "5"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "1", "2"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "notapid"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "--no-such-option", "1"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "-x", "1"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "1", "-r"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "--stop-all=yes", "1"), OPTIONS_USAGE);
	/* one PID at a time, however it is given */
	assert_int_equal(PARSE(&a, &pid, "-p", "1", "2"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "-p", "1", "--pid", "2"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&a, &pid, "-p", "x"), OPTIONS_USAGE);
}

static enum options_result
parse_targets(struct args *a, int argc, char **argv, unsigned allow, struct options_targets *t)
{
	const struct options_spec specs[] = {
		{ "rate", 'r', OPTIONS_COUNT, &a->rate, .min = 1, .max = 1000, .error = "--rate wants 1-1000" },
		{ "output", 'o', OPTIONS_STRING, &a->out },
		{ "stop-all", 0, OPTIONS_FLAG, &a->stop_all },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	a->rate = 10;
	a->out = NULL;
	a->stop_all = false;
	return options_parse_targets(argc, argv, specs, allow, t);
}

#define TARGETS(a, allow, t, ...) parse_targets(a, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), allow, t)

static void
test_parse_targets(void **state)
{
	struct args a;
	struct options_targets t;
	char **argv;

	(void)state;
	/* several PIDs: positional, -p repeated, -p with commas, in the order given */
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_MANY, &t, "12", "-p", "13,14", "--stop-all", "15", "-p", "16"),
	    OPTIONS_OK);
	assert_int_equal(t.npids, 5);
	assert_int_equal(t.pids[0], 13);
	assert_int_equal(t.pids[1], 14);
	assert_int_equal(t.pids[2], 16);
	assert_int_equal(t.pids[3], 12);
	assert_int_equal(t.pids[4], 15);
	assert_true(a.stop_all);
	assert_null(t.command);
	options_targets_free(&t);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_MANY, &t, "-p", "13,,x"), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_MANY, &t, "-p", ","), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_MANY, &t, "-r", "5"), OPTIONS_USAGE);
	/* without MANY a comma is no list */
	assert_int_equal(TARGETS(&a, 0, &t, "-p", "13,14"), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, 0, &t, "13", "14"), OPTIONS_USAGE);

	/* launch mode: everything after the first "--" is the command's, options included */
	argv = ARGV("-r", "50", "--", "make", "-r", "--", "test");
	assert_int_equal(parse_targets(&a, 7, argv, OPTIONS_TARGET_COMMAND, &t), OPTIONS_OK);
	assert_int_equal(a.rate, 50);
	assert_int_equal(t.npids, 0);
	assert_non_null(t.command);
	assert_ptr_equal(t.command, &argv[4]);
	assert_string_equal(t.command[0], "make");
	assert_string_equal(t.command[1], "-r");
	assert_string_equal(t.command[2], "--");
	assert_string_equal(t.command[3], "test");
	assert_null(t.command[4]);
	options_targets_free(&t);
	/* a PID and a command, an empty command, a command where none is allowed */
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_COMMAND, &t, "12", "--", "make"), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_COMMAND, &t, "-p", "12", "--", "make"), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_COMMAND, &t, "-r", "5", "--"), OPTIONS_USAGE);
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_MANY, &t, "--", "make"), OPTIONS_USAGE);
	/* holdup's options after "--" are not holdup's */
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_COMMAND, &t, "--", "sh", "-r", "0"), OPTIONS_OK);
	assert_int_equal(a.rate, 10);
	options_targets_free(&t);
	/* a PID still works where a command is allowed */
	assert_int_equal(TARGETS(&a, OPTIONS_TARGET_COMMAND, &t, "-r", "5", "42"), OPTIONS_OK);
	assert_int_equal(t.npids, 1);
	assert_int_equal(t.pids[0], 42);
	assert_null(t.command);
	options_targets_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_help_and_usage),
		cmocka_unit_test(test_parse_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
