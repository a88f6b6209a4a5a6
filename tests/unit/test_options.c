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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_help_and_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
