/* test_broker.c - the broker makes only new files in its own directories, removes and hands to hooks only files it made, in this process and forked. */
#include <errno.h>
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

#include "broker.h"
#include "util.h"

static void
broker_checks(bool forked)
{
	char dir[] = "/tmp/holdup-broker.XXXXXX", path[256], out[300], buf[64];
	struct broker_opts o = { .dirs = { NULL } };
	struct err e = { "" };
	struct broker *b;
	struct stat sb;
	FILE *f;
	int fd;

	assert_non_null(mkdtemp(dir));
	o.dirs[0] = dir;
	snprintf(out, sizeof out, "%s/hook.out", dir);
	/* the hook copies its first argument's contents and its reason into hook.out */
	char *cmd = xasprintf("cat \"$1\" > %s; printf ' %%s' \"$HOLDUP_REASON\" >> %s", out, out);
	o.exec = cmd;
	b = forked ? broker_fork(&o, &e) : broker_local(&o);
	assert_non_null(b);

	fd = broker_create(b, dir, "a.txt");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "dump", 4), 4);
	close(fd);
	snprintf(path, sizeof path, "%s/a.txt", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* an existing name, a name with a slash, a directory not given */
	assert_int_equal(broker_create(b, dir, "a.txt"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(broker_create(b, dir, "../escape"), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(broker_create(b, dir, ".."), -1);
	assert_int_equal(broker_create(b, "/tmp", "x.txt"), -1);
	assert_int_equal(errno, EPERM);
	/* a planted symlink is not followed */
	snprintf(path, sizeof path, "%s/link.txt", dir);
	assert_int_equal(symlink("/tmp/holdup-broker-nowhere", path), 0);
	assert_int_equal(broker_create(b, dir, "link.txt"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(access("/tmp/holdup-broker-nowhere", F_OK), -1);

	/* hooks get only files the broker made */
	assert_int_equal(broker_exec(b, "/etc/passwd", "", "", "r"), -1);
	assert_int_equal(errno, EPERM);
	snprintf(path, sizeof path, "%s/a.txt", dir);
	assert_true(broker_exec(b, path, NULL, NULL, "deadlock") > 0);
	broker_reap(b, 5);

	/* removes what it made, nothing else */
	assert_int_equal(broker_unlink(b, dir, "link.txt"), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(broker_unlink(b, dir, "a.txt"), 0);
	assert_int_equal(access(path, F_OK), -1);
	broker_free(b, 5);

	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "dump deadlock");
	unlink(out);
	snprintf(path, sizeof path, "%s/link.txt", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	free(cmd);
}

static void
test_broker_local(void **state)
{
	(void)state;
	broker_checks(false);
}

static void
test_broker_forked(void **state)
{
	(void)state;
	broker_checks(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broker_local),
		cmocka_unit_test(test_broker_forked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
