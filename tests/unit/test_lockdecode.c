/* test_lockdecode.c - glibc and musl lock words decoded from hand-built byte images and hand-made waiting threads. */
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
	assert_int_equal(lockdecode_layout_for(2024)->mutex_size, sizeof(pthread_mutex_t));
	assert_int_equal(lockdecode_layout_for(2024)->rw_size, 0);
	/* the table agrees with this machine's headers */
	assert_int_equal(lockdecode_layout_for(2036)->mutex_size, sizeof(pthread_mutex_t));
	assert_int_equal(lockdecode_layout_for(2036)->rw_size, sizeof(pthread_rwlock_t));
	assert_int_equal(lockdecode_layout_for(2036)->cond_size, sizeof(pthread_cond_t));
	assert_int_equal(lockdecode_layout_for(2036)->mutex_owner, offsetof(struct __pthread_mutex_s, __owner));
	assert_int_equal(lockdecode_layout_for(2036)->mutex_kind, offsetof(struct __pthread_mutex_s, __kind));
	assert_int_equal(lockdecode_layout_for(2036)->rw_cur_writer, offsetof(struct __pthread_rwlock_arch_t, __cur_writer));
	assert_int_equal(lockdecode_layout_for(2036)->rw_flags, offsetof(struct __pthread_rwlock_arch_t, __flags));
	assert_int_equal(lockdecode_layout_for(2036)->rw_writers_futex, offsetof(struct __pthread_rwlock_arch_t, __writers_futex));
	assert_int_equal(lockdecode_layout_for(2036)->cond_g_signals0, offsetof(struct __pthread_cond_s, __g_signals));
	assert_int_equal(lockdecode_layout_for(2036)->cond_wrefs, offsetof(struct __pthread_cond_s, __wrefs));
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
	t->syscall = syscalls_number(arch_native, "futex");
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

static const struct lockdecode_layout *
Lmusl(void)
{
	const struct lockdecode_layout *L = lockdecode_layout_find("musl", "x86_64", 0);

	assert_non_null(L);
	return L;
}

/* musl's rows: keyed by libc, found for an unknown version (a static musl records none), sizes. */
static void
test_musl_layout(void **state)
{
	const struct lockdecode_layout *L = Lmusl();

	(void)state;
	assert_true(lockdecode_is_musl(L));
	assert_false(lockdecode_is_musl(L236()));
	assert_false(lockdecode_is_musl(NULL));
	assert_ptr_equal(lockdecode_layout_find("musl", "x86_64", 1002), L);
	assert_null(lockdecode_layout_find("musl", "aarch64", 1002));
	assert_null(lockdecode_layout_find("glibc", "x86_64", 0));
	assert_null(lockdecode_layout_find("uclibc", "x86_64", 2036));
	assert_ptr_equal(lockdecode_layout_find("glibc", "x86_64", 2036), L236());
	assert_int_equal(lockdecode_size(L, LOCK_MUTEX), 40);
	assert_int_equal(lockdecode_size(L, LOCK_RWLOCK), 56);
	assert_int_equal(lockdecode_size(L, LOCK_CONDVAR), 48);
	assert_int_equal(lockdecode_size(L, LOCK_SEMAPHORE), 32);
	assert_int_equal(lockdecode_size(L, LOCK_BARRIER), 0);
}

static void
test_musl_mutex(void **state)
{
	uint8_t img[40] = { 0 };
	struct lockdecode_info o;

	(void)state;
	/* normal: EBUSY and the waiters bit, no owner anywhere */
	put32(img, 4, 0x80000010u);
	put32(img, 8, 1);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	assert_int_equal(lockdecode_object(Lmusl(), img, sizeof img, &o), 0);
	assert_string_equal(o.variant, "normal");
	assert_false(o.holders_known);
	assert_int_equal(o.holder, 0);
	assert_int_equal(o.queued, 1);
	assert_non_null(strstr(o.note, "records no owner"));
	/* normal and unlocked: nobody holds it, and that is known */
	put32(img, 4, 0);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_true(o.holders_known);
	assert_int_equal(o.holder, 0);
	/* errorcheck: the owner's TID under the waiters bit */
	put32(img, 0, 2);
	put32(img, 4, 0x80000000u | 4242);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "errorcheck");
	assert_true(o.holders_known);
	assert_int_equal(o.holder, 4242);
	assert_false(o.owner_died);
	/* recursive: _m_count counts the relocks beyond the first */
	put32(img, 0, 1);
	put32(img, 4, 4242);
	put32(img, 20, 2);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "recursive");
	assert_int_equal(o.count, 3);
	/* robust, owner died: the kernel cleared the TID and set the died bit */
	put32(img, 0, 4);
	put32(img, 4, 0x40000000u);
	put32(img, 20, 0);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "robust");
	assert_true(o.owner_died);
	assert_int_equal(o.holder, 0);
	/* robust, not recoverable */
	put32(img, 4, 0x7fffffffu);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_true(o.owner_died);
	assert_int_equal(o.holder, 0);
	assert_non_null(strstr(o.note, "not recoverable"));
	/* PI: the kernel's word; _m_waiters is a flag there, not a count */
	put32(img, 0, 8 | 128);
	put32(img, 4, 0x80000000u | 77);
	put32(img, 8, 0xffffffffu);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "pi");
	assert_int_equal(o.holder, 77);
	assert_int_equal(o.queued, -1);
	/* a type word musl never writes: not decoded */
	put32(img, 0, 0x1003);
	info_init(&o, LOCK_MUTEX, 0x1000, 0x1004);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "unknown");
	assert_false(o.holders_known);
	/* too short */
	assert_int_equal(lockdecode_object(Lmusl(), img, 20, &o), -1);
}

static void
test_musl_rw_cond_sem(void **state)
{
	uint8_t img[56] = { 0 };
	struct lockdecode_info o;

	(void)state;
	/* write-locked with waiters: no writer recorded */
	put32(img, 0, 0xffffffffu);
	put32(img, 4, 2);
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x2000);
	o.want = WAIT_RWLOCK_READ;
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_int_equal(o.readers, 0);
	assert_false(o.holders_known);
	assert_int_equal(o.queued, 2);
	assert_int_equal(o.want, WAIT_RWLOCK_READ);
	assert_non_null(strstr(o.note, "write-locked"));
	/* three readers: only a writer waits for them */
	put32(img, 0, 0x80000003u);
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x2000);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_int_equal(o.readers, 3);
	assert_int_equal(o.want, WAIT_RWLOCK_WRITE);
	assert_non_null(strstr(o.note, "3 readers"));
	/* a shared word musl never writes */
	put32(img, 8, 5);
	info_init(&o, LOCK_RWLOCK, 0x2000, 0x2000);
	lockdecode_object(Lmusl(), img, sizeof img, &o);
	assert_string_equal(o.variant, "unknown");

	/* semaphores: musl up to 1.2.3 marks waiters with -1, 1.2.4 on with the sign bit */
	memset(img, 0, sizeof img);
	put32(img, 0, 0xffffffffu);
	put32(img, 4, 2);
	put32(img, 8, 128);
	info_init(&o, LOCK_SEMAPHORE, 0x3000, 0x3000);
	lockdecode_object(Lmusl(), img, 32, &o);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.queued, 2);
	assert_string_equal(o.variant, "");
	put32(img, 0, 0x80000000u);
	info_init(&o, LOCK_SEMAPHORE, 0x3000, 0x3000);
	lockdecode_object(Lmusl(), img, 32, &o);
	assert_int_equal(o.count, 0);
	put32(img, 0, 5);
	put32(img, 8, 0);
	info_init(&o, LOCK_SEMAPHORE, 0x3000, 0x3000);
	lockdecode_object(Lmusl(), img, 32, &o);
	assert_int_equal(o.count, 5);
	assert_string_equal(o.variant, "shared");

	/* a process-shared condvar counts its waiters; a private one keeps a list instead */
	memset(img, 0, sizeof img);
	memset(img, 0xff, 8);
	put32(img, 12, 3);
	info_init(&o, LOCK_CONDVAR, 0x4000, 0x4008);
	lockdecode_object(Lmusl(), img, 48, &o);
	assert_string_equal(o.variant, "shared");
	assert_int_equal(o.queued, 3);
	memset(img, 0, 8);
	info_init(&o, LOCK_CONDVAR, 0x4000, 0x4008);
	lockdecode_object(Lmusl(), img, 48, &o);
	assert_int_equal(o.queued, -1);
	assert_false(o.holders_known);
}

/* A snapshot of a dynamic musl target (its loader mapped, a data mapping at 0x7f1000000000) with a
 * thread in futex(addr, FUTEX_WAIT_PRIVATE, val) under the frames given (innermost first). */
static struct snapshot *
snap_musl(uint64_t addr, uint32_t val, const char *f0, const char *f1)
{
	struct snapshot *s = snapshot_new(100);
	struct thread *t;

	snapshot_parse_maps(s, "7f0000000000-7f0000100000 r-xp 00000000 08:01 1 /lib/ld-musl-x86_64.so.1\n"
	    "7f1000000000-7f1000100000 rw-p 00000000 00:00 0\n");
	t = snapshot_add_thread(s, 100);
	t->proc_state = 'S';
	t->syscall = syscalls_number(arch_native, "futex");
	t->syscall_args[0] = addr;
	t->syscall_args[1] = 128;
	t->syscall_args[2] = val;
	t->frames = xcalloc(2, sizeof(struct frame));
	t->nframes = 2;
	t->frames[0].function = f0 != NULL ? xstrdup(f0) : NULL;
	t->frames[1].function = f1 != NULL ? xstrdup(f1) : NULL;
	snapshot_add_thread(s, 101)->proc_state = 'S';
	return s;
}

static void
test_musl_thread(void **state)
{
	const char *how = NULL, *name = NULL;
	const uint64_t D = 0x7f1000000000ull;
	uint8_t img[64] = { 0 };
	struct lockdecode_info o;
	struct snapshot *s;
	uint64_t words[4];

	(void)state;
	/* the loader's mapping says musl; its file cannot be read here, so no version */
	s = snap_musl(D + 4, 0x80000000u | 101, "__timedwait_cp", "__pthread_mutex_timedlock");
	assert_int_equal(lockdecode_libc(s, NULL, &name, &how), 0);
	assert_string_equal(name, "musl");
	assert_non_null(strstr(how, "musl loader"));
	/* a mutex waiter sleeps on _m_lock, one int into the object */
	put32(img, 0, 2);
	put32(img, 4, 0x80000000u | 101);
	put32(img, 8, 1);
	snapshot_add_memcopy(s, D, img, 40);
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_MUTEX);
	assert_int_equal(o.want, WAIT_MUTEX);
	assert_int_equal(o.base, D);
	assert_int_equal(o.holder, 101);
	assert_true(o.holders_known);
	snapshot_free(s);

	/* rwlock reader on _rw_lock itself */
	s = snap_musl(D, 0xffffffffu, "__timedwait", "__pthread_rwlock_timedrdlock");
	memset(img, 0, sizeof img);
	put32(img, 0, 0xffffffffu);
	snapshot_add_memcopy(s, D, img, 56);
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_RWLOCK);
	assert_int_equal(o.want, WAIT_RWLOCK_READ);
	assert_int_equal(o.base, D);
	assert_false(o.holders_known);
	snapshot_free(s);

	/* a private condvar: the waiter sleeps on the barrier of a node on its stack, and the
	 * condvar, whose pointer the stack keeps, has that node in its list */
	s = snap_musl(D + 0x1000 + 20, 2, "__timedwait_cp", "__pthread_cond_timedwait");
	memset(img, 0, sizeof img);
	words[0] = D + 0x1000;	/* _c_head */
	memcpy(img + 8, words, 8);
	memcpy(img + 40, words, 8);	/* _c_tail */
	snapshot_add_memcopy(s, D + 0x200, img, 48);
	memset(img, 0, sizeof img);
	put32(img, 20, 2);
	snapshot_add_memcopy(s, D + 0x1000, img, 32);	/* the node: no next */
	words[0] = 0x1234;
	words[1] = D + 0x200;
	s->threads[0].stack = xmalloc(sizeof words[0] * 2);
	memcpy(s->threads[0].stack, words, sizeof words[0] * 2);
	s->threads[0].stack_len = sizeof words[0] * 2;
	s->threads[0].stack_addr = D + 0xf00;
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_CONDVAR);
	assert_int_equal(o.want, WAIT_CONDVAR);
	assert_int_equal(o.base, D + 0x200);
	assert_int_equal(o.queued, 1);
	/* ... without the stack's pointer to it: the condvar is not made up */
	memset(s->threads[0].stack, 0, s->threads[0].stack_len);
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_CONDVAR);
	assert_int_equal(o.base, D + 0x1000 + 20);
	assert_non_null(strstr(o.note, "could not find"));
	snapshot_free(s);

	/* a semaphore, musl's internal lock, a join, a wait the frames do not name */
	s = snap_musl(D, 0x80000000u, "__timedwait_cp", "sem_timedwait");
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_SEMAPHORE);
	assert_int_equal(o.base, D);
	snapshot_free(s);
	s = snap_musl(D, 0x80000001u, "__lock", "malloc");
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_MUTEX);
	assert_string_equal(o.variant, "musl-internal");
	assert_false(o.holders_known);
	snapshot_free(s);
	s = snap_musl(D + 56, 2, "__timedwait_cp", "__pthread_timedjoin_np");
	memset(img, 0, sizeof img);
	put32(img, 48, 101);	/* struct pthread: tid, then detach_state */
	put32(img, 56, 2);
	snapshot_add_memcopy(s, D, img, 64);
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_JOIN);
	assert_int_equal(o.holder, 101);
	snapshot_free(s);
	s = snap_musl(D, 2, NULL, NULL);
	assert_int_equal(lockdecode_thread(Lmusl(), s, &s->threads[0], &o), 0);
	assert_int_equal(o.kind, LOCK_FUTEX);
	assert_non_null(strstr(o.note, "told from the frames"));
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
		cmocka_unit_test(test_musl_layout),
		cmocka_unit_test(test_musl_mutex),
		cmocka_unit_test(test_musl_rw_cond_sem),
		cmocka_unit_test(test_musl_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
