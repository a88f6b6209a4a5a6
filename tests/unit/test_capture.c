/* test_capture.c - unit tests for what capture decides without a target: mode names, carry-over, permission messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture_int.h"
#include "rcbuf.h"
#include "snapshot.h"
#include "util.h"

static void
test_mode_names(void **state)
{
	struct snapshot *s = snapshot_new(1);

	(void)state;
	assert_null(snapshot_capture_mode_name(s));
	s->capture_mode = CAPTURE_MODE_FAST;
	assert_string_equal(snapshot_capture_mode_name(s), "fast");
	s->capture_mode = CAPTURE_MODE_STOP_ALL;
	assert_string_equal(snapshot_capture_mode_name(s), "stop-all");
	s->capture_mode = CAPTURE_MODE_SAMPLED;
	assert_string_equal(snapshot_capture_mode_name(s), "sampled");
	s->capture_mode = CAPTURE_MODE_STOP_ALL;
	s->capture_retaken = CAPTURE_MODE_FAST;
	assert_string_equal(snapshot_capture_mode_name(s), "fast, retaken stop-all (a blocked thread ran meanwhile)");
	s->capture_retaken = CAPTURE_MODE_SAMPLED;
	assert_string_equal(snapshot_capture_mode_name(s), "sampled, retaken stop-all (a blocked thread ran meanwhile)");
	snapshot_free(s);
}

static void
test_round_kind_names(void **state)
{
	(void)state;
	assert_string_equal(snapshot_capture_round_kind_name(CAPTURE_ROUND_FIRST), "first");
	assert_string_equal(snapshot_capture_round_kind_name(CAPTURE_ROUND_RETAKE), "retake");
	assert_string_equal(snapshot_capture_round_kind_name(CAPTURE_ROUND_STOP_ALL), "stop-all");
	assert_string_equal(snapshot_capture_round_kind_name(CAPTURE_ROUND_NEW_THREADS), "new-threads");
	assert_string_equal(snapshot_capture_round_kind_name(CAPTURE_ROUND_REREAD), "reread");
}

/* Lock words belong to the latest stop: each copy refreshes every earlier copy, also one at an
 * address no thread waits on any more; frozen (threads born after that stop) only new ones are
 * added. Read from this process itself, which process_vm_readv allows. */
static void
test_lockwords_refresh(void **state)
{
	static uint32_t words[256] __attribute__((aligned(64)));
	struct capture c;
	struct snapshot *s = snapshot_new(getpid());
	struct thread *t = snapshot_add_thread(s, 1);
	uint64_t a = (uint64_t)(uintptr_t)&words[64], b = (uint64_t)(uintptr_t)&words[128];
	uint32_t got;

	(void)state;
	memset(&c, 0, sizeof c);
	c.pid = getpid();
	t->syscall = SYS_futex;
	t->syscall_args[0] = a;
	words[64] = 1;
	capture_stop_copy_lockwords(&c, s);
	assert_int_equal(s->nmem, 1);
	assert_int_equal(snapshot_read(s, a, &got, sizeof got), sizeof got);
	assert_int_equal(got, 1);
	/* the thread now waits elsewhere; the old word changed: both copies are of the new stop */
	t->syscall_args[0] = b;
	words[64] = 2;
	capture_stop_copy_lockwords(&c, s);
	assert_int_equal(snapshot_read(s, a, &got, sizeof got), sizeof got);
	assert_int_equal(got, 2);
	/* frozen: the earlier copies keep their words */
	words[64] = 3;
	c.lockwords_frozen = true;
	capture_stop_copy_lockwords(&c, s);
	assert_int_equal(snapshot_read(s, a, &got, sizeof got), sizeof got);
	assert_int_equal(got, 2);
	snapshot_free(s);
}

/* A thread blocked in futex(), read without stopping it, with its stack copied. */
static struct thread *
add_blocked(struct snapshot *s, pid_t tid)
{
	struct thread *t = snapshot_add_thread(s, tid);

	t->name = xstrdup("waiter");
	t->status = CAPTURE_UNSTOPPED;
	t->proc_state = 'S';
	t->syscall = SYS_futex;
	t->syscall_args[0] = 0x7000;
	t->syscall_sp = 0x7ff000;
	t->syscall_pc = 0x401000;
	t->wchan = xstrdup("futex_wait_queue");
	t->sched_slices = 7;
	t->cpu = 1;
	t->stack = xmalloc(16);
	memset(t->stack, 0xab, 16);
	t->stack_len = 16;
	t->stack_addr = 0x7fef80;
	return t;
}

/* A runnable thread taken from its sample. */
static struct thread *
add_runnable(struct snapshot *s, pid_t tid, bool unchanged)
{
	struct thread *t = snapshot_add_thread(s, tid);

	t->name = xstrdup("spinner");
	t->status = CAPTURE_SAMPLED;
	t->proc_state = 'R';
	t->task_running = true;
	t->unchanged = unchanged;
	t->sched_runtime_ns = 123456;
	t->utime_ticks = 9;
	return t;
}

static void
test_carry_kind(void **state)
{
	struct snapshot *s = snapshot_new(1);
	struct thread *t;

	(void)state;
	t = add_blocked(s, 10);
	assert_int_equal(capture_carry_kind(t, false), CAPTURE_CARRY_BLOCKED);
	t->stack_len = 0;	/* no stack copy to carry */
	assert_int_equal(capture_carry_kind(t, false), CAPTURE_CARRY_NONE);
	t->stack_len = 16;
	t->on_cpu = true;	/* not blocked after all */
	assert_int_equal(capture_carry_kind(t, false), CAPTURE_CARRY_NONE);
	t->on_cpu = false;
	t->status = CAPTURE_OK;	/* it was stopped */
	assert_int_equal(capture_carry_kind(t, true), CAPTURE_CARRY_NONE);

	t = add_runnable(s, 11, true);
	assert_int_equal(capture_carry_kind(t, false), CAPTURE_CARRY_RUNNABLE);
	t->unchanged = false;	/* may have been on a cpu: could have run on unseen */
	assert_int_equal(capture_carry_kind(t, false), CAPTURE_CARRY_NONE);
	assert_int_equal(capture_carry_kind(t, true), CAPTURE_CARRY_RUNNABLE);
	t->proc_state = 'S';
	assert_int_equal(capture_carry_kind(t, true), CAPTURE_CARRY_NONE);
	t->proc_state = 'R';
	t->task_running = false;
	assert_int_equal(capture_carry_kind(t, true), CAPTURE_CARRY_NONE);
	snapshot_free(s);
}

/* What a sampled snapshot remembers is what the next one gets for a thread that did not run. */
static void
test_carry_save_apply(void **state)
{
	struct capture *c = xcalloc(1, sizeof *c);
	struct snapshot *s = snapshot_new(1), *next = snapshot_new(1);
	const struct capture_prev *p;
	struct thread *t;

	(void)state;
	c->pid = 1;
	c->snap = s;
	add_blocked(s, 30);
	add_runnable(s, 20, false);
	add_runnable(s, 10, false);
	capture_thr(c, &s->threads[1])->off_cpu_sure = true;	/* tid 20 surely off its cpu */
	capture_carry_save(c, s);
	assert_int_equal(c->carry.nprev, 2);
	assert_null(capture_carry_find(&c->carry, 10));
	assert_non_null(capture_carry_find(&c->carry, 20));
	p = capture_carry_find(&c->carry, 30);
	assert_non_null(p);

	c->snap = next;
	c->nthr = 0;
	t = snapshot_add_thread(next, 30);
	capture_carry_apply(c, t, p);
	assert_true(t->unchanged);
	assert_string_equal(t->name, "waiter");
	assert_int_equal(t->proc_state, 'S');
	assert_false(t->task_running);
	assert_int_equal(t->syscall, SYS_futex);
	assert_int_equal(t->syscall_args[0], 0x7000);
	assert_int_equal(t->syscall_sp, 0x7ff000);
	assert_string_equal(t->wchan, "futex_wait_queue");
	assert_int_equal(t->sched_slices, 7);
	assert_int_equal(t->stack_len, 16);
	assert_int_equal(t->stack_addr, 0x7fef80);
	assert_int_equal(t->stack[15], 0xab);
	assert_int_equal(capture_thr(c, t)->stack_cap, 16);

	t = snapshot_add_thread(next, 20);
	capture_carry_apply(c, t, capture_carry_find(&c->carry, 20));
	assert_true(t->unchanged);
	assert_true(t->task_running);
	assert_int_equal(t->syscall, -2);
	assert_null(t->stack);
	assert_int_equal(t->sched_runtime_ns, 123456);
	assert_int_equal(t->utime_ticks, 9);

	capture_carry_clear(&c->carry);
	assert_null(capture_carry_find(&c->carry, 30));
	capture_carry_done(&c->carry);
	free(c->thr);
	free(c);
	snapshot_free(s);
	snapshot_free(next);
}

static void
test_carry_facts_hold(void **state)
{
	struct capture_carry k = { 0 };
	struct proc_stat st = { 0 };
	uint64_t t0 = 5000000000ULL;

	(void)state;
	assert_false(capture_carry_facts_hold(&k, &st, t0));
	k.facts = snapshot_new(1);
	snapshot_add_thread(k.facts, 1);
	snapshot_add_thread(k.facts, 2);
	k.facts_ns = t0;
	k.facts_vsize = st.vsize = 1 << 20;
	st.num_threads = 2;
	assert_true(capture_carry_facts_hold(&k, &st, t0 + 500000000ULL));
	assert_true(capture_carry_facts_hold(&k, &st, t0 + 1000000000ULL));
	assert_false(capture_carry_facts_hold(&k, &st, t0 + 1000000001ULL));	/* a new fd may be there */
	st.vsize += 4096;	/* a new mapping */
	assert_false(capture_carry_facts_hold(&k, &st, t0));
	st.vsize = k.facts_vsize;
	st.num_threads = 3;	/* a thread born */
	assert_false(capture_carry_facts_hold(&k, &st, t0));
	st.num_threads = 2;
	k.facts_ns = 0;	/* known out of date */
	assert_false(capture_carry_facts_hold(&k, &st, t0));
	capture_carry_done(&k);
}

/* Capture's per-thread state follows the snapshot's threads as they are added, zeroed. */
static void
test_thread_state(void **state)
{
	struct capture *c = xcalloc(1, sizeof *c);
	struct snapshot *s = snapshot_new(1);
	struct rcbuf *block = rcbuf_new(64);
	struct thread *t;

	(void)state;
	c->snap = s;
	snapshot_add_thread(s, 1);
	snapshot_add_thread(s, 2);
	capture_thr(c, &s->threads[1])->reread = true;
	for (pid_t tid = 3; tid < 40; tid++)
		snapshot_add_thread(s, tid);
	assert_true(capture_thr(c, &s->threads[1])->reread);
	assert_false(capture_thr(c, &s->threads[0])->reread);
	assert_false(capture_thr(c, &s->threads[30])->reread);
	assert_int_equal(capture_thr(c, &s->threads[30])->stack_cap, 0);

	/* a stack in a block the snapshot keeps is forgotten, not freed, when released; the
	 * snapshot holds its own reference, the same block kept twice in a row only one */
	snapshot_keep_block(s, block);
	snapshot_keep_block(s, block);
	assert_int_equal(block->refs, 2);
	assert_int_equal(s->nblocks, 1);
	rcbuf_unref(block);
	t = &s->threads[2];
	t->stack = block->data + 16;
	t->stack_len = 16;
	t->stack_in_block = true;
	capture_stack_release(c, t);
	assert_null(t->stack);
	assert_false(t->stack_in_block);
	s->threads[3].stack = block->data + 32;
	s->threads[3].stack_len = 32;
	s->threads[3].stack_in_block = true;	/* freed with the block by snapshot_free */
	free(c->thr);
	free(c);
	snapshot_free(s);
}

static void
test_perm_messages(void **state)
{
	struct capture_perm_facts f = { .tracer_comm = "?", .yama_scope = -1, .owner_uid = 1000, .euid = 1000 };
	struct err e;

	(void)state;
	f.tracer = 4242;
	snprintf(f.tracer_comm, sizeof f.tracer_comm, "gdb");
	assert_int_equal(capture_perm_message(77, &f, &e), -1);
	assert_string_equal(e.msg, "process 77: permission denied: already traced by PID 4242 (gdb); "
	    "only one tracer can attach at a time");
	f.tracer = 0;

	f.owner_uid = 0;
	capture_perm_message(77, &f, &e);
	assert_string_equal(e.msg, "process 77: permission denied: it belongs to uid 0 and holdup is not root "
	    "(run as root or with CAP_SYS_PTRACE)");
	f.owner_uid = 1000;

	f.yama_scope = 1;
	capture_perm_message(77, &f, &e);
	assert_string_equal(e.msg, "process 77: permission denied: kernel.yama.ptrace_scope=1 lets only "
	    "root/CAP_SYS_PTRACE trace a non-child (run as root, grant CAP_SYS_PTRACE, or "
	    "sysctl kernel.yama.ptrace_scope=0)");

	f.yama_scope = 0;
	capture_perm_message(77, &f, &e);
	assert_string_equal(e.msg, "process 77: permission denied (not root; the process may be setuid or "
	    "non-dumpable: run as root or with CAP_SYS_PTRACE)");

	f.euid = 0;	/* root: only the kernel's own policy is left */
	f.yama_scope = 3;
	capture_perm_message(77, &f, &e);
	assert_string_equal(e.msg, "process 77: permission denied: kernel.yama.ptrace_scope=3 forbids all tracing");
	/* no Yama on this kernel: no ptrace_scope to blame */
	f.yama_scope = -1;
	capture_perm_message(77, &f, &e);
	assert_string_equal(e.msg, "process 77: permission denied by the kernel although holdup is root: in a "
	    "container, holdup needs CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE; a Kubernetes "
	    "debug container); otherwise a security module (SELinux, AppArmor) or a seccomp filter "
	    "forbids it");
	assert_null(strstr(e.msg, "ptrace_scope"));
	f.yama_scope = 1;
	capture_perm_message(77, &f, &e);
	assert_non_null(strstr(e.msg, "kernel.yama.ptrace_scope=1 forbids it"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_round_kind_names),
		cmocka_unit_test(test_lockwords_refresh),
		cmocka_unit_test(test_carry_kind),
		cmocka_unit_test(test_carry_save_apply),
		cmocka_unit_test(test_carry_facts_hold),
		cmocka_unit_test(test_thread_state),
		cmocka_unit_test(test_perm_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
