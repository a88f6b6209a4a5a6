/* test_sampler.c - unit tests for perf sample decoding, the ring-buffer walk, live samples, the on-CPU test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rcbuf.h"
#include "sampler.h"

/* Builds a sample record as sampler's events write it; returns its size. */
static size_t
build_sample(uint8_t *buf, uint32_t tid, uint64_t time, uint64_t abi, size_t stack_size, size_t dyn)
{
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 0 };
	uint64_t v;
	size_t off = sizeof h;
	uint32_t ids[2] = { 1, tid };

	memcpy(buf + off, ids, 8), off += 8;
	memcpy(buf + off, &time, 8), off += 8;
	v = 5000000, memcpy(buf + off, &v, 8), off += 8;	/* task-clock */
	memcpy(buf + off, &abi, 8), off += 8;
	for (uint64_t r = 0; r < arch_native->perf_nregs; r++) {
		v = 0x1000 + r;	/* register i holds 0x1000 + i */
		memcpy(buf + off, &v, 8), off += 8;
	}
	v = stack_size, memcpy(buf + off, &v, 8), off += 8;
	for (size_t i = 0; i < stack_size; i++)
		buf[off + i] = (uint8_t)i;
	off += stack_size;
	if (stack_size > 0) {
		v = dyn;
		memcpy(buf + off, &v, 8), off += 8;
	}
	h.size = (uint16_t)off;
	memcpy(buf, &h, sizeof h);
	return off;
}

static void
test_decode(void **state)
{
	uint8_t buf[1024];
	struct sampler_sample s;
	size_t n = build_sample(buf, 4242, 777, 2, 64, 48);

	(void)state;
	assert_int_equal(sampler_decode(buf, n, &s), 0);
	assert_int_equal(s.tid, 4242);
	assert_int_equal(s.time_ns, 777);
	assert_int_equal(s.cpu_ns, 5000000);
#if defined(__x86_64__)
	/* x86-64 perf order: the return value, four more, fp, sp, pc, flags, cs, ss, then the eight
	 * registers DWARF numbers 8 to 15 */
	assert_int_equal(s.regs.retval, 0x1000);
	assert_int_equal(s.regs.fp, 0x1006);
	assert_int_equal(s.regs.sp, 0x1007);
	assert_int_equal(s.regs.pc, 0x1008);
	assert_int_equal(s.regs.dwarf[8], 0x100c);
	assert_int_equal(s.regs.dwarf[15], 0x1013);
	assert_int_equal(s.stack_addr, 0x1007);
#endif
	assert_int_equal(s.regs.syscall_nr, -1);
	assert_int_equal(s.stack_addr, s.regs.sp);
	assert_int_equal(s.stack_len, 48);	/* dyn_size: what the kernel could copy */
	assert_int_equal(s.stack[5], 5);
}

static void
test_decode_rejects(void **state)
{
	uint8_t buf[1024];
	struct sampler_sample s;
	struct perf_event_header h;
	size_t n;

	(void)state;
	/* no user registers (abi none) */
	n = build_sample(buf, 1, 1, 0, 64, 64);
	assert_int_equal(sampler_decode(buf, n, &s), -1);
	/* dyn_size larger than the copy */
	n = build_sample(buf, 1, 1, 2, 64, 65);
	assert_int_equal(sampler_decode(buf, n, &s), -1);
	/* truncated: the header claims more than the buffer holds */
	n = build_sample(buf, 1, 1, 2, 64, 64);
	assert_int_equal(sampler_decode(buf, n - 8, &s), -1);
	/* a stack size running past the record */
	memcpy(&h, buf, sizeof h);
	h.size = 8 + 32 + 160 + 8 + 16;
	memcpy(buf, &h, sizeof h);
	assert_int_equal(sampler_decode(buf, n, &s), -1);
	/* not a sample */
	n = build_sample(buf, 1, 1, 2, 0, 0);
	memcpy(&h, buf, sizeof h);
	h.type = PERF_RECORD_LOST;
	memcpy(buf, &h, sizeof h);
	assert_int_equal(sampler_decode(buf, n, &s), -1);
	/* no stack at all is fine */
	n = build_sample(buf, 9, 1, 2, 0, 0);
	assert_int_equal(sampler_decode(buf, n, &s), 0);
	assert_int_equal(s.stack_len, 0);
}

/* Writes records backwards into a ring as the kernel's write_backward mode does; returns head. */
static uint64_t
ring_put(uint8_t *ring, size_t size, uint64_t head, const uint8_t *rec, size_t len)
{
	head -= len;
	for (size_t i = 0; i < len; i++)
		ring[(head + i) & (size - 1)] = rec[i];
	return head;
}

static void
test_ring_newest(void **state)
{
	enum { SIZE = 2048 };
	uint8_t ring[SIZE], rec[1024], out[1024];
	struct sampler_sample s;
	struct perf_event_header lost = { PERF_RECORD_LOST, 0, 24 };
	uint8_t lostrec[24] = { 0 };
	uint64_t head = 0, at = 99;
	ssize_t n;

	(void)state;
	memset(ring, 0, sizeof ring);
	assert_int_equal(sampler_ring_find(ring, SIZE, head, &at), 0);	/* empty */
	assert_int_equal(sampler_ring_find(ring, 1000, head, &at), -1);	/* not a power of two */
	/* three samples, wrapping the ring: the newest is found */
	for (uint32_t i = 1; i <= 3; i++) {
		size_t len = build_sample(rec, i, i * 10, 2, 400, 400);

		head = ring_put(ring, SIZE, head, rec, len);
	}
	n = sampler_ring_find(ring, SIZE, head, &at);
	assert_true(n > 0);
	assert_int_equal(at, 0);
	for (ssize_t i = 0; i < n; i++)
		out[i] = ring[(head + at + (uint64_t)i) & (SIZE - 1)];
	assert_int_equal(sampler_decode(out, (size_t)n, &s), 0);
	assert_int_equal(s.tid, 3);
	/* a newer non-sample record is stepped over */
	memcpy(lostrec, &lost, sizeof lost);
	head = ring_put(ring, SIZE, head, lostrec, sizeof lostrec);
	n = sampler_ring_find(ring, SIZE, head, &at);
	assert_true(n > 0);
	assert_int_equal(at, 24);
	/* a corrupt size (not a multiple of 8) is refused */
	lost.size = 13;
	memcpy(lostrec, &lost, sizeof lost);
	head = ring_put(ring, SIZE, head, lostrec, 24);
	assert_int_equal(sampler_ring_find(ring, SIZE, head, &at), -1);
}

static atomic_int spin_stop;

static void *
spinner(void *arg)
{
	volatile unsigned long n = 0;

	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	while (!atomic_load(&spin_stop))
		n++;
	return NULL;
}

/* A real event on a thread of this process: after it ran for some periods, its newest sample has
 * its tid, a pc and sp inside this process, and a stack copy. Skipped where perf is not allowed. */
static void
test_live_sample(void **state)
{
	struct sampler *s = sampler_new(getpid(), 1000000);
	struct sampler_sample smp;
	struct err e;
	pthread_t th;
	pid_t tid = 0;
	int got = 0;

	(void)state;
	atomic_store(&spin_stop, 0);
	pthread_create(&th, NULL, spinner, &tid);
	while (__atomic_load_n(&tid, __ATOMIC_ACQUIRE) == 0)
		usleep(1000);
	if (sampler_track(s, tid, &e) < 0) {
		atomic_store(&spin_stop, 1);
		pthread_join(th, NULL);
		sampler_free(s);
		skip();
	}
	assert_true(sampler_usable(s));
	for (int i = 0; i < 200 && got != 1; i++) {
		usleep(10000);
		got = sampler_latest(s, tid, &smp);
	}
	/* tracked again after its first sample, the event samples once a period, not once per
	 * SAMPLER_FIRST_NS: distinct samples polled often lie a period apart in the thread's CPU time */
	assert_int_equal(sampler_track(s, tid, &e), 0);
	{
		uint64_t last = 0, mindiff = UINT64_MAX;
		int distinct = 0;
		/* a sample held (as a snapshot holds its stack) keeps its bytes while newer ones come in
		 * to buffers of their own */
		struct rcbuf *held = got == 1 ? rcbuf_ref(smp.buf) : NULL;
		uint8_t saved[SAMPLER_STACK_BYTES];
		size_t savedlen = got == 1 ? smp.stack_len : 0;

		if (held != NULL) {
			assert_true(smp.stack >= held->data && smp.stack + smp.stack_len <= held->data + held->cap);
			memcpy(saved, smp.stack, savedlen);
		}

		for (int i = 0; i < 4000 && distinct < 6; i++) {
			struct sampler_sample x;

			usleep(200);
			if (sampler_latest(s, tid, &x) != 1 || x.cpu_ns == last)
				continue;
			if (last != 0 && x.cpu_ns - last < mindiff)
				mindiff = x.cpu_ns - last;
			if (x.cpu_ns != smp.cpu_ns)
				assert_ptr_not_equal(x.buf, held);
			last = x.cpu_ns;
			distinct++;
		}
		assert_true(distinct >= 3);
		assert_true(mindiff >= 500000);
		if (held != NULL) {
			assert_int_equal(held->refs, 1);	/* the sampler let go of it */
			assert_memory_equal(held->data + (smp.stack - held->data), saved, savedlen);
			rcbuf_unref(held);
		}
	}
	atomic_store(&spin_stop, 1);
	pthread_join(th, NULL);
	assert_int_equal(got, 1);
	assert_int_equal(smp.tid, tid);
	assert_true(smp.regs.pc != 0);
	assert_true(smp.regs.sp != 0);
	assert_true(smp.stack_len > 0 && smp.stack_len <= SAMPLER_STACK_BYTES);
	assert_int_equal(smp.stack_addr, smp.regs.sp);
	/* it ran since it was tracked; once it is gone it runs no more */
	assert_int_equal(sampler_ran(s, tid), 1);
	assert_int_equal(sampler_ran(s, tid), 0);
	/* untracked threads are refused; a sweep without tracking closes the event */
	assert_int_equal(sampler_latest(s, tid + 100000, &smp), -1);
	sampler_sweep(s);
	sampler_sweep(s);
	assert_int_equal(sampler_latest(s, tid, &smp), -1);
	sampler_free(s);
}

static int block_pipe[2];

static void *
blocker(void *arg)
{
	char c;

	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return read(block_pipe[0], &c, 1) == 1 ? NULL : arg;
}

/* The on-CPU test from two reads of the task clock: a thread blocked in read is off its CPU and
 * idle since its mark; a spinner is not idle, and is found on a CPU (on a machine with a CPU to
 * spare for it); a mark is used once, and sampler_ran drops it. */
static void
test_on_cpu(void **state)
{
	struct sampler *s = sampler_new(getpid(), 1000000);
	pthread_t sp, bl;
	pid_t stid = 0, btid = 0;
	struct err e;
	bool idle;
	int on = 0, busy = 0;

	(void)state;
	assert_int_equal(pipe(block_pipe), 0);
	atomic_store(&spin_stop, 0);
	pthread_create(&sp, NULL, spinner, &stid);
	pthread_create(&bl, NULL, blocker, &btid);
	while (__atomic_load_n(&stid, __ATOMIC_ACQUIRE) == 0 || __atomic_load_n(&btid, __ATOMIC_ACQUIRE) == 0)
		usleep(1000);
	usleep(20000);	/* the blocker reaches its read */
	if (sampler_track(s, stid, &e) < 0 || sampler_track(s, btid, &e) < 0) {
		atomic_store(&spin_stop, 1);
		assert_int_equal(write(block_pipe[1], "x", 1), 1);
		pthread_join(sp, NULL);
		pthread_join(bl, NULL);
		sampler_free(s);
		skip();
	}
	assert_int_equal(sampler_on_cpu(s, btid, &idle), -1);	/* no mark yet */
	assert_int_equal(sampler_on_cpu(s, getpid() + 100000, &idle), -1);
	assert_int_equal(sampler_mark(s, getpid() + 100000), -1);
	assert_int_equal(sampler_mark(s, btid), 0);
	usleep(20000);
	assert_int_equal(sampler_on_cpu(s, btid, &idle), 0);
	assert_true(idle);
	assert_int_equal(sampler_on_cpu(s, btid, &idle), -1);	/* used */
	assert_int_equal(sampler_mark(s, btid), 0);
	(void)sampler_ran(s, btid);
	assert_int_equal(sampler_on_cpu(s, btid, &idle), -1);	/* dropped by sampler_ran */
	for (int i = 0; i < 20; i++) {
		int r;

		assert_int_equal(sampler_mark(s, stid), 0);
		usleep(5000);
		r = sampler_on_cpu(s, stid, &idle);
		assert_true(r == 0 || r == 1);
		if (r == 1)
			assert_false(idle);
		on += r;
		busy += !idle;
	}
	/* on a loaded machine a spinner can wait 5 ms for a CPU, but not in all twenty tries */
	assert_true(busy > 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		assert_true(on > 0);
	atomic_store(&spin_stop, 1);
	assert_int_equal(write(block_pipe[1], "x", 1), 1);
	pthread_join(sp, NULL);
	pthread_join(bl, NULL);
	/* an exited thread is not on a CPU, whatever its event reads */
	if (sampler_mark(s, stid) == 0)
		assert_int_equal(sampler_on_cpu(s, stid, &idle), 0);
	close(block_pipe[0]);
	close(block_pipe[1]);
	sampler_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_ring_newest),
		cmocka_unit_test(test_live_sample),
		cmocka_unit_test(test_on_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
