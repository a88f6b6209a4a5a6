/* test_threadstate.c - states from hand-made threads: running/runnable, sleeping, io with fd targets, disk... */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "syscalls.h"
#include "threadstate.h"
#include "util.h"

/* The number of syscall name on this architecture: tests name syscalls, never number them. */
static long
nr(const char *name)
{
	long n = syscalls_number(arch_native, name);

	assert_true(n >= 0);
	return n;
}

/* The first of two names this architecture has: the generic table (aarch64) has no poll,
 * pause or epoll_wait, and ppoll, rt_sigsuspend and epoll_pwait stand for them. */
static const char *
either(const char *a, const char *b)
{
	return syscalls_number(arch_native, a) >= 0 ? a : b;
}

static struct thread *
add(struct snapshot *s, pid_t tid, char st, long sysno)
{
	struct thread *t = snapshot_add_thread(s, tid);

	t->proc_state = st;
	t->syscall = sysno;
	return t;
}

static void
test_states(void **state)
{
	struct snapshot *s = snapshot_new(1);
	struct { int32_t fd; int16_t ev, rev; } pfd[2] = { { 3, 1, 0 }, { 7, 1, 0 } };
	struct thread *t;
	char want[128];

	(void)state;
	s->fds = xcalloc(2, sizeof *s->fds);
	s->fds[0].fd = 3;
	s->fds[0].target = xstrdup("pipe:[42]");
	s->fds[1].fd = 7;
	s->fds[1].target = xstrdup("socket:[99]");
	s->nfds = 2;
	snapshot_add_memcopy(s, 0x5000, pfd, sizeof pfd);

	add(s, 1, 'R', -1)->on_cpu = true;				/* 0 */
	add(s, 2, 'R', -1);						/* 1 */
	add(s, 3, 'S', nr("nanosleep"));						/* 2 nanosleep */
	t = add(s, 4, 'S', nr("read"));						/* 3 read(3) */
	t->syscall_args[0] = 3;
	t = add(s, 5, 'S', nr(either("poll", "ppoll")));						/* 4 poll(0x5000, 2) */
	t->syscall_args[0] = 0x5000;
	t->syscall_args[1] = 2;
	t = add(s, 6, 'S', nr("futex"));					/* 5 futex */
	t->syscall_args[0] = 0x1234;
	add(s, 7, 'D', nr("fsync"));						/* 6 fsync in D */
	add(s, 8, 'T', -2);						/* 7 */
	add(s, 9, 'Z', -2);						/* 8 */
	add(s, 10, 'S', nr(either("pause", "rt_sigsuspend")));						/* 9 pause */
	t = add(s, 11, 'S', nr(either("epoll_wait", "epoll_pwait")));					/* 10 epoll_wait(7) */
	t->syscall_args[0] = 7;
	t = add(s, 12, 'S', nr("nanosleep"));					/* 11 stale: woke before the stop */
	t->regs_valid = true;
	t->regs.syscall_nr = -1;
	t = add(s, 13, 'S', -2);					/* 12 stopped in read(7) */
	t->regs_valid = true;
	t->regs.syscall_nr = nr("read");
	t->regs.args[0] = 7;
	threadstate_classify(s);

	assert_int_equal(s->threads[0].state, STATE_RUNNING);
	assert_int_equal(s->threads[1].state, STATE_RUNNABLE);
	assert_int_equal(s->threads[2].state, STATE_SLEEPING);
	assert_string_equal(s->threads[2].wait.detail, "nanosleep");
	assert_int_equal(s->threads[3].state, STATE_IO);
	assert_string_equal(s->threads[3].wait.detail, "read on fd 3 (pipe:[42])");
	assert_int_equal(s->threads[4].state, STATE_IO);
	snprintf(want, sizeof want, "%s on 2 fds: fd 3 (pipe:[42]), fd 7 (socket:[99])", either("poll", "ppoll"));
	assert_string_equal(s->threads[4].wait.detail, want);
	assert_int_equal(s->threads[5].state, STATE_WAITING);
	assert_int_equal(s->threads[5].wait.kind, WAIT_FUTEX);
	assert_int_equal(s->threads[5].wait.address, 0x1234);
	assert_int_equal(s->threads[6].state, STATE_DISK);
	assert_string_equal(s->threads[6].wait.detail, "fsync");
	assert_int_equal(s->threads[7].state, STATE_STOPPED);
	assert_int_equal(s->threads[8].state, STATE_DEAD);
	assert_int_equal(s->threads[9].state, STATE_WAITING);
	assert_string_equal(s->threads[9].wait.detail, either("pause", "rt_sigsuspend"));
	assert_int_equal(s->threads[10].state, STATE_IO);
	snprintf(want, sizeof want, "%s on epoll fd 7 (socket:[99])", either("epoll_wait", "epoll_pwait"));
	assert_string_equal(s->threads[10].wait.detail, want);
	assert_int_equal(s->threads[11].state, STATE_RUNNABLE);
	assert_int_equal(s->threads[12].state, STATE_IO);
	assert_string_equal(s->threads[12].wait.detail, "read on fd 7 (socket:[99])");
	/* classifying again resets what a previous pass set */
	threadstate_classify(s);
	assert_string_equal(s->threads[3].wait.detail, "read on fd 3 (pipe:[42])");
	assert_int_equal(s->threads[0].wait.kind, WAIT_NONE);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
