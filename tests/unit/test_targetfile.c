/* test_targetfile.c - opening a target's files: inside its root, never blocking, regular files only, the mapped file or none. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "targetfile.h"

static char root[64];

static void
put_file(const char *rel, const char *text)
{
	char *p = xasprintf("%s%s", root, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void
in_root(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", root, rel);
}

static int
setup(void **state)
{
	char p[128];

	(void)state;
	strcpy(root, "/tmp/holdup-tf.XXXXXX");
	assert_non_null(mkdtemp(root));
	in_root("/lib", p, sizeof p);
	assert_int_equal(mkdir(p, 0755), 0);
	in_root("/dev", p, sizeof p);
	assert_int_equal(mkdir(p, 0755), 0);
	put_file("/lib/libc.so.6", "inside the root");
	in_root("/lib/fifo", p, sizeof p);
	assert_int_equal(mkfifo(p, 0600), 0);
	in_root("/lib/abs", p, sizeof p);
	assert_int_equal(symlink("/lib/libc.so.6", p), 0);
	in_root("/lib/escape", p, sizeof p);
	assert_int_equal(symlink("../../../../../../etc/hostname-holdup-none", p), 0);
	in_root("/lib/zero", p, sizeof p);
	assert_int_equal(symlink("/dev/zero", p), 0);
	in_root("/lib/magic", p, sizeof p);
	assert_int_equal(symlink("/proc/self/exe", p), 0);
	/* a FIFO open must never block: if it did, the test dies here instead of hanging */
	alarm(20);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", root);

	(void)state;
	alarm(0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static int
open_rel(struct targetfile_root *r, const char *path, const struct targetfile_want *w, struct err *e)
{
	enum targetfile_how how;
	int fd = targetfile_open(r, path, w, &how, e);

	if (fd >= 0)
		assert_int_equal(how, TARGETFILE_ROOT);
	return fd;
}

static void
test_inside_root(void **state)
{
	struct targetfile_root r;
	struct err e = { "" };
	char buf[64] = "";
	int fd;

	(void)state;
	assert_int_equal(targetfile_root_init_dir(&r, root, &e), 0);
	fd = open_rel(&r, "/lib/libc.so.6", NULL, &e);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	assert_string_equal(buf, "inside the root");
	close(fd);
	/* an absolute symlink resolves against the target's root, not holdup's */
	fd = open_rel(&r, "/lib/abs", NULL, &e);
	assert_true(fd >= 0);
	memset(buf, 0, sizeof buf);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	assert_string_equal(buf, "inside the root");
	close(fd);
	/* ".." stops at the root */
	assert_int_equal(open_rel(&r, "/lib/escape", NULL, &e), -1);
	assert_int_equal(open_rel(&r, "/../../etc/passwd", NULL, &e), -1);
	/* the host's /proc/self/exe is never reached */
	assert_int_equal(open_rel(&r, "/lib/magic", NULL, &e), -1);
	assert_int_equal(open_rel(&r, "lib/libc.so.6", NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not an absolute path"));
	targetfile_root_done(&r);
}

static void
test_not_regular(void **state)
{
	struct targetfile_root r;
	struct err e = { "" };

	(void)state;
	assert_int_equal(targetfile_root_init_dir(&r, root, &e), 0);
	assert_int_equal(open_rel(&r, "/lib/fifo", NULL, &e), -1);
	assert_non_null(strstr(e.msg, "a FIFO"));
	assert_int_equal(open_rel(&r, "/lib", NULL, &e), -1);
	assert_non_null(strstr(e.msg, "a directory"));
	/* /dev/zero of the root: there is none here, and the host's is never used */
	assert_int_equal(open_rel(&r, "/lib/zero", NULL, &e), -1);
	targetfile_root_done(&r);
	/* and with a real /dev/zero under the root, it is refused as a device */
	assert_int_equal(targetfile_root_init_dir(&r, "/", &e), 0);
	assert_int_equal(open_rel(&r, "/dev/zero", NULL, &e), -1);
	assert_non_null(strstr(e.msg, "a device"));
	targetfile_root_done(&r);
}

static void
test_mapped_file_check(void **state)
{
	struct targetfile_root r;
	struct targetfile_want w = { 0 };
	struct err e = { "" };
	struct stat st;
	char p[128];
	int fd;

	(void)state;
	in_root("/lib/libc.so.6", p, sizeof p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(targetfile_root_init_dir(&r, root, &e), 0);
	w.dev = targetfile_dev_from_maps(major(st.st_dev), minor(st.st_dev));
	w.ino = st.st_ino;
	fd = open_rel(&r, "/lib/libc.so.6", &w, &e);
	assert_true(fd >= 0);
	close(fd);
	/* the " (deleted)" suffix the kernel adds is not part of the name */
	fd = open_rel(&r, "/lib/libc.so.6 (deleted)", &w, &e);
	assert_true(fd >= 0);
	close(fd);
	/* another inode of that name (the file was replaced) is refused */
	w.ino = st.st_ino + 1;
	assert_int_equal(open_rel(&r, "/lib/libc.so.6", &w, &e), -1);
	assert_non_null(strstr(e.msg, "not the mapped file"));
	/* a size bound */
	w.ino = st.st_ino;
	w.max_size = 3;
	assert_int_equal(open_rel(&r, "/lib/libc.so.6", &w, &e), -1);
	assert_non_null(strstr(e.msg, "more than holdup reads"));
	targetfile_root_done(&r);
}

static void
test_map_files(void **state)
{
	struct targetfile_root r;
	struct targetfile_want w = { 0 };
	enum targetfile_how how = TARGETFILE_HOST;
	struct err e = { "" };
	char p[128], buf[32] = "";
	void *m;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	in_root("/lib/libc.so.6", p, sizeof p);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(m != MAP_FAILED);
	close(fd);
	/* removed after mapping: only map_files still reaches it */
	assert_int_equal(unlink(p), 0);
	targetfile_root_init(&r, getpid());
	assert_null(r.error);
	w.map_start = (uintptr_t)m;
	w.map_end = (uintptr_t)m + 4096;
	fd = targetfile_open(&r, "/tmp/nowhere/libc.so.6 (deleted)", &w, &how, &e);
	assert_true(fd >= 0);
	assert_int_equal(how, TARGETFILE_MAP_FILES);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	assert_string_equal(buf, "inside the root");
	close(fd);
	munmap(m, 4096);
	put_file("/lib/libc.so.6", "inside the root");
	targetfile_root_done(&r);
}

static void
test_host(void **state)
{
	struct err e = { "" };
	char p[128];
	int fd;

	(void)state;
	fd = targetfile_open_host("/etc/passwd", 0, &e);
	if (geteuid() == 0 || fd >= 0) {
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(targetfile_open_host("/dev/null", 0, &e), -1);
	/* a file in a directory anyone may write (/tmp) is not trusted */
	in_root("/lib/libc.so.6", p, sizeof p);
	assert_int_equal(targetfile_open_host(p, 0, &e), -1);
}

static void
test_undeleted(void **state)
{
	bool d;
	char *s;

	(void)state;
	s = targetfile_undeleted("/usr/bin/x (deleted)", &d);
	assert_true(d);
	assert_string_equal(s, "/usr/bin/x");
	free(s);
	s = targetfile_undeleted(" (deleted)", &d);
	assert_false(d);
	free(s);
	s = targetfile_undeleted("/a", &d);
	assert_false(d);
	assert_string_equal(s, "/a");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_root),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_mapped_file_check),
		cmocka_unit_test(test_map_files),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_undeleted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
