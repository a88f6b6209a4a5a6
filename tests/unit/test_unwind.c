/* test_unwind.c - unwinds a forked child blocked in a known call chain, from a hand-made snapshot. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "arch.h"
#include "snapshot.h"
#include "syscalls.h"
#include "unwind.h"
#include "util.h"

/* kept out of line and out of inter-procedural analysis (clang, used for cross builds, has no noipa) */
#if defined(__clang__)
#define TEST_NOIPA __attribute__((noinline))
#else
#define TEST_NOIPA __attribute__((noipa))
#endif

#define STACK_COPY	(64 * 1024)

/* Globals to name by address: one in .data, one in .bss. */
int unwind_test_initialized[4] = { 1, 2, 3, 4 };
long unwind_test_zeroed[16];
/* lock names by path (unwind_data_path): a lock in an array of structs, an array of locks */
struct unwind_test_acct {
	long balance;
	pthread_mutex_t mu;
};
struct unwind_test_acct unwind_test_accts[3];
pthread_mutex_t unwind_test_forks[4];

/* The chain the child blocks in: outer -> inner -> (inlined) inl -> read(2).
 * Called with fd < 0 they return the source line the test expects instead. */
static inline __attribute__((always_inline)) int
unwind_test_inl(int fd)
{
	char c;

	if (fd < 0)
		return __LINE__ + 1;	/* the read below */
	return (int)read(fd, &c, 1);
}

TEST_NOIPA int
unwind_test_inner(int fd)
{
	if (fd < 0)
		return __LINE__ + 1;	/* the call below */
	return unwind_test_inl(fd) + 1;
}

TEST_NOIPA int
unwind_test_outer(int fd)
{
	unwind_test_zeroed[3] = fd;
	return unwind_test_inner(fd) * 2;
}

struct child {
	pid_t pid;
	int wfd;
	uint64_t sys_sp, sys_pc;
	struct arch_regs regs;
	uint8_t *stack;
	size_t stack_len;
	uint64_t stack_addr;
	char *maps;
};

static ssize_t
live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t pid = *(pid_t *)ctx;
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &l, 1, &r, 1, 0);
}

/* Waits until the child sits in read(2) and returns its /proc/PID/syscall sp and pc. */
static void
child_wait_blocked(struct child *c, int fd)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/syscall", (int)c->pid);
	for (int i = 0; i < 500; i++) {
		char *txt = util_read_file(path, NULL);
		unsigned long long a[6], sp, pc;
		long nr;

		if (txt != NULL && sscanf(txt, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", &nr,
		    &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &sp, &pc) == 9 && nr == syscalls_number(arch_native, "read") &&
		    a[0] == (unsigned long long)fd) {
			/* read(2) on the test's pipe, not one of a sanitizer runtime's own reads */
			c->sys_sp = sp;
			c->sys_pc = pc;
			free(txt);
			return;
		}
		free(txt);
		usleep(10000);
	}
	fail_msg("child %d never blocked in read", (int)c->pid);
}

static void
child_start(struct child *c)
{
	int p[2];

	memset(c, 0, sizeof *c);
	assert_int_equal(pipe(p), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(p[1]);
		unwind_test_outer(p[0]);
		_exit(0);
	}
	close(p[0]);
	c->wfd = p[1];
	child_wait_blocked(c, p[0]);
}

/* What capture does: seize, interrupt, copy registers and the stack top, detach. */
static void
child_capture(struct child *c)
{
	struct iovec l, r;
	struct err e;
	char path[64];
	int st;
	ssize_t n;

	assert_int_equal(ptrace(PTRACE_SEIZE, c->pid, 0, 0), 0);
	assert_int_equal(ptrace(PTRACE_INTERRUPT, c->pid, 0, 0), 0);
	assert_int_equal(waitpid(c->pid, &st, __WALL), c->pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(arch_regs_from_ptrace(arch_native, c->pid, &c->regs, &e), 0);
	c->stack_addr = c->regs.sp - arch_native->red_zone;	/* the red zone too */
	c->stack = xmalloc(STACK_COPY);
	l.iov_base = c->stack;
	l.iov_len = STACK_COPY;
	r.iov_base = (void *)(uintptr_t)c->stack_addr;
	r.iov_len = STACK_COPY;
	n = process_vm_readv(c->pid, &l, 1, &r, 1, 0);
	assert_true(n > 0);
	c->stack_len = (size_t)n;
	assert_int_equal(ptrace(PTRACE_DETACH, c->pid, 0, 0), 0);
	snprintf(path, sizeof path, "/proc/%d/maps", (int)c->pid);
	c->maps = util_read_file(path, NULL);
	assert_non_null(c->maps);
}

static void
child_stop(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->wfd);
	free(c->stack);
	free(c->maps);
}

/* A snapshot as capture would make it; full registers if regs, else only /proc's sp and pc. */
static struct snapshot *
child_snapshot(struct child *c, bool regs, bool stack)
{
	struct snapshot *s = snapshot_new(c->pid);
	struct thread *t = snapshot_add_thread(s, c->pid);

	t->name = xstrdup("child");
	t->syscall = syscalls_number(arch_native, "read");
	t->syscall_sp = c->sys_sp;
	t->syscall_pc = c->sys_pc;
	if (regs) {
		t->status = CAPTURE_OK;
		t->regs_valid = true;
		t->regs = c->regs;
	} else
		t->status = CAPTURE_UNSTOPPED;
	if (stack) {
		t->stack_addr = c->stack_addr;
		t->stack = xmalloc(c->stack_len);
		memcpy(t->stack, c->stack, c->stack_len);
		t->stack_len = c->stack_len;
	}
	s->maps_text = xstrdup(c->maps);
	snapshot_parse_maps(s, s->maps_text);
	s->read_fallback = live_read;
	s->read_ctx = &c->pid;
	return s;
}

static int
find_frame(const struct thread *t, const char *fn, size_t from)
{
	for (size_t i = from; i < t->nframes; i++)
		if (t->frames[i].function != NULL && strcmp(t->frames[i].function, fn) == 0)
			return (int)i;
	return -1;
}

static void
print_frames(const struct thread *t)
{
	for (size_t i = 0; i < t->nframes; i++) {
		const struct frame *f = &t->frames[i];

		fprintf(stderr, "#   #%zu %#" PRIx64 " %s+%#" PRIx64 " (%s) %s:%d%s\n", i, f->pc,
		    f->function ? f->function : "??", f->offset, f->module ? util_basename(f->module) : "?",
		    f->file ? util_basename(f->file) : "?", f->line, f->inlined ? " [inline]" : "");
	}
	if (t->unwind_error != NULL)
		fprintf(stderr, "#   unwind_error: %s\n", t->unwind_error);
}

/* The chain must appear in order: read, inl (inlined, at the read), inner (at the call), outer, main. */
static void
check_chain(const struct thread *t, bool want_main)
{
	int inl, inner, outer, m;

	print_frames(t);
	assert_true(t->nframes >= 4);
	assert_non_null(t->frames[0].function);
	assert_non_null(strstr(t->frames[0].function, "read"));
	inl = find_frame(t, "unwind_test_inl", 0);
	assert_true(inl > 0);
	assert_true(t->frames[inl].inlined);
	assert_non_null(t->frames[inl].file);
	assert_string_equal(util_basename(t->frames[inl].file), "test_unwind.c");
	assert_int_equal(t->frames[inl].line, unwind_test_inl(-1));
	inner = find_frame(t, "unwind_test_inner", (size_t)inl);
	assert_int_equal(inner, inl + 1);
	assert_false(t->frames[inner].inlined);
	assert_int_equal(t->frames[inner].pc, t->frames[inl].pc);
	assert_int_equal(t->frames[inner].line, unwind_test_inner(-1));
	assert_non_null(t->frames[inner].module);
	assert_non_null(strstr(t->frames[inner].module, "test_unwind"));
	outer = find_frame(t, "unwind_test_outer", (size_t)inner);
	assert_int_equal(outer, inner + 1);
	assert_true(t->frames[outer].offset > 0);
	if (want_main) {
		m = find_frame(t, "main", (size_t)outer);
		assert_true(m > outer);
		assert_null(t->unwind_error);
	}
}

static void
test_full_registers(void **state)
{
	struct child c;
	struct snapshot *s;
	struct unwinder *u;
	struct err e = { "" };

	(void)state;
	child_start(&c);
	child_capture(&c);
	u = unwind_new(c.pid);
	s = child_snapshot(&c, true, true);
	assert_int_equal(unwind_snapshot(u, s, &e), 0);
	check_chain(&s->threads[0], true);
	/* the same snapshot again, now from the cache, and the same frames */
	{
		struct snapshot *s2 = child_snapshot(&c, true, true);

		assert_int_equal(unwind_snapshot(u, s2, &e), 0);
		assert_int_equal(s2->threads[0].nframes, s->threads[0].nframes);
		for (size_t i = 0; i < s->threads[0].nframes; i++) {
			assert_int_equal(s2->threads[0].frames[i].pc, s->threads[0].frames[i].pc);
			assert_int_equal(s2->threads[0].frames[i].line, s->threads[0].frames[i].line);
		}
		snapshot_free(s2);
	}
	snapshot_free(s);
	unwind_free(u);
	child_stop(&c);
}

/* A snapshot of the dead child's copies as a perf sample would give them: sample id, stack zeroed
 * (no walk could get past it) if zero. */
static struct snapshot *
sampled_snapshot(struct child *c, uint64_t id, bool zero)
{
	struct snapshot *s = child_snapshot(c, true, true);

	s->read_fallback = NULL;
	s->threads[0].status = CAPTURE_SAMPLED;
	s->threads[0].regs_id = id;
	if (zero)
		memset(s->threads[0].stack, 0, s->threads[0].stack_len);
	return s;
}

/* A sampled thread whose regs_id is the previous snapshot's takes that walk without walking its
 * stack again (shown by a zeroed copy, which could not be walked); another id walks it afresh. */
static void
test_sampled_reuse(void **state)
{
	struct child c;
	struct snapshot *s, *s2, *s3;
	struct unwinder *u;
	struct err e = { "" };

	(void)state;
	child_start(&c);
	child_capture(&c);
	kill(c.pid, SIGKILL);	/* only the copies: nothing live to read the zeroed stack from */
	waitpid(c.pid, NULL, 0);
	u = unwind_new(c.pid);
	s = sampled_snapshot(&c, 7, false);
	assert_int_equal(unwind_snapshot(u, s, &e), 0);
	check_chain(&s->threads[0], true);

	s2 = sampled_snapshot(&c, 7, true);
	assert_int_equal(unwind_snapshot(u, s2, &e), 0);
	assert_int_equal(s2->threads[0].nframes, s->threads[0].nframes);
	for (size_t i = 0; i < s->threads[0].nframes; i++)
		assert_int_equal(s2->threads[0].frames[i].pc, s->threads[0].frames[i].pc);

	s3 = sampled_snapshot(&c, 8, true);
	assert_int_equal(unwind_snapshot(u, s3, &e), 0);
	print_frames(&s3->threads[0]);
	assert_true(s3->threads[0].nframes < s->threads[0].nframes);
	assert_int_equal(find_frame(&s3->threads[0], "main", 0), -1);

	snapshot_free(s3);
	snapshot_free(s2);
	snapshot_free(s);
	unwind_free(u);
	c.pid = -1;
	close(c.wfd);
	free(c.stack);
	free(c.maps);
}

/* Without the live fallback the stack copy alone must do. */
static void
test_copy_only(void **state)
{
	struct child c;
	struct snapshot *s;
	struct unwinder *u;
	struct err e = { "" };

	(void)state;
	child_start(&c);
	child_capture(&c);
	kill(c.pid, SIGKILL);	/* nothing live to fall back on */
	waitpid(c.pid, NULL, 0);
	u = unwind_new(c.pid);
	s = child_snapshot(&c, true, true);
	s->read_fallback = NULL;
	assert_int_equal(unwind_snapshot(u, s, &e), 0);
	check_chain(&s->threads[0], true);
	snapshot_free(s);
	unwind_free(u);
	c.pid = -1;
	close(c.wfd);
	free(c.stack);
	free(c.maps);
}

/* A thread blocked in the kernel that was never stopped: only /proc/PID/syscall's sp and pc. */
static void
test_sp_pc_only(void **state)
{
	char path[64];
	struct child c;
	struct snapshot *s;
	struct unwinder *u;
	struct err e = { "" };

	(void)state;
	child_start(&c);
	snprintf(path, sizeof path, "/proc/%d/maps", (int)c.pid);
	c.maps = util_read_file(path, NULL);
	assert_non_null(c.maps);
	u = unwind_new(c.pid);
	s = child_snapshot(&c, false, false);
	assert_int_equal(unwind_snapshot(u, s, &e), 0);
	check_chain(&s->threads[0], true);
	snapshot_free(s);
	unwind_free(u);
	child_stop(&c);
}

static void
test_addr_symbol(void **state)
{
	struct child c;
	struct snapshot *s;
	struct unwinder *u;
	struct err e = { "" };
	char *name = NULL;
	uint64_t off = 0, size = 0;
	struct frame *fr = NULL;
	size_t n = 0, cap = 0;
	void *heap = xmalloc(64);

	(void)state;
	child_start(&c);
	child_capture(&c);
	u = unwind_new(c.pid);
	s = child_snapshot(&c, true, true);
	assert_int_equal(unwind_snapshot(u, s, &e), 0);

	/* the child is a fork: same addresses */
	assert_int_equal(unwind_addr_symbol(u, (uintptr_t)&unwind_test_zeroed[5], &name, &off, &size), 0);
	assert_string_equal(name, "unwind_test_zeroed");
	assert_int_equal(off, 5 * sizeof(long));
	assert_int_equal(size, sizeof unwind_test_zeroed);
	free(name);
	assert_int_equal(unwind_addr_symbol(u, (uintptr_t)&unwind_test_initialized[0], &name, &off, &size), 0);
	assert_string_equal(name, "unwind_test_initialized");
	assert_int_equal(off, 0);
	free(name);
	assert_int_equal(unwind_addr_symbol(u, (uintptr_t)heap, &name, &off, &size), -1);
	assert_null(name);
	/* where in a global a lock lies, from the global's DWARF type */
	name = unwind_data_path(u, (uintptr_t)&unwind_test_accts[1].mu);
	assert_non_null(name);
	assert_string_equal(name, "[1].mu");
	free(name);
	name = unwind_data_path(u, (uintptr_t)&unwind_test_forks[0]);
	assert_non_null(name);
	assert_string_equal(name, "[0]");
	free(name);
	name = unwind_data_path(u, (uintptr_t)&unwind_test_forks[2]);
	assert_string_equal(name, "[2]");
	free(name);
	name = unwind_data_path(u, (uintptr_t)&unwind_test_accts[2]);	/* a struct that is no lock: no member */
	assert_string_equal(name, "[2]");
	free(name);
	name = unwind_data_path(u, (uintptr_t)&unwind_test_forks[1]);	/* again, from the cache */
	assert_string_equal(name, "[1]");
	free(name);
	name = unwind_data_path(u, (uintptr_t)&unwind_test_forks[1]);
	assert_string_equal(name, "[1]");
	free(name);
	assert_null(unwind_data_path(u, (uintptr_t)heap));
	name = NULL;
	assert_int_equal(unwind_addr_symbol(u, 0, &name, &off, &size), -1);

	unwind_symbolize(u, s, (uintptr_t)unwind_test_outer, true, &fr, &n, &cap);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].function, "unwind_test_outer");
	assert_int_equal(fr[0].offset, 0);
	assert_false(fr[0].inlined);
	unwind_symbolize(u, s, 0x10, false, &fr, &n, &cap);	/* nothing there */
	assert_int_equal(n, 2);
	assert_null(fr[1].function);
	assert_null(fr[1].module);
	snapshot_frames_free(fr, n);

	snapshot_free(s);
	unwind_free(u);
	free(heap);
	child_stop(&c);
}

/* Garbage registers and stacks: no crash, bounded, and a reason when the walk stops early. */
static void
test_garbage(void **state)
{
	struct child c;
	struct snapshot *s;
	struct unwinder *u;
	struct err e = { "" };
	unsigned seed = 12345;

	(void)state;
	child_start(&c);
	child_capture(&c);
	u = unwind_new(c.pid);
	for (int round = 0; round < 50; round++) {
		struct thread *t;

		s = child_snapshot(&c, true, true);
		t = &s->threads[0];
		for (size_t i = 0; i + 8 <= t->stack_len; i += 8) {
			uint64_t v;

			/* mix pointers into the stack itself and into code with noise */
			switch (rand_r(&seed) % 4) {
			case 0: v = t->stack_addr + (uint64_t)(rand_r(&seed) % (int)t->stack_len); break;
			case 1: v = (uintptr_t)unwind_test_outer + (uint64_t)(rand_r(&seed) % 64); break;
			case 2: v = ((uint64_t)rand_r(&seed) << 32) | (uint64_t)rand_r(&seed); break;
			default: v = 0; break;
			}
			memcpy(t->stack + i, &v, 8);
		}
		if (round % 3 == 0)
			t->regs.pc = (uintptr_t)unwind_test_inner + (uint64_t)(rand_r(&seed) % 32);
		else if (round % 3 == 1)
			t->regs.pc = ((uint64_t)rand_r(&seed) << 16);
		if (round % 5 == 0)
			t->regs.sp = t->stack_addr + (uint64_t)(rand_r(&seed) % (int)t->stack_len);
		s->read_fallback = NULL;
		assert_int_equal(unwind_snapshot(u, s, &e), 0);
		assert_true(t->nframes <= 256 * 33);
		snapshot_free(s);
	}
	/* threads with nothing to unwind with get a reason, not frames */
	s = snapshot_new(c.pid);
	s->maps_text = xstrdup(c.maps);
	snapshot_add_thread(s, 1)->status = CAPTURE_GONE;
	assert_int_equal(unwind_snapshot(u, s, &e), 0);
	assert_int_equal(s->threads[0].nframes, 0);
	assert_non_null(s->threads[0].unwind_error);
	snapshot_free(s);
	unwind_free(u);
	child_stop(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_registers),
		cmocka_unit_test(test_copy_only),
		cmocka_unit_test(test_sampled_reuse),
		cmocka_unit_test(test_sp_pc_only),
		cmocka_unit_test(test_addr_symbol),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests_name("unwind", tests, NULL, NULL);
}
