/* test_corenote.c - holdup's core note: round trip, and truncated or corrupt notes refused without harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "corenote.h"
#include "snapshot.h"
#include "util.h"

static struct snapshot *
make(void)
{
	struct snapshot *s = snapshot_new(100);
	struct thread *t = snapshot_add_thread(s, 100);

	t = snapshot_add_thread(s, 101);
	t->name = xstrdup("worker");
	t->proc_state = 'S';
	t->wchan = xstrdup("futex_wait_queue");
	t->syscall = 202;
	t->syscall_args[0] = 0x1234;
	t->sched_slices = 7;
	t->cpu = 1;
	t->task_running = true;
	t->ns_tid = 7;
	s->taken.tv_sec = 1700000000;
	s->taken.tv_nsec = 5;
	s->taken_mono_ns = 123456789;
	s->libc_name = "glibc";
	s->glibc_version = 2036;
	s->pidns = true;
	s->ns_pid = 1;
	s->container = xstrdup("/docker/abc");
	s->fds = xcalloc(3, sizeof *s->fds);
	s->fds[0] = (struct fdlink){ 0, xstrdup("/dev/null") };
	s->fds[1] = (struct fdlink){ 3, xstrdup("socket:[42]") };
	s->nfds = 2;
	return s;
}

static void
test_roundtrip(void **state)
{
	struct snapshot *a = make(), *b = snapshot_new(100);
	struct err e = { "" };
	uint8_t *d;
	size_t n;

	(void)state;
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_encode(a, &d, &n), 0);
	assert_int_equal(corenote_apply(b, d, n, &e), 0);
	assert_string_equal(b->threads[0].name, "worker");
	assert_int_equal(b->threads[0].proc_state, 'S');
	assert_string_equal(b->threads[0].wchan, "futex_wait_queue");
	assert_int_equal(b->threads[0].syscall, 202);
	assert_int_equal(b->threads[0].syscall_args[0], 0x1234);
	assert_int_equal(b->threads[0].sched_slices, 7);
	assert_int_equal(b->threads[0].cpu, 1);
	assert_true(b->threads[0].task_running);
	assert_false(b->threads[0].on_cpu);
	/* the process records */
	assert_int_equal(b->taken.tv_sec, 1700000000);
	assert_int_equal(b->taken_mono_ns, 123456789);
	assert_string_equal(b->libc_name, "glibc");
	assert_int_equal(b->glibc_version, 2036);
	assert_non_null(b->glibc_source);
	assert_true(b->pidns);
	assert_int_equal(b->ns_pid, 1);
	assert_int_equal(b->threads[0].ns_tid, 7);
	assert_string_equal(b->container, "/docker/abc");
	assert_int_equal(b->nfds, 2);
	assert_string_equal(snapshot_fd_target(b, 3), "socket:[42]");
	assert_null(snapshot_fd_target(b, 1));
	free(d);
	snapshot_free(a);
	snapshot_free(b);
}

static void
test_truncated_and_corrupt(void **state)
{
	struct snapshot *a = make(), *b = snapshot_new(100);
	struct err e = { "" };
	uint8_t *d;
	size_t n;

	(void)state;
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_encode(a, &d, &n), 0);
	/* every truncation is refused (the full note has a record for each thread) */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(corenote_apply(b, d, k, &e), -1);
	/* wrong version */
	d[4] = 9;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	assert_non_null(strstr(e.msg, "version"));
	d[4] = 2;
	/* a thread count far beyond the bytes */
	d[8] = 0xff, d[9] = 0xff, d[10] = 0xff, d[11] = 0x7f;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	d[8] = 2, d[9] = d[10] = d[11] = 0;
	/* a string length past the end (first thread's name length) */
	d[18] = 0xff, d[19] = 0xff;
	assert_int_equal(corenote_apply(b, d, n, &e), -1);
	free(d);
	snapshot_free(a);
	snapshot_free(b);
}

/* Offset of the tagged record of this tag in an encoded note, or 0. */
static size_t
find_record(const uint8_t *d, size_t n, uint32_t tag, size_t *count_at)
{
	/* walk back from the end is not possible: walk forward from the last thread record by
	 * trying each offset whose record chain ends exactly at n */
	for (size_t at = 12; at + 4 <= n; at++) {
		uint32_t c = (uint32_t)d[at] | (uint32_t)d[at + 1] << 8 | (uint32_t)d[at + 2] << 16 | (uint32_t)d[at + 3] << 24;
		size_t off = at + 4, found = 0;
		uint32_t k;

		if (c == 0 || c > 8)
			continue;
		for (k = 0; k < c && off + 8 <= n; k++) {
			uint32_t t = (uint32_t)d[off] | (uint32_t)d[off + 1] << 8;
			uint32_t len = (uint32_t)d[off + 4] | (uint32_t)d[off + 5] << 8 | (uint32_t)d[off + 6] << 16;

			if (t == tag)
				found = off;
			off += 8 + len;
		}
		if (k == c && off == n && found != 0) {
			*count_at = at;
			return found;
		}
	}
	return 0;
}

static void
test_records(void **state)
{
	struct snapshot *a = make(), *b;
	struct err e = { "" };
	uint8_t *d, *x;
	size_t n, at = 0, fds;

	(void)state;
	assert_int_equal(corenote_encode(a, &d, &n), 0);
	/* a record of a tag this holdup does not know is skipped: the others still apply */
	fds = find_record(d, n, 3, &at);
	assert_true(fds > 0);
	x = xmalloc(n + 11);
	memcpy(x, d, n);
	x[at]++;
	memcpy(x + n, "\x63\0\0\0\x03\0\0\0abc", 11);
	b = snapshot_new(100);
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_apply(b, x, n + 11, &e), 0);
	assert_int_equal(b->nfds, 2);
	assert_int_equal(b->glibc_version, 2036);
	snapshot_free(b);
	/* descriptors out of order (fd 3 made 0, after fd 0): the record is refused, and said */
	memcpy(x, d, n);
	x[fds + 8 + 4 + 4 + 4 + 9] = 0;
	b = snapshot_new(100);
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_apply(b, x, n, &e), -1);
	assert_non_null(strstr(e.msg, "tag 3"));
	snapshot_free(b);
	/* a count of records beyond the bytes */
	memcpy(x, d, n);
	x[at] = 9;
	b = snapshot_new(100);
	snapshot_add_thread(b, 101);
	assert_int_equal(corenote_apply(b, x, n, &e), -1);
	snapshot_free(b);
	free(x);
	free(d);
	snapshot_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
