/* test_output_core.c - a snapshot saved as an ELF core reads back through the core reader: threads, registers, stacks, the HOLDUP note. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "output_core.h"
#include "snapshot.h"
#include "util.h"

static void
test_save_and_read_back(void **state)
{
	struct snapshot *a = snapshot_new(500), *b = NULL;
	struct capture *c = NULL;
	struct err e = { "" };
	struct thread *t;
	char path[64];
	int fd;

	(void)state;
	for (pid_t tid = 500; tid < 502; tid++) {
		t = snapshot_add_thread(a, tid);
		t->regs_valid = true;
		t->regs.pc = 0x401000 + (uint64_t)tid;
		t->regs.sp = 0x7ff000 + 0x1000 * (uint64_t)(tid - 500);
		t->regs.syscall_nr = 202;
		t->stack_addr = t->regs.sp;
		t->stack_len = 256;
		t->stack = xmalloc(256);
		memset(t->stack, 0x40 + (tid - 500), 256);
		t->name = xstrdup(tid == 500 ? "main" : "worker");
		t->proc_state = 'S';
		t->wchan = xstrdup("futex_wait_queue");
	}
	fd = memfd_create("core", 0);
	assert_true(fd >= 0);
	assert_int_equal(output_core_write(a, fd, &e), 0);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	assert_int_equal(capture_open_core(path, NULL, &c, &e), 0);
	assert_int_equal(capture_snapshot(c, &b, &e), 0);
	capture_close(c);
	assert_int_equal(b->nthreads, 2);
	for (size_t i = 0; i < 2; i++) {
		struct thread *x = snapshot_find_thread(b, a->threads[i].tid);
		uint8_t buf[16];

		assert_non_null(x);
		assert_int_equal(x->regs.pc, a->threads[i].regs.pc);
		assert_int_equal(x->regs.sp, a->threads[i].regs.sp);
		assert_string_equal(x->name, a->threads[i].name);
		assert_int_equal(x->proc_state, 'S');
		assert_string_equal(x->wchan, "futex_wait_queue");
		assert_int_equal(snapshot_read(b, a->threads[i].stack_addr + 8, buf, sizeof buf), sizeof buf);
		assert_int_equal(buf[0], 0x40 + i);
	}
	close(fd);
	snapshot_free(a);
	snapshot_free(b);
}

static ssize_t
fake_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(addr + i);
	return (ssize_t)len;
}

/* What analysis read through the fallback is recorded and saved: the saved core answers the same reads. */
static void
test_read_log_saved(void **state)
{
	struct snapshot *a = snapshot_new(600), *b = NULL;
	struct capture *c = NULL;
	struct err e = { "" };
	struct thread *t = snapshot_add_thread(a, 600);
	uint8_t x[8], y[8];
	char path[64];
	int fd;

	(void)state;
	t->regs_valid = true;
	a->read_fallback = fake_target;
	assert_int_equal(snapshot_read(a, 0x5000, x, sizeof x), sizeof x);	/* not recorded yet */
	snapshot_record_reads(a);
	assert_int_equal(snapshot_read(a, 0x6010, x, sizeof x), sizeof x);
	assert_int_equal(a->readlog->n, 1);
	fd = memfd_create("core", 0);
	assert_int_equal(output_core_write(a, fd, &e), 0);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	assert_int_equal(capture_open_core(path, NULL, &c, &e), 0);
	assert_int_equal(capture_snapshot(c, &b, &e), 0);
	capture_close(c);
	assert_int_equal(snapshot_read(b, 0x6010, y, sizeof y), sizeof y);
	assert_memory_equal(x, y, sizeof x);
	assert_true(snapshot_read(b, 0x5000, y, sizeof y) < 0);
	close(fd);
	snapshot_free(a);
	snapshot_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_and_read_back),
		cmocka_unit_test(test_read_log_saved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
