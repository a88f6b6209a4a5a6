/* capture_stop.c - the ptrace stop/copy/resume cycle: the only code that calls ptrace. */
#include "capture_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "signals.h"
#include "syscalls.h"

#define CAPTURE_REDZONE (c->snap->arch->red_zone)	/* leaf functions may use this much below the stack pointer */
#define CAPTURE_LOCKWORD_SPAN 64	/* copied on each side of a futex address */

/* Threads seized right now, for capture_emergency_detach() from a crash handler. */
static pid_t *capture_seized;
static volatile size_t capture_nseized;
static size_t capture_seized_cap;

static volatile sig_atomic_t capture_alarm_fired;

/* Exits the waits below reaped: when holdup launched the target it is the parent as well as the
 * tracer, and the exit status its waitpid took is the launcher's to report (capture_reaped). */
#define CAPTURE_REAPED_MAX 16
static struct { pid_t pid; int status; } capture_reaped_list[CAPTURE_REAPED_MAX];
static size_t capture_nreaped;

static void
capture_stop_note_exit(pid_t pid, int status)
{
	capture_reaped_list[capture_nreaped % CAPTURE_REAPED_MAX].pid = pid;
	capture_reaped_list[capture_nreaped % CAPTURE_REAPED_MAX].status = status;
	capture_nreaped++;
}

bool
capture_reaped(pid_t pid, int *status)
{
	for (size_t i = 0; i < CAPTURE_REAPED_MAX && i < capture_nreaped; i++)
		if (capture_reaped_list[i].pid == pid) {
			*status = capture_reaped_list[i].status;
			return true;
		}
	return false;
}

void
capture_emergency_detach(void)
{
	for (size_t i = 0; i < capture_nseized; i++)
		ptrace(PTRACE_DETACH, capture_seized[i], 0, 0);
	capture_nseized = 0;
}

static void
capture_stop_track(pid_t tid)
{
	xgrow(&capture_seized, &capture_seized_cap, capture_nseized + 1, sizeof *capture_seized);
	capture_seized[capture_nseized] = tid;
	capture_nseized = capture_nseized + 1;
}

static void
capture_stop_on_alarm(int sig)
{
	(void)sig;
	capture_alarm_fired = 1;
}

/* Outside a stop, the crash-time list is exactly the threads still seized: the pending ones. */
static void
capture_stop_track_pending(struct capture *c)
{
	capture_nseized = 0;
	for (size_t i = 0; i < c->npending; i++)
		capture_stop_track(c->pending[i]);
}

/* A long-running top or record must not leave such a thread in its trace stop. */
void
capture_stop_reap_pending(struct capture *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->npending; i++) {
		pid_t tid = c->pending[i];
		int status, sig = 0;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);

		if (r == 0) {
			c->pending[kept++] = tid;
			continue;
		}
		if (r == tid && WIFSTOPPED(status)) {
			if ((status >> 16) != PTRACE_EVENT_STOP && WSTOPSIG(status) != SIGTRAP)
				sig = WSTOPSIG(status);
			ptrace(PTRACE_DETACH, tid, 0, sig);
		} else if (r == tid && (WIFEXITED(status) || WIFSIGNALED(status)))
			capture_stop_note_exit(tid, status);
	}
	c->npending = kept;
	capture_stop_track_pending(c);
}

static bool
capture_stop_is_pending(const struct capture *c, pid_t tid)
{
	for (size_t i = 0; i < c->npending; i++)
		if (c->pending[i] == tid)
			return true;
	return false;
}

void
capture_stop_copy_stack_len(struct capture *c, struct thread *t, uint64_t sp, size_t want)
{
	struct capture_thr *ct;
	ssize_t n;

	if (want > c->opts.stack_bytes)
		want = c->opts.stack_bytes;
	if (want == 0 || sp < CAPTURE_REDZONE)
		return;
	capture_stack_release(c, t);
	ct = capture_thr(c, t);
	if (t->stack == NULL || ct->stack_cap < want) {
		free(t->stack);
		t->stack = xmalloc(want);
		ct->stack_cap = want;
	}
	t->stack_addr = sp - CAPTURE_REDZONE;
	n = capture_read_live(c->pid, t->stack_addr, t->stack, want);
	if (n <= 0) {
		free(t->stack);
		t->stack = NULL;
		t->stack_len = 0;
		ct->stack_cap = 0;
		return;
	}
	t->stack_len = (size_t)n;
}

static void
capture_stop_copy_stack(struct capture *c, struct thread *t, uint64_t sp)
{
	capture_stop_copy_stack_len(c, t, sp, c->opts.stack_bytes);
}

static int
capture_stop_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Copies the words around each futex a thread waits on, once per address: lock owners change
 * while we look. Every copy made earlier in this snapshot is refreshed first: the lock words must
 * be those of the latest stop, the instant the snapshot shows (doc/design.md, capture modes), even
 * at an address no thread waits on any more (a stack may still point to it). Frozen (threads born
 * after that instant), only new addresses are copied. */
void
capture_stop_copy_lockwords(struct capture *c, struct snapshot *s)
{
	uint64_t *addrs = xcalloc(s->nthreads + 1, sizeof *addrs);
	size_t n = 0, nmem_before = s->nmem;

	for (size_t j = 0; j < nmem_before && !c->lockwords_frozen; j++) {
		ssize_t r = capture_read_live(c->pid, s->mem[j].addr, s->mem[j].data, s->mem[j].len);

		(void)r;	/* a lock word that went away keeps its last copy */
	}
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		if (t->regs_valid && syscalls_is_futex(s->arch, (long)t->regs.syscall_nr))
			addrs[n] = t->regs.args[0];
		else if (syscalls_is_futex(s->arch, t->syscall))
			addrs[n] = t->syscall_args[0];
		else
			continue;
		if (addrs[n] >= CAPTURE_LOCKWORD_SPAN)
			n++;
	}
	util_sort(addrs, n, sizeof *addrs, capture_stop_cmp_u64);
	for (size_t i = 0; i < n; i++) {
		uint64_t uaddr = addrs[i], lo = uaddr - CAPTURE_LOCKWORD_SPAN;
		uint8_t buf[2 * CAPTURE_LOCKWORD_SPAN];
		bool dup = false;
		ssize_t r;

		if (i > 0 && addrs[i - 1] == uaddr)
			continue;
		for (size_t j = 0; j < nmem_before && !dup; j++)
			dup = s->mem[j].addr == lo || s->mem[j].addr == uaddr;
		if (dup)
			continue;	/* refreshed above */
		r = capture_read_live(c->pid, lo, buf, sizeof buf);
		if (r < (ssize_t)sizeof buf) {
			/* the span may cross into an unmapped page below: take what starts at uaddr */
			r = capture_read_live(c->pid, uaddr, buf, CAPTURE_LOCKWORD_SPAN);
			if (r > 0)
				snapshot_add_memcopy(s, uaddr, buf, (size_t)r);
			continue;
		}
		snapshot_add_memcopy(s, lo, buf, sizeof buf);
	}
	free(addrs);
}

/* Seizes and interrupts one thread. Returns 0, or -1 with t's status set (gone), or -2 with e
 * set (EPERM). */
static int
capture_stop_seize(struct capture *c, struct thread *t, struct err *e)
{
	if (ptrace(PTRACE_SEIZE, t->tid, 0, 0) < 0) {
		int saved = errno;

		if (saved == ESRCH) {
			capture_thread_error(t, CAPTURE_GONE, "exited before it could be stopped");
			return -1;
		}
		if (saved == EPERM) {
			capture_perm_explain(c->pid, e);
			capture_thread_error(t, CAPTURE_ERROR, "PTRACE_SEIZE: %s", strerror(saved));
			return -2;
		}
		capture_thread_error(t, CAPTURE_ERROR, "PTRACE_SEIZE: %s", strerror(saved));
		return -1;
	}
	capture_stop_track(t->tid);
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0) {
		capture_thread_error(t, errno == ESRCH ? CAPTURE_GONE : CAPTURE_ERROR, "PTRACE_INTERRUPT: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits for a seized thread to stop; records a signal that arrived meanwhile for re-injection.
 * Returns 1 stopped, 0 not stopped (timeout), -1 gone. */
static int
capture_stop_wait(struct thread *t)
{
	int status;

	for (;;) {
		pid_t r = waitpid(t->tid, &status, __WALL | (capture_alarm_fired ? WNOHANG : 0));

		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;	/* the deadline: one last look without blocking */
			capture_thread_error(t, CAPTURE_GONE, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			capture_stop_note_exit(r, status);
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			return -1;
		}
		if (!WIFSTOPPED(status))
			continue;
		if ((status >> 16) != PTRACE_EVENT_STOP && WSTOPSIG(status) != SIGTRAP) {
			/* signal-delivery-stop: keep the signal and hand it back on detach */
			t->pending_signal = WSTOPSIG(status);
		}
		return 1;
	}
}

static void
capture_stop_copy_regs(struct capture *c, struct thread *t)
{
	struct capture_thr *ct = capture_thr(c, t);
	struct err e;

	t->regs_id = 0;		/* no longer a sample's */
	if (arch_regs_from_ptrace(c->snap->arch, t->tid, &t->regs, &e) < 0) {
		capture_thread_error(t, errno == ESRCH ? CAPTURE_GONE : CAPTURE_ERROR, "%s", e.msg);
		return;
	}
	t->regs_valid = true;
	t->status = CAPTURE_OK;
	/* still in the syscall /proc showed, at the same sp: the copy made before the stop holds */
	if (ct->stack_prefetched && t->regs.syscall_nr == t->syscall && t->regs.sp == t->syscall_sp)
		return;
	ct->stack_prefetched = false;
	capture_stop_copy_stack(c, t, t->regs.sp);
}

static void
capture_stop_detach(struct thread *t)
{
	if (ptrace(PTRACE_DETACH, t->tid, 0, t->pending_signal) < 0 && errno != ESRCH)
		capture_thread_error(t, CAPTURE_ERROR, "PTRACE_DETACH: %s", strerror(errno));
}

/* Stack buffers are allocated and touched before the stop: page faults on fresh memory would
 * otherwise lengthen the pause by a fault per page per thread. */
static void
capture_stop_prefault(struct capture *c, struct snapshot *s, const size_t *idx, size_t nidx)
{
	for (size_t i = 0; i < nidx && c->opts.stack_bytes > 0; i++) {
		struct thread *t = &s->threads[idx[i]];
		struct capture_thr *ct = capture_thr(c, t);

		/* a copy made before the stop is kept; it is replaced only if the thread moved */
		if (ct->stack_prefetched)
			continue;
		capture_stack_release(c, t);
		if (t->stack == NULL || ct->stack_cap < c->opts.stack_bytes) {
			free(t->stack);
			t->stack = xmalloc(c->opts.stack_bytes);
			ct->stack_cap = c->opts.stack_bytes;
			memset(t->stack, 0, c->opts.stack_bytes);
		}
	}
}

/* Seizes the threads in idx, putting those seized into stopped. -1 when the very first one may
 * not be traced at all (e says why): nothing to show. */
static int
capture_stop_seize_all(struct capture *c, struct snapshot *s, const size_t *idx, size_t nidx,
    size_t *stopped, size_t *nstopped, struct err *e)
{
	for (size_t i = 0; i < nidx; i++) {
		struct thread *t = &s->threads[idx[i]];
		int r;

		if (capture_stop_is_pending(c, t->tid)) {
			capture_thread_error(t, CAPTURE_NOSTOP,
			    "still has not stopped since an earlier snapshot (state %c); skipped", t->proc_state);
			continue;
		}
		r = capture_stop_seize(c, t, e);
		if (r == -2 && *nstopped == 0 && i == 0)
			return -1;
		if (r == 0)
			stopped[(*nstopped)++] = idx[i];
	}
	return 0;
}

/* Waits, within the stop timeout altogether, for the seized threads to stop, and copies each
 * that did. */
static void
capture_stop_wait_all(struct capture *c, struct snapshot *s, const size_t *stopped, size_t nstopped)
{
	struct itimerval it;

	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = c->opts.stop_timeout_ms / 1000;
	it.it_value.tv_usec = (c->opts.stop_timeout_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	for (size_t i = 0; i < nstopped; i++) {
		struct thread *t = &s->threads[stopped[i]];
		int r = capture_stop_wait(t);

		if (r == 1) {
			struct capture_thr *ct = capture_thr(c, t);

			capture_stop_copy_regs(c, t);
			c->last_stopped++;
			/* a thread stopped again in a later round is still one thread stopped */
			if (!ct->stopped_once)
				s->nstopped++;
			ct->stopped_once = true;
		} else if (r == 0) {
			capture_thread_error(t, CAPTURE_NOSTOP, "did not stop within %d ms (state %c); skipped",
			    c->opts.stop_timeout_ms, t->proc_state);
		}
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Only threads that would not stop stay seized: reaped at the next snapshot or close, and
 * detached by the kernel if holdup exits first. */
static void
capture_stop_keep_pending(struct capture *c, struct snapshot *s, const size_t *stopped, size_t nstopped)
{
	for (size_t i = 0; i < nstopped; i++) {
		if (s->threads[stopped[i]].status != CAPTURE_NOSTOP)
			continue;
		xgrow(&c->pending, &c->pending_cap, c->npending + 1, sizeof *c->pending);
		c->pending[c->npending++] = s->threads[stopped[i]].tid;
	}
	capture_stop_track_pending(c);
}

/* The pause runs from the first interrupt to the last detach. */
int
capture_stop_copy_resume(struct capture *c, struct snapshot *s, size_t *idx, size_t nidx, struct err *e)
{
	struct sigaction sa, oldsa;
	sigset_t oldmask;
	uint64_t t0, t1;
	size_t *stopped, nstopped = 0;
	int rc = 0;

	c->last_stopped = 0;
	if (nidx == 0)
		return 0;	/* nothing to stop: the caller copies the lock words */
	stopped = xcalloc(nidx, sizeof *stopped);
	signals_block_quit(&oldmask);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = capture_stop_on_alarm;	/* no SA_RESTART: waitpid must return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &oldsa);
	capture_alarm_fired = 0;

	capture_stop_prefault(c, s, idx, nidx);
	/* room for every tid up front: a crash handler may walk the list while we fill it */
	xgrow(&capture_seized, &capture_seized_cap, capture_nseized + nidx, sizeof *capture_seized);
	t0 = util_now_us();
	if (capture_stop_seize_all(c, s, idx, nidx, stopped, &nstopped, e) < 0) {
		rc = -1;	/* no permission at all: nothing to show */
		goto resume;
	}
	capture_stop_wait_all(c, s, stopped, nstopped);
	capture_stop_copy_lockwords(c, s);
resume:
	for (size_t i = 0; i < nstopped; i++) {
		struct thread *t = &s->threads[stopped[i]];

		if (t->status == CAPTURE_OK || t->status == CAPTURE_ERROR)
			capture_stop_detach(t);
	}
	t1 = util_now_us();
	capture_stop_keep_pending(c, s, stopped, nstopped);
	sigaction(SIGALRM, &oldsa, NULL);
	signals_restore_mask(&oldmask);
	if (nstopped > 0)
		s->pause_us += t1 - t0;
	free(stopped);
	return rc;
}
