/* fuzz_lockdecode.c - fuzzes glibc and musl lock decoding (lock bytes for every layout and kind, a waiting thread of a fake snapshot, the wait-for graph) and thread state classification. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lockdecode.h"
#include "lockgraph.h"
#include "syscalls.h"
#include "threadstate.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the fake target's futex word lives; the input's memory is copied around it. */
#define FUZZ_MEM_BASE 0x7f1000000000ull

static void
check_info(const struct lockdecode_info *o)
{
	FUZZ_CHECK(memchr(o->variant, '\0', sizeof o->variant) != NULL);
	FUZZ_CHECK(memchr(o->note, '\0', sizeof o->note) != NULL);
	FUZZ_CHECK(o->kind >= 0 && o->kind < LOCK_KIND_COUNT);
	FUZZ_CHECK(o->want >= 0 && o->want < WAIT_KIND_COUNT);
}

static void
info_init(struct lockdecode_info *o, enum lock_kind k, enum wait_kind want, uint64_t futex)
{
	memset(o, 0, sizeof *o);
	o->kind = k;
	o->want = want;
	o->base = FUZZ_MEM_BASE;
	o->futex = futex;
	o->readers = o->count = o->queued = -1;
}

/* Every layout and kind over the input as the lock's bytes. */
static void
fuzz_objects(const uint8_t *data, size_t size)
{
	static const int versions[] = { 2023, 2036 };
	uint8_t *img = malloc(size ? size : 1);	/* exact size: ASan sees reads past it */
	uint8_t sel = size > 0 ? data[0] : 0;
	const size_t nv = sizeof versions / sizeof versions[0];

	if (img == NULL)
		abort();
	memcpy(img, data, size);
	for (size_t v = 0; v <= 2 * nv; v++) {
		/* glibc's x86-64 layouts, its i386 ones, then musl's */
		const struct lockdecode_layout *L = v < nv ? lockdecode_layout_for(versions[v]) :
		    v < 2 * nv ? lockdecode_layout_lookup("i386", versions[v - nv]) :
		    lockdecode_layout_find("musl", "x86_64", 0);

		if (L == NULL)
			continue;
		for (int k = 0; k < LOCK_KIND_COUNT; k++) {
			struct lockdecode_info o;

			(void)lockdecode_size(L, (enum lock_kind)k);
			/* the futex at one of the first words, what is wanted left to the decoder or not */
			info_init(&o, (enum lock_kind)k, (sel & 0x80) ? WAIT_NONE : (enum wait_kind)(sel % WAIT_KIND_COUNT),
			    FUZZ_MEM_BASE + 4 * ((sel >> 4) & 7));
			if (lockdecode_object(L, img, size, &o) == 0)
				check_info(&o);
			info_init(&o, (enum lock_kind)k, WAIT_NONE, FUZZ_MEM_BASE);
			if (lockdecode_object(L, img, size, &o) == 0)
				check_info(&o);
		}
	}
	free(img);
}

/* Memory past the input's copy reads as zeros, or not at all. */
static ssize_t
zero_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	(void)addr;
	memset(buf, 0, len);
	return (ssize_t)len;
}

/* A snapshot with a libc mapping and a thread in a futex call; its words, frames and memory from the input. */
static void
fuzz_thread(const uint8_t *data, size_t size)
{
	static const char *fns[] = {
		NULL, "__futex_abstimed_wait_common", "__lll_lock_wait_private", "___pthread_mutex_lock",
		"__pthread_mutex_timedlock", "__pthread_mutex_cond_lock", "__pthread_rwlock_rdlock",
		"__pthread_rwlock_wrlock", "___pthread_cond_wait", "__pthread_cond_timedwait", "__new_sem_wait",
		"sem_timedwait", "__pthread_barrier_wait", "__pthread_clockjoin_ex", "pthread_join", "thrd_join",
		"mtx_lock", "cnd_wait", "main", "",
		/* musl's */
		"__timedwait_cp", "__pthread_rwlock_timedrdlock", "__lock", "__pthread_timedjoin_np",
	};
	const struct lockdecode_layout *L;
	struct snapshot *s = snapshot_new(100);
	struct thread *t;
	struct lockdecode_info o;
	uint8_t hdr[24], regs[sizeof t->regs];
	uint64_t addr, op, a, b;
	uint32_t val, other;
	size_t nframes;
	long futex;

	fuzz_take(&data, &size, hdr, sizeof hdr);
	/* a 32-bit program's snapshot: i386's syscall numbers, words and layouts */
	if ((hdr[2] & 0x40) && arch_by_name("i386") != NULL)
		s->arch = arch_by_name("i386");
	futex = syscalls_number(s->arch, "futex");
	memcpy(&op, hdr + 4, 4);
	op &= 0xffffffff;
	memcpy(&val, hdr + 8, 4);
	memcpy(&other, hdr + 12, 4);
	memcpy(&a, hdr + 16, 8);
	/* the futex word somewhere in (or just outside) the input's memory */
	addr = FUZZ_MEM_BASE + (hdr[1] | (uint64_t)(hdr[2] & 3) << 8) - 64;
	if (hdr[0] & 0x40)
		addr = a;		/* anywhere at all */
	snapshot_parse_maps(s, "7f0000000000-7f0000200000 r-xp 00000000 08:01 1 /lib/x86_64-linux-gnu/libc.so.6\n"
	    "7f1000000000-7f1000100000 rw-p 00000000 00:00 0\n");
	t = snapshot_add_thread(s, 100);
	t->proc_state = 'S';
	/* any syscall (0..511, or -1) for the state classifier, else futex */
	t->syscall = (hdr[0] & 0x20) ? (hdr[3] == 0xff ? -1 : (long)(hdr[3] | (hdr[2] & 0x80) << 1)) : futex;
	t->syscall_args[0] = addr;
	t->syscall_args[1] = op;
	t->syscall_args[2] = val;
	if (hdr[0] & 0x10) {
		/* stopped: the registers win over the /proc facts */
		fuzz_take(&data, &size, regs, sizeof regs);
		memcpy(&t->regs, regs, sizeof regs);
		t->regs_valid = true;
		if (hdr[0] & 0x08) {
			t->regs.syscall_nr = futex;
			t->regs.args[0] = addr;
			t->regs.args[1] = op;
			t->regs.args[2] = val;
		}
	}
	nframes = hdr[3] % 4;
	if (nframes > 0) {
		t->frames = xcalloc(nframes, sizeof *t->frames);
		t->nframes = nframes;
		for (size_t i = 0; i < nframes; i++) {
			const char *f = fns[hdr[20 + i] % (sizeof fns / sizeof fns[0])];

			t->frames[i].function = f != NULL ? xstrdup(f) : NULL;
		}
	}
	/* other threads: the holder the words may name, and one named by the input */
	snapshot_add_thread(s, 101)->proc_state = 'S';
	if (other != 100 && other != 101 && other != 0)
		snapshot_add_thread(s, (pid_t)other)->proc_state = 'R';
	/* the rest of the input is the target's memory around the futex word */
	b = FUZZ_MEM_BASE - 64;
	if (size > 0) {
		snapshot_add_memcopy(s, b, data, size);
		/* and the waiter's stack copy, where the lock API keeps the object pointer */
		t = &s->threads[0];
		t->stack = xmalloc(size);
		memcpy(t->stack, data, size);
		t->stack_len = size;
		t->stack_addr = FUZZ_MEM_BASE + 0x10000;
	}
	if (hdr[0] & 0x04) {
		s->read_fallback = zero_read;
		s->read_ctx = NULL;
	}
	L = (hdr[0] & 3) == 0 ? NULL : (hdr[0] & 3) == 3 ? lockdecode_layout_find("musl", s->arch->name, 0) :
	    lockdecode_layout_lookup(s->arch->name, (hdr[0] & 3) == 1 ? 2024 : 2036);
	memset(&o, 0x55, sizeof o);
	if (lockdecode_thread(L, s, &s->threads[0], &o) == 0)
		check_info(&o);
	/* the state classifier reads the same syscall, its arguments (pollfd arrays, fd sets) and fds */
	s->fds = xcalloc(3, sizeof *s->fds);
	s->nfds = 3;
	for (int i = 0; i < 3; i++) {
		s->fds[i].fd = i * 3;
		s->fds[i].target = xstrdup(i == 1 ? "socket:[1234]" : "/tmp/a\x1b[2Jb");
	}
	threadstate_classify(s);
	for (size_t i = 0; i < s->nthreads; i++) {
		FUZZ_CHECK(s->threads[i].state >= 0 && s->threads[i].state < STATE_COUNT);
		FUZZ_CHECK(s->threads[i].wait.kind >= 0 && s->threads[i].wait.kind < WAIT_KIND_COUNT);
	}
	snapshot_free(s);
}

/* Up to 8 threads in futex waits on locks in the input's memory, their holders named by its words:
 * the wait-for graph, its cycles and chain roots. */
static void
fuzz_graph(const uint8_t *data, size_t size)
{
	struct snapshot *s = snapshot_new(100);
	uint8_t hdr[9];
	size_t n;

	fuzz_take(&data, &size, hdr, sizeof hdr);
	/* the version from the file name: no file is read */
	snapshot_parse_maps(s, "7f0000000000-7f0000200000 r-xp 00000000 08:01 1 /lib/x86_64-linux-gnu/libc-2.36.so\n"
	    "7f1000000000-7f1000100000 rw-p 00000000 00:00 0 [heap]\n");
	n = 2 + hdr[0] % 7;
	for (size_t i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, (pid_t)(100 + i));

		t->proc_state = 'S';
		t->state = STATE_WAITING;
		/* hdr: which of 8 lock slots (64 bytes apart) each waits on, and how */
		t->syscall = syscalls_number(s->arch, "futex");
		t->syscall_args[0] = FUZZ_MEM_BASE + 64 * (hdr[1 + i] & 7) + 4 * ((hdr[1 + i] >> 3) & 3);
		t->syscall_args[1] = (hdr[1 + i] & 0x20) ? 128 | 9 : 128;
		t->syscall_args[2] = (hdr[1 + i] & 0x40) ? 0 : 2;
	}
	if (size > 0)
		snapshot_add_memcopy(s, FUZZ_MEM_BASE, data, size);
	lockgraph_build(s, NULL);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%zu threads, %zu locks, %zu deadlocks\n", s->nthreads, s->nlocks, s->ndeadlocks);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];

		FUZZ_CHECK(t->wait.lock >= -1 && t->wait.lock < (int)s->nlocks);
		FUZZ_CHECK(t->wait.root >= -1 && t->wait.root < (int)s->nthreads);
	}
	for (size_t d = 0; d < s->ndeadlocks; d++) {
		FUZZ_CHECK(s->deadlocks[d].nthreads > 0 && s->deadlocks[d].nthreads <= s->nthreads);
		for (size_t k = 0; k < s->deadlocks[d].nthreads; k++) {
			int ti = s->deadlocks[d].threads[k];

			FUZZ_CHECK(ti >= 0 && (size_t)ti < s->nthreads && s->threads[ti].wait.in_deadlock);
		}
	}
	snapshot_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = fuzz_cstr(data, size < 40 ? size : 40);

	(void)lockdecode_parse_version(v);
	free(v);
	fuzz_objects(data, size);
	fuzz_thread(data, size);
	fuzz_graph(data, size);
	return 0;
}
