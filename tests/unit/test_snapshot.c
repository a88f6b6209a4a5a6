/* test_snapshot.c - the snapshot's names for analysis results (the JSON/text vocabulary) and their freeing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapshot.h"
#include "util.h"

static void
test_lock_kind_names(void **state)
{
	static const char *const want[LOCK_KIND_COUNT] = {
		"mutex", "rwlock", "condvar", "semaphore", "barrier", "join", "futex", "go-mutex", "go-rwmutex",
		"rust-mutex", "rust-rwlock", "rust-condvar",
	};

	(void)state;
	for (int k = 0; k < LOCK_KIND_COUNT; k++)
		assert_string_equal(snapshot_lock_kind_name((enum lock_kind)k), want[k]);
	assert_string_equal(snapshot_lock_kind_name(LOCK_KIND_COUNT), "futex");
	assert_string_equal(snapshot_lock_kind_name((enum lock_kind)-1), "futex");
}

static void
test_go_status_names(void **state)
{
	(void)state;
	assert_string_equal(snapshot_go_status_name(0), "idle");
	assert_string_equal(snapshot_go_status_name(1), "runnable");
	assert_string_equal(snapshot_go_status_name(2), "running");
	assert_string_equal(snapshot_go_status_name(3), "syscall");
	assert_string_equal(snapshot_go_status_name(4), "waiting");
	assert_string_equal(snapshot_go_status_name(6), "dead");
	assert_string_equal(snapshot_go_status_name(8), "copystack");
	assert_string_equal(snapshot_go_status_name(9), "preempted");
	assert_string_equal(snapshot_go_status_name(10), "unknown");
	assert_string_equal(snapshot_go_status_name(UINT32_MAX), "unknown");
	/* the garbage collector's scan bit does not change the name */
	assert_string_equal(snapshot_go_status_name(0x1000 | 4), "waiting");
	assert_string_equal(snapshot_go_status_name(0x1000 | 2), "running");
}

static void
test_go_wait_role_names(void **state)
{
	(void)state;
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_NONE), "none");
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_SEMA), "semaphore");
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_MUTEX), "go-mutex");
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_RW_WRITER), "go-rwmutex-writer");
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_RW_QUEUED), "go-rwmutex-queued");
	assert_string_equal(snapshot_go_wait_role_name(GOWAIT_RW_READER), "go-rwmutex-reader");
	assert_string_equal(snapshot_go_wait_role_name((enum go_wait_role)99), "none");
}

/* Locks, deadlocks and goroutines with every owned pointer set; the sanitizer build checks nothing leaks. */
static void
fill_results(struct snapshot *s)
{
	struct goroutine *g;

	s->nlocks = 2;
	s->locks = xcalloc(s->nlocks, sizeof *s->locks);
	s->locks[0].symbol = xstrdup("accounts_lock");
	s->locks[0].variant = xstrdup("normal");
	s->locks[0].holders = xcalloc(1, sizeof *s->locks[0].holders);
	s->locks[0].nholders = 1;
	s->locks[0].waiters = xcalloc(2, sizeof *s->locks[0].waiters);
	s->locks[0].nwaiters = 2;
	s->locks[0].note = xstrdup("a note");
	s->locks[1].kind = LOCK_GO_MUTEX;
	s->locks[1].go_waiters = xcalloc(3, sizeof *s->locks[1].go_waiters);
	s->locks[1].ngo_waiters = 3;
	s->ndeadlocks = 1;
	s->deadlocks = xcalloc(1, sizeof *s->deadlocks);
	s->deadlocks[0].threads = xcalloc(2, sizeof *s->deadlocks[0].threads);
	s->deadlocks[0].locks = xcalloc(2, sizeof *s->deadlocks[0].locks);
	s->deadlocks[0].nthreads = s->deadlocks[0].nlocks = 2;

	s->go = xcalloc(1, sizeof *s->go);
	s->go->version = xstrdup("go1.22.1");
	s->go->error = xstrdup("an error");
	s->go->notes = xcalloc(1, sizeof *s->go->notes);
	s->go->notes[0] = xstrdup("a note");
	s->go->nnotes = 1;
	s->go->gs = g = xcalloc(1, sizeof *s->go->gs);
	s->go->ngs = 1;
	g->wait_reason = xstrdup("semacquire");
	g->created_by.function = xstrdup("main.main");
	g->created_by.module = xstrdup("/bin/x");
	g->created_by.file = xstrdup("main.go");
	g->frames = xcalloc(1, sizeof *g->frames);
	g->frames[0].function = xstrdup("sync.(*Mutex).Lock");
	g->nframes = 1;
	g->unwind_error = xstrdup("stack unreadable");
}

static void
test_results_free(void **state)
{
	struct snapshot *s = snapshot_new(1);

	(void)state;
	fill_results(s);
	snapshot_locks_free(s);
	assert_null(s->locks);
	assert_int_equal(s->nlocks, 0);
	assert_null(s->deadlocks);
	assert_int_equal(s->ndeadlocks, 0);
	snapshot_locks_free(s);		/* nothing left: a second reset is harmless */
	snapshot_goinfo_free(s->go);
	s->go = NULL;
	snapshot_goinfo_free(NULL);
	/* and snapshot_free frees whatever analysis left */
	fill_results(s);
	snapshot_free(s);
}

/* A fake target: bytes are their address's low byte; 0x10800-0x20000 is unreadable (so the page
 * at 0x10000 cannot be read whole). Counts the reads. */
static int fake_reads;

static ssize_t
fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	size_t n = len;

	(void)ctx;
	fake_reads++;
	if (addr >= 0x10800 && addr < 0x20000)
		return -1;
	if (addr < 0x10800 && addr + len > 0x10800)
		n = (size_t)(0x10800 - addr);
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = (uint8_t)(addr + i);
	return (ssize_t)n;
}

static void
test_page_cache(void **state)
{
	struct snapshot *s = snapshot_new(1);
	uint8_t b[64];
	uint64_t w;

	(void)state;
	s->read_fallback = fake_read;
	snapshot_record_reads(s);
	fake_reads = 0;
	/* words of one page: one read of the target */
	for (uint64_t a = 0x3000; a < 0x3100; a += 8)
		assert_int_equal(snapshot_read(s, a, &w, sizeof w), sizeof w);
	assert_int_equal(fake_reads, 1);
	assert_int_equal(w, 0xfffefdfcfbfaf9f8ull);
	/* across two pages: both read once, the bytes in order */
	assert_int_equal(snapshot_read(s, 0x4ff8, b, 16), 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(b[i], (uint8_t)(0xf8 + i));
	assert_int_equal(fake_reads, 3);
	assert_int_equal(snapshot_read(s, 0x5000, b, 8), 8);
	assert_int_equal(fake_reads, 3);
	/* a page that cannot be read whole: the read goes to the target as asked, partial as it is */
	assert_int_equal(snapshot_read(s, 0x107f8, b, 16), 8);
	assert_int_equal(b[0], 0xf8);
	assert_int_equal(snapshot_read(s, 0x10900, b, 8), -1);
	/* the log holds what was asked, not whole pages */
	assert_non_null(s->readlog);
	for (size_t i = 0; i < s->readlog->n; i++)
		assert_true(s->readlog->reads[i].len <= 16);
	snapshot_free(s);
}

/* The batched read of the same fake target: it stops at the first page that cannot be read. */
static int fake_batches;

static size_t
fake_read_pages(void *ctx, const uint64_t *pa, uint8_t *const *bufs, size_t n)
{
	size_t i;

	(void)ctx;
	fake_batches++;
	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		assert_int_equal(pa[i] % 4096, 0);
		if (pa[i] + 4096 > 0x10800 && pa[i] < 0x20000)
			break;
		for (size_t k = 0; k < 4096; k++)
			bufs[i][k] = (uint8_t)(pa[i] + k);
	}
	return i;
}

static void
test_prefetch(void **state)
{
	struct snapshot *s = snapshot_new(1);
	uint64_t addrs[200], w;
	size_t n = 0;

	(void)state;
	s->read_fallback = fake_read;
	s->read_pages = fake_read_pages;
	fake_reads = fake_batches = 0;
	/* 100 pages, each named twice, and nulls: two batches of at most 64, no single reads after */
	for (uint64_t a = 0x20000; a < 0x20000 + 100 * 4096; a += 4096) {
		addrs[n++] = a + 100;
		addrs[n++] = a == 0x20000 ? 0 : a - 4096 + 4000;
	}
	snapshot_prefetch(s, addrs, n);
	assert_in_range(fake_batches, 2, 3);
	for (size_t i = 0; i < n; i++)
		if (addrs[i] != 0) {
			assert_int_equal(snapshot_read(s, addrs[i], &w, sizeof w), sizeof w);
			assert_int_equal((uint8_t)w, (uint8_t)addrs[i]);
		}
	/* the pages that shared a slot with another of their batch were read one by one */
	assert_true(fake_reads < 100);
	/* a batch that meets an unreadable page: the pages after it are not taken for read */
	fake_reads = 0;
	addrs[0] = 0xe000;
	addrs[1] = 0x10000;	/* cannot be read whole */
	addrs[2] = 0xf000;
	snapshot_prefetch(s, addrs, 3);
	assert_int_equal(snapshot_read(s, 0xe008, &w, sizeof w), sizeof w);
	assert_int_equal(fake_reads, 0);
	assert_int_equal(snapshot_read(s, 0xf010, &w, sizeof w), sizeof w);
	assert_int_equal((uint8_t)w, 0x10);
	assert_int_equal(fake_reads, 1);
	assert_int_equal(snapshot_read(s, 0x107f8, &w, sizeof w), sizeof w);
	/* a snapshot without a batched reader: nothing happens */
	s->read_pages = NULL;
	fake_batches = 0;
	addrs[0] = 0x90000;
	snapshot_prefetch(s, addrs, 1);
	assert_int_equal(fake_batches, 0);
	snapshot_free(s);
}

static void
test_stack_index(void **state)
{
	struct snapshot *s = snapshot_new(1);
	uint8_t b[8];
	struct thread *t;

	(void)state;
	/* 3 stacks, out of order; one longer than the others */
	for (int i = 0; i < 3; i++) {
		uint64_t base = (uint64_t)(3 - i) * 0x100000;
		size_t len = i == 1 ? 0x8000 : 0x1000;

		t = snapshot_add_thread(s, 10 + i);
		t->stack_addr = base;
		t->stack_len = len;
		t->stack = xmalloc(len);
		for (size_t k = 0; k < len; k++)
			t->stack[k] = (uint8_t)(i * 16 + k % 16);
	}
	snapshot_index_stacks(s);
	assert_int_equal(snapshot_read(s, 0x300000, b, 8), 8);	/* thread 0's */
	assert_int_equal(b[0], 0);
	assert_int_equal(snapshot_read(s, 0x200000 + 0x7ff8, b, 8), 8);	/* the long one's end */
	assert_int_equal(b[0], 16 + 8);
	assert_int_equal(snapshot_read(s, 0x100ffc, b, 8), -1);	/* across a copy's end: not in it */
	assert_int_equal(snapshot_read(s, 0x180000, b, 8), -1);	/* between copies */
	/* a thread added after the index: still found (the index is not used then) */
	t = snapshot_add_thread(s, 20);
	t->stack_addr = 0x500000;
	t->stack_len = 16;
	t->stack = xcalloc(1, 16);
	t->stack[0] = 0x77;
	assert_int_equal(snapshot_read(s, 0x500000, b, 8), 8);
	assert_int_equal(b[0], 0x77);
	snapshot_free(s);
}

/* Packed frames hold copies of the borrowed strings in their own allocation, one module string
 * for consecutive frames of the same module; snapshot_frame_own makes one replaceable again. */
static void
test_frames_pack(void **state)
{
	char fn0[] = "f0", fn2[] = "main", mod[] = "/usr/lib/libx.so", mod2[] = "/bin/app", file[] = "a.c";
	struct frame *f = xcalloc(4, sizeof *f);

	(void)state;
	f[0] = (struct frame){ .pc = 1, .function = fn0, .module = mod, .file = file, .line = 3 };
	f[1] = (struct frame){ .pc = 2, .module = mod };		/* no symbol, no file */
	f[2] = (struct frame){ .pc = 3, .function = fn2, .module = mod2 };
	f[3] = (struct frame){ .pc = 4 };
	snapshot_frames_pack(&f, 4);
	for (int i = 0; i < 4; i++) {
		assert_true(f[i].packed);
		assert_int_equal(f[i].pc, (uint64_t)i + 1);
	}
	/* copies, not the borrowed strings */
	assert_ptr_not_equal(f[0].function, fn0);
	assert_string_equal(f[0].function, "f0");
	assert_string_equal(f[0].file, "a.c");
	assert_int_equal(f[0].line, 3);
	assert_string_equal(f[0].module, mod);
	assert_ptr_equal(f[1].module, f[0].module);
	assert_null(f[1].function);
	assert_null(f[1].file);
	assert_string_equal(f[2].function, "main");
	assert_string_equal(f[2].module, "/bin/app");
	assert_null(f[3].module);
	/* inside the one allocation, after the array */
	assert_true(f[2].module > (char *)(f + 4));
	mod[0] = 'X';
	assert_string_equal(f[0].module, "/usr/lib/libx.so");
	snapshot_frame_own(&f[2]);
	assert_false(f[2].packed);
	free(f[2].function);
	f[2].function = xstrdup("renamed");
	assert_string_equal(f[0].function, "f0");
	/* freed without freeing the packed strings one by one (ASan would see it) */
	snapshot_frames_free(f, 4);
	f = NULL;
	snapshot_frames_pack(&f, 0);
	assert_null(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_kind_names),
		cmocka_unit_test(test_go_status_names),
		cmocka_unit_test(test_go_wait_role_names),
		cmocka_unit_test(test_results_free),
		cmocka_unit_test(test_page_cache),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_frames_pack),
		cmocka_unit_test(test_stack_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
