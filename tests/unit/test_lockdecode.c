/* test_lockdecode.c - glibc lock words decoded from hand-built byte images and hand-made waiting threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pthread.h>

#include "lockdecode.h"
#include "targetfile.h"
#include "syscalls.h"
#include "util.h"

static void
put32(uint8_t *img, size_t off, uint32_t v)
{
	memcpy(img + off, &v, sizeof v);
}

static const struct lockdecode_layout *
L236(void)
{
	/* the lock images below use x86-64 offsets, whatever the host */
	const struct lockdecode_layout *L = lockdecode_layout_lookup("x86_64", 2036);

	assert_non_null(L);
	return L;
}

static void
info_init(struct lockdecode_info *o, enum lock_kind k, uint64_t base, uint64_t futex)
{
	memset(o, 0, sizeof *o);
	o->kind = k;
	o->base = base;
	o->futex = futex;
	o->readers = o->count = o->queued = -1;
}

static void
test_versions(void **state)
{
	(void)state;
	assert_int_equal(lockdecode_parse_version("2.36"), 2036);
	assert_int_equal(lockdecode_parse_version("libc-2.31.so"), 2031);
	assert_int_equal(lockdecode_parse_version("2.36-9+deb12u4"), 2036);
	assert_int_equal(lockdecode_parse_version("libc.so.6"), 0);
	assert_int_equal(lockdecode_parse_version("x2.3"), 0);
	assert_non_null(lockdecode_layout_for(2025));
	assert_non_null(lockdecode_layout_for(2036));
	assert_null(lockdecode_layout_for(2017));
	/* 2.23/2.24: mutexes known, the pre-2.25 rwlock is not */
	assert_int_equal(lockdecode_layout_for(2024)->mutex_size, 40);
	assert_int_equal(lockdecode_layout_for(2024)->rw_size, 0);
	/* the table agrees with this machine's headers */
	assert_int_equal(L236()->mutex_size, sizeof(pthread_mutex_t));
	assert_int_equal(L236()->rw_size, sizeof(pthread_rwlock_t));
	assert_int_equal(L236()->cond_size, sizeof(pthread_cond_t));
	assert_int_equal(L236()->mutex_owner, offsetof(struct __pthread_mutex_s, __owner));
	assert_int_equal(L236()->mutex_kind, offsetof(struct __pthread_mutex_s, __kind));
	assert_int_equal(L236()->rw_cur_writer, offsetof(struct __pthread_rwlock_arch_t, __cur_writer));
	assert_int_equal(L236()->rw_flags, offsetof(struct __pthread_rwlock_arch_t, __flags));
	assert_int_equal(L236()->rw_writers_futex, offsetof(struct __pthread_rwlock_arch_t, __writers_futex));
	assert_int_equal(L236()->cond_g_signals0, offsetof(struct __pthread_cond_s, __g_signals));
	assert_int_equal(L236()->cond_wrefs, offsetof(struct __pthread_cond_s, __wrefs));
}

static void
test_mutex_normal_and_recursive(void **state)
{
	uint8_t img[40] = { 0 };
	struct lockdecode_info o;

	(void)state;
	put32(img, 0, 2);
	put32(img, 8, 1234);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	assert_int_equal(lockdecode_object(L236(), img, sizeof img, &o), 0);
	assert_true(o.holders_known);
	assert_int_equal(o.holder, 1234);
	assert_string_equal(o.variant, "normal");
	assert_int_equal(o.count, -1);
	assert_false(o.owner_died);

	put32(img, 4, 2);	/* __count */
	put32(img, 16, PTHREAD_MUTEX_RECURSIVE);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_string_equal(o.variant, "recursive");
	assert_int_equal(o.count, 2);
	assert_int_equal(o.holder, 1234);

	/* unlocked: known to have no holder */
	memset(img, 0, sizeof img);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_true(o.holders_known);
	assert_int_equal(o.holder, 0);

	/* garbage kind: not a glibc mutex, say so rather than guess */
	put32(img, 0, 2);
	put32(img, 8, 99);
	put32(img, 16, 0x12345);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_false(o.holders_known);
	assert_non_null(strstr(o.note, "owner unknown"));

	/* too short an image */
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	assert_int_equal(lockdecode_object(L236(), img, 20, &o), -1);
}

static void
test_mutex_robust_pi(void **state)
{
	uint8_t img[40] = { 0 };
	struct lockdecode_info o;

	(void)state;
	/* robust: TID in the futex word, FUTEX_WAITERS set */
	put32(img, 0, 0x80000000u | 555);
	put32(img, 8, 555);
	put32(img, 16, 16);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_string_equal(o.variant, "robust");
	assert_int_equal(o.holder, 555);
	assert_false(o.owner_died);

	/* the kernel marked the owner dead */
	put32(img, 0, 0x40000000u);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_true(o.owner_died);
	assert_int_equal(o.holder, 0);

	/* recovered with EOWNERDEAD by 777 but not made consistent */
	put32(img, 0, 0x80000000u | 777);
	put32(img, 8, 0x7fffffff);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_true(o.owner_died);
	assert_int_equal(o.holder, 777);
	assert_non_null(strstr(o.note, "consistent"));

	/* PI */
	put32(img, 0, 0x80000000u | 999);
	put32(img, 8, 999);
	put32(img, 16, 32);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1000);
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_string_equal(o.variant, "pi");
	assert_int_equal(o.holder, 999);
}

static void
test_rwlock(void **state)
{
	uint8_t img[56] = { 0 };
	struct lockdecode_info o;

	(void)state;
	/* 3 readers hold it, a primary writer (WRLOCKED) waits on __wrphase_futex */
	put32(img, 0, (3u << 3) | 2);
	put32(img, 8, 2);
	put32(img, 12, 3);
	put32(img, 4, 2);	/* two registered waiting writers */
	put32(img, 48, 2);
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x2008);
	o.want = WAIT_NONE;
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_int_equal(o.want, WAIT_RWLOCK_WRITE);
	assert_int_equal(o.readers, 3);
	assert_false(o.holders_known);
	assert_int_equal(o.holder, 0);
	assert_int_equal(o.queued, 2);
	assert_string_equal(o.variant, "prefer-writer-nonrecursive");
	assert_non_null(strstr(o.note, "3 readers"));

	/* a writer (4321) holds it, two readers wait for the write phase to end */
	memset(img, 0, sizeof img);
	put32(img, 0, (2u << 3) | 1 | 2);
	put32(img, 8, 3);
	put32(img, 24, 4321);
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x2008);
	o.want = WAIT_NONE;
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_int_equal(o.want, WAIT_RWLOCK_READ);
	assert_true(o.holders_known);
	assert_int_equal(o.holder, 4321);
	assert_int_equal(o.readers, 0);
	assert_string_equal(o.variant, "prefer-reader");

	/* writers queued on __writers_futex want to write */
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x200c);
	o.want = WAIT_NONE;
	lockdecode_object(L236(), img, sizeof img, &o);
	assert_int_equal(o.want, WAIT_RWLOCK_WRITE);
}

static void
test_cond_sem_barrier(void **state)
{
	uint8_t img[64] = { 0 };
	struct lockdecode_info o;

	(void)state;
	put32(img, 36, 3u << 3);
	info_init(&o, LOCK_CONDVAR, 0x3000, 0x3028);
	lockdecode_object(L236(), img, 48, &o);
	assert_int_equal(o.queued, 3);
	assert_false(o.holders_known);

	memset(img, 0, sizeof img);
	put32(img, 4, 2);
	put32(img, 8, 128);
	info_init(&o, LOCK_SEMAPHORE, 0x3000, 0x3000);
	lockdecode_object(L236(), img, 32, &o);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.queued, 2);
	assert_non_null(strstr(o.note, "2 waiters"));

	memset(img, 0, sizeof img);
	put32(img, 0, 2);
	put32(img, 8, 4);
	put32(img, 12, 128);
	info_init(&o, LOCK_BARRIER, 0x3000, 0x3004);
	lockdecode_object(L236(), img, 32, &o);
	assert_int_equal(o.count, 2);
	assert_non_null(strstr(o.note, "2 of 4"));
}

/* A snapshot with one glibc 2.36 mapping and a thread sleeping in futex(addr, op, val). */
static struct snapshot *
snap_with_waiter(uint64_t addr, uint64_t op, uint32_t val)
{
	struct snapshot *s = snapshot_new(100);
	struct thread *t;

	snapshot_parse_maps(s, "7f0000000000-7f0000200000 r-xp 00000000 08:01 1 /lib/x86_64-linux-gnu/libc-2.36.so\n");
	t = snapshot_add_thread(s, 100);
	t->proc_state = 'S';
	t->syscall = syscalls_number("futex");
	t->syscall_args[0] = addr;
	t->syscall_args[1] = op;
	t->syscall_args[2] = val;
	t = snapshot_add_thread(s, 101);
	t->proc_state = 'S';
	return s;
}

static void
test_thread_guesses(void **state)
{
	const char *how;
	uint8_t img[64] = { 0 };
	struct lockdecode_info o;
	struct snapshot *s;

	(void)state;
	s = snap_with_waiter(0, 0, 0);
	assert_int_equal(lockdecode_glibc_version(s, NULL, &how), 2036);
	assert_string_equal(how, "the libc file name");
	snapshot_free(s);
	/* mutex with no frames: value 2 and a plausible kind/owner */
	s = snap_with_waiter(0x5000, 128, 2);
	put32(img, 0, 2);
	put32(img, 8, 101);
	snapshot_add_memcopy(s, 0x5000, img, 40);
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_MUTEX);
	assert_int_equal(o.want, WAIT_MUTEX);
	assert_int_equal(o.base, 0x5000);
	assert_int_equal(o.holder, 101);
	snapshot_free(s);

	/* join: the value is another thread's TID and the word still holds it */
	s = snap_with_waiter(0x6000, 128 | 9, 101);
	memset(img, 0, sizeof img);
	put32(img, 0, 101);
	snapshot_add_memcopy(s, 0x6000, img, 8);
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_JOIN);
	assert_int_equal(o.want, WAIT_JOIN);
	assert_int_equal(o.holder, 101);
	snapshot_free(s);

	/* frames decide: an rwlock writer on __writers_futex; the base is 12 below */
	s = snap_with_waiter(0x700c, 128 | 9, 3);
	memset(img, 0, sizeof img);
	put32(img, 0, 1 | 2);
	put32(img, 12, 3);
	put32(img, 24, 101);
	snapshot_add_memcopy(s, 0x7000, img, 56);
	s->threads[0].frames = xcalloc(2, sizeof(struct frame));
	s->threads[0].nframes = 2;
	s->threads[0].frames[0].function = xstrdup("__futex_abstimed_wait_common");
	s->threads[0].frames[1].function = xstrdup("__pthread_rwlock_wrlock");
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_RWLOCK);
	assert_int_equal(o.want, WAIT_RWLOCK_WRITE);
	assert_int_equal(o.base, 0x7000);
	assert_int_equal(o.holder, 101);
	snapshot_free(s);

	/* a PI futex without a known glibc: the kernel's word still names the owner */
	s = snap_with_waiter(0x8000, 128 | 6, 0);
	memset(img, 0, sizeof img);
	put32(img, 0, 0x80000000u | 101);
	snapshot_add_memcopy(s, 0x8000, img, 8);
	assert_int_equal(lockdecode_thread(NULL, s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_MUTEX);
	assert_int_equal(o.holder, 101);
	assert_true(o.holders_known);
	snapshot_free(s);

	/* someone else's futex (a Rust Condvar, the Go runtime): its words look like a contended glibc
	 * mutex, but the named stack has no glibc lock function, so it stays a raw futex */
	s = snap_with_waiter(0x5000, 128, 2);
	memset(img, 0, sizeof img);
	put32(img, 0, 2);
	put32(img, 8, 101);
	snapshot_add_memcopy(s, 0x5000, img, 40);
	s->threads[0].frames = xcalloc(2, sizeof(struct frame));
	s->threads[0].nframes = 2;
	s->threads[0].frames[0].function = xstrdup("syscall");
	s->threads[0].frames[1].function = xstrdup("std::sys::unix::locks::futex_condvar::Condvar::wait");
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_FUTEX);
	assert_false(o.holders_known);
	snapshot_free(s);
	/* an unnamed stack whose wait comes from outside libc (a stripped Go binary): no guess either */
	s = snap_with_waiter(0x5000, 128, 2);
	snapshot_add_memcopy(s, 0x5000, img, 40);
	s->threads[0].frames = xcalloc(1, sizeof(struct frame));
	s->threads[0].nframes = 1;
	s->threads[0].frames[0].module = xstrdup("/usr/local/bin/goserver");
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_FUTEX);
	snapshot_free(s);
	/* ... but an unnamed one in libc (no debug symbols) is still guessed from the words */
	s = snap_with_waiter(0x5000, 128, 2);
	snapshot_add_memcopy(s, 0x5000, img, 40);
	s->threads[0].frames = xcalloc(1, sizeof(struct frame));
	s->threads[0].nframes = 1;
	s->threads[0].frames[0].module = xstrdup("/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(lockdecode_thread(L236(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_MUTEX);
	snapshot_free(s);

	/* unknown glibc, plain futex: owner unknown */
	s = snap_with_waiter(0x9000, 128, 7);
	assert_int_equal(lockdecode_thread(NULL, s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_FUTEX);
	assert_false(o.holders_known);
	assert_non_null(strstr(o.note, "owner unknown"));
	/* not in a futex wait */
	assert_int_equal(lockdecode_thread(NULL, s, &s->threads[1], &o), -1);
	/* stopped after the /proc read, no longer in the futex: not waiting */
	s->threads[0].regs_valid = true;
	s->threads[0].regs.syscall_nr = -1;
	assert_int_equal(lockdecode_thread(NULL, s, &s->threads[0], &o), -1);
	snapshot_free(s);
}

/* The version string ending exactly at the end of the reader's 64 KiB chunk: parsed within it
 * (strtol ran past the buffer's end: ASan in SAN=1 builds). */
static void
test_version_at_chunk_end(void **state)
{
	static const char tail[] = "GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36";
	char path[] = "/tmp/holdup-test-libc.XXXXXX";
	char *buf = xmalloc(1 << 16);
	struct snapshot *s = snapshot_new(getpid());
	struct targetfile_root root;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	memset(buf, 'x', 1 << 16);
	memcpy(buf + (1 << 16) - (sizeof tail - 1), tail, sizeof tail - 1);
	assert_int_equal(write(fd, buf, 1 << 16), 1 << 16);
	close(fd);
	s->exe = xstrdup(path);		/* no libc mapping: read as a static executable */
	assert_int_equal(targetfile_root_init_dir(&root, "/", NULL), 0);
	assert_int_equal(lockdecode_glibc_version(s, &root, NULL), 2036);
	targetfile_root_done(&root);
	unlink(path);
	snapshot_free(s);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_mutex_normal_and_recursive),
		cmocka_unit_test(test_mutex_robust_pi),
		cmocka_unit_test(test_rwlock),
		cmocka_unit_test(test_cond_sem_barrier),
		cmocka_unit_test(test_thread_guesses),
		cmocka_unit_test(test_version_at_chunk_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
