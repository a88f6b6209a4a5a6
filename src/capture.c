/* capture.c - the stop/copy/resume cycle: the only code that calls ptrace. */
#include "capture.h"

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
#include <elf.h>
#include <unistd.h>

#include "proc.h"
#include "sampler.h"
#include "signals.h"

#define CAPTURE_PAGE 4096
#define CAPTURE_REDZONE arch.red_zone	/* leaf functions may use this much below the stack pointer */
#define CAPTURE_LOCKWORD_SPAN 64	/* copied on each side of a futex address */
#define CAPTURE_MAX_ROUNDS 8		/* re-listing rounds for threads born during the stop */
#define CAPTURE_BLOCKED_STACK 8192	/* stack bytes copied from a thread blocked in the kernel */

struct capture {
	pid_t pid;
	struct capture_opts opts;
	unsigned long long starttime;	/* detects PID reuse between snapshots */
	struct proc_fdcache *fdc;	/* owned; /proc files kept open across snapshots */
	struct sampler *sampler;	/* owned; NULL unless opts.sample_ns (and not stop_all) */
	struct capture_prev *prev;	/* owned, sorted by tid: runnable threads of the last sampled snapshot */
	size_t nprev, prev_cap;
	struct proc_stat stat;		/* of the process, as capture_target_alive last read it */
	struct snapshot *facts;		/* owned; process facts (exe, maps, fds, tids) sampled snapshots reuse */
	uint64_t facts_ns;		/* when they were read; 0 once they are known to be out of date */
	uint64_t facts_vsize;		/* the address space's size then */
	pid_t *pending;			/* seized threads that did not stop yet: detached once they do */
	size_t npending, pending_cap;
};

/* Threads seized right now, for capture_emergency_detach() from a crash handler. */
static pid_t *capture_seized;
static volatile size_t capture_nseized;
static size_t capture_seized_cap;

static volatile sig_atomic_t capture_alarm_fired;

/* What /proc said of a thread that waited for a CPU or in a system call: still true while it has
 * not run since (a blocked one is also checked to be still asleep: it may be woken, not yet run). */
struct capture_prev {
	pid_t tid;
	char name[64];			/* as long as proc_stat's comm */
	char proc_state;
	int cpu;
	uint64_t runtime_ns, wait_ns, slices, utime, stime;
	long syscall;			/* blocked ones: the syscall line, wchan and the stack copy */
	uint64_t syscall_args[6], syscall_sp, syscall_pc;
	char *wchan;			/* owned, or NULL */
	uint8_t *stack;			/* owned, or NULL */
	size_t stack_len;
	uint64_t stack_addr;
};

void
capture_opts_default(struct capture_opts *o)
{
	memset(o, 0, sizeof *o);
	o->stack_bytes = 32 * 1024;
	o->stop_timeout_ms = 200;
	o->stop_all = false;
}

uint64_t
capture_sample_ns_for(uint64_t interval_ns)
{
	uint64_t ns = interval_ns / 2;

	return ns < 1000000 ? 1000000 : ns > 10000000 ? 10000000 : ns;
}

void
capture_emergency_detach(void)
{
	for (size_t i = 0; i < capture_nseized; i++)
		ptrace(PTRACE_DETACH, capture_seized[i], 0, 0);
	capture_nseized = 0;
}

static void
capture_track(pid_t tid)
{
	xgrow(&capture_seized, &capture_seized_cap, capture_nseized + 1, sizeof *capture_seized);
	capture_seized[capture_nseized] = tid;
	capture_nseized = capture_nseized + 1;
}

static void
capture_on_alarm(int sig)
{
	(void)sig;
	capture_alarm_fired = 1;
}

/* /proc/PID/stat of the process; -1 if it cannot be read or parsed. */
static int
capture_stat(pid_t pid, struct proc_stat *st)
{
	char path[64], *text;
	int rc;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	text = util_read_file(path, NULL);
	if (text == NULL)
		return -1;
	rc = proc_parse_stat(text, st);
	free(text);
	return rc;
}

static unsigned long long
capture_starttime(pid_t pid)
{
	struct proc_stat st;

	return capture_stat(pid, &st) == 0 ? st.starttime : 0;
}

/* Explains an EPERM from PTRACE_SEIZE in terms a user can act on. */
static int
capture_explain_eperm(pid_t pid, struct err *e)
{
	char path[64], val[64], *status;
	int scope = -1;
	char *ys;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	status = util_read_file(path, NULL);
	if (status != NULL && proc_status_field(status, "TracerPid", val, sizeof val) == 0 && atoi(val) != 0) {
		int tracer = atoi(val);
		char comm[64] = "?", cpath[64];
		char *c;

		snprintf(cpath, sizeof cpath, "/proc/%d/comm", tracer);
		c = util_read_file(cpath, NULL);
		if (c != NULL) {
			snprintf(comm, sizeof comm, "%.*s", (int)strcspn(c, "\n"), c);
			free(c);
		}
		free(status);
		return err_set(e, "process %d: permission denied: already traced by PID %d (%s); "
		    "only one tracer can attach at a time", (int)pid, tracer, comm);
	}
	ys = util_read_file("/proc/sys/kernel/yama/ptrace_scope", NULL);
	if (ys != NULL) {
		scope = atoi(ys);
		free(ys);
	}
	if (geteuid() != 0) {
		char uid[64] = "";

		if (status != NULL)
			proc_status_field(status, "Uid", uid, sizeof uid);
		free(status);
		if (atoi(uid) != (int)geteuid())
			return err_set(e, "process %d: permission denied: it belongs to uid %d and holdup is not root "
			    "(run as root or with CAP_SYS_PTRACE)", (int)pid, atoi(uid));
		if (scope >= 1)
			return err_set(e, "process %d: permission denied: kernel.yama.ptrace_scope=%d lets only "
			    "root/CAP_SYS_PTRACE trace a non-child (run as root, grant CAP_SYS_PTRACE, or "
			    "sysctl kernel.yama.ptrace_scope=0)", (int)pid, scope);
		return err_set(e, "process %d: permission denied (not root; the process may be setuid or "
		    "non-dumpable: run as root or with CAP_SYS_PTRACE)", (int)pid);
	}
	free(status);
	if (scope >= 3)
		return err_set(e, "process %d: permission denied: kernel.yama.ptrace_scope=3 forbids all tracing",
		    (int)pid);
	return err_set(e, "process %d: permission denied by the kernel (a security module or "
	    "ptrace_scope=%d)", (int)pid, scope);
}

int
capture_open(pid_t pid, const struct capture_opts *opts, struct capture **out, struct err *e)
{
	char path[64], *text;
	struct proc_stat st;
	struct capture *c;

	if (pid == getpid())
		return err_set(e, "process %d is holdup itself", (int)pid);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	text = util_read_file(path, NULL);
	if (text == NULL) {
		if (errno == ENOENT || errno == ESRCH)
			return err_set(e, "process %d: no such process", (int)pid);
		return err_set(e, "process %d: %s: %s", (int)pid, path, strerror(errno));
	}
	if (proc_parse_stat(text, &st) < 0) {
		free(text);
		return err_set(e, "process %d: cannot parse %s", (int)pid, path);
	}
	free(text);
	if (st.flags & PROC_PF_KTHREAD)
		return err_set(e, "process %d (%s) is a kernel thread: it has no user stack to show", (int)pid, st.comm);
	if (st.state == 'Z' || st.state == 'X') {
		pid_t *tids = NULL;
		int n = proc_list_tasks(pid, &tids, NULL);

		free(tids);
		if (n <= 1)
			return err_set(e, "process %d is a zombie: it has exited and waits for its parent to reap it",
			    (int)pid);
	}
	c = xcalloc(1, sizeof *c);
	c->pid = pid;
	if (opts != NULL)
		c->opts = *opts;
	else
		capture_opts_default(&c->opts);
	if (c->opts.stop_timeout_ms <= 0)
		c->opts.stop_timeout_ms = 200;
	c->starttime = capture_starttime(pid);
	c->fdc = proc_fdcache_new(pid);
	if (c->opts.sample_ns > 0 && !c->opts.stop_all)
		c->sampler = sampler_new(pid, c->opts.sample_ns);
	util_at_fatal(capture_emergency_detach);
	*out = c;
	return 0;
}

/* Outside a stop, the crash-time list is exactly the threads still seized: the pending ones. */
static void
capture_track_pending(struct capture *c)
{
	capture_nseized = 0;
	for (size_t i = 0; i < c->npending; i++)
		capture_track(c->pending[i]);
}

/* Detaches seized threads that have stopped since they timed out; forgets those that exited.
 * A long-running top or record must not leave such a thread in its trace stop. */
static void
capture_reap_pending(struct capture *c)
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
		}
	}
	c->npending = kept;
	capture_track_pending(c);
}

static bool
capture_is_pending(const struct capture *c, pid_t tid)
{
	for (size_t i = 0; i < c->npending; i++)
		if (c->pending[i] == tid)
			return true;
	return false;
}

static bool capture_is_blocked(const struct thread *t);
static void capture_stack_release(struct thread *t);

static void
capture_prev_clear(struct capture *c)
{
	for (size_t i = 0; i < c->nprev; i++) {
		free(c->prev[i].wchan);
		free(c->prev[i].stack);
	}
	c->nprev = 0;
}

static int
capture_prev_cmp(const void *a, const void *b)
{
	const struct capture_prev *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Remembers the runnable and the blocked threads of a sampled snapshot for the next one. */
static void
capture_prev_save(struct capture *c, const struct snapshot *s)
{
	capture_prev_clear(c);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		bool blocked = t->status == CAPTURE_UNSTOPPED && capture_is_blocked(t) && t->stack_len > 0;
		struct capture_prev *p;

		/* one that may have been on a cpu could have run on and blocked unseen: the kernel
		 * marks only its being scheduled in */
		if (!blocked && (t->status != CAPTURE_SAMPLED || t->proc_state != 'R' || !t->task_running ||
		    !(t->unchanged || t->off_cpu_sure)))
			continue;
		xgrow(&c->prev, &c->prev_cap, c->nprev + 1, sizeof *c->prev);
		p = &c->prev[c->nprev++];
		memset(p, 0, sizeof *p);
		p->tid = t->tid;
		snprintf(p->name, sizeof p->name, "%s", t->name != NULL ? t->name : "");
		p->proc_state = t->proc_state;
		p->cpu = t->cpu;
		p->runtime_ns = t->sched_runtime_ns;
		p->wait_ns = t->sched_wait_ns;
		p->slices = t->sched_slices;
		p->utime = t->utime_ticks;
		p->stime = t->stime_ticks;
		p->syscall = -2;
		if (!blocked)
			continue;
		p->syscall = t->syscall;
		memcpy(p->syscall_args, t->syscall_args, sizeof p->syscall_args);
		p->syscall_sp = t->syscall_sp;
		p->syscall_pc = t->syscall_pc;
		p->wchan = t->wchan != NULL ? xstrdup(t->wchan) : NULL;
		p->stack = xmalloc(t->stack_len);
		memcpy(p->stack, t->stack, t->stack_len);
		p->stack_len = t->stack_len;
		p->stack_addr = t->stack_addr;
	}
	util_sort(c->prev, c->nprev, sizeof *c->prev, capture_prev_cmp);
}

/* A thread that has not run since the previous snapshot cannot have changed: it can neither
 * block, stop nor exit without running, nor leave a system call. Its facts are carried over
 * instead of read; a blocked one costs one read of its stat, since a wakeup needs no CPU. */
static bool
capture_prev_restore(struct capture *c, struct thread *t)
{
	struct capture_prev key = { .tid = t->tid }, *p;
	struct proc_stat st;

	if (c->nprev == 0 || sampler_ran(c->sampler, t->tid) != 0)
		return false;
	p = bsearch(&key, c->prev, c->nprev, sizeof *c->prev, capture_prev_cmp);
	if (p == NULL)
		return false;
	if (p->syscall >= 0 && (proc_read_stat(c->fdc, c->pid, t->tid, &st) < 0 || st.state != p->proc_state))
		return false;
	free(t->name);
	t->name = xstrdup(p->name);
	t->proc_state = p->proc_state;
	t->task_running = p->syscall < 0;
	t->on_cpu = false;
	t->syscall = p->syscall;
	t->cpu = p->cpu;
	t->sched_runtime_ns = p->runtime_ns;
	t->sched_wait_ns = p->wait_ns;
	t->sched_slices = p->slices;
	t->utime_ticks = p->utime;
	t->stime_ticks = p->stime;
	if (p->syscall >= 0) {
		memcpy(t->syscall_args, p->syscall_args, sizeof t->syscall_args);
		t->syscall_sp = p->syscall_sp;
		t->syscall_pc = p->syscall_pc;
		free(t->wchan);
		t->wchan = p->wchan != NULL ? xstrdup(p->wchan) : NULL;
		capture_stack_release(t);
		free(t->stack);
		t->stack = xmalloc(p->stack_len);
		memcpy(t->stack, p->stack, p->stack_len);
		t->stack_cap = t->stack_len = p->stack_len;
		t->stack_addr = p->stack_addr;
	}
	t->unchanged = true;
	proc_fdcache_keep(c->fdc, t->tid);
	return true;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	capture_reap_pending(c);
	capture_emergency_detach();
	util_remove_fatal(capture_emergency_detach);
	free(c->pending);
	capture_prev_clear(c);
	free(c->prev);
	snapshot_free(c->facts);
	sampler_free(c->sampler);
	proc_fdcache_free(c->fdc);
	free(c);
}

bool
capture_target_alive(struct capture *c)
{
	/* A reused PID is a different process. */
	return capture_stat(c->pid, &c->stat) == 0 && c->stat.state != 'Z' && c->stat.state != 'X' &&
	    c->stat.starttime == c->starttime;
}

/* Splits a remote range into page-aligned pieces so a short read stops at the first unmapped page. */
ssize_t
capture_read_live(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local, remote[64];
	size_t done = 0;

	while (done < len) {
		size_t n = 0, chunk = 0;
		uint64_t a = addr + done;
		ssize_t r;

		while (n < 64 && done + chunk < len) {
			size_t room = CAPTURE_PAGE - (size_t)((a + chunk) % CAPTURE_PAGE);
			size_t want = len - done - chunk;

			if (want > room)
				want = room;
			remote[n].iov_base = (void *)(uintptr_t)(a + chunk);
			remote[n].iov_len = want;
			chunk += want;
			n++;
		}
		local.iov_base = (uint8_t *)buf + done;
		local.iov_len = chunk;
		r = process_vm_readv(pid, &local, 1, remote, n, 0);
		if (r <= 0)
			return done > 0 ? (ssize_t)done : -1;
		done += (size_t)r;
		if ((size_t)r < chunk)
			break;
	}
	return (ssize_t)done;
}

static ssize_t
capture_read_fallback(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return capture_read_live((pid_t)(intptr_t)ctx, addr, buf, len);
}

static void
capture_thread_error(struct thread *t, enum capture_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
capture_thread_error(struct thread *t, enum capture_status st, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	t->status = st;
	free(t->error);
	t->error = xstrdup(buf);
}

/* Forgets a stack copy t does not own (one in the snapshot's block), so it can get its own. */
static void
capture_stack_release(struct thread *t)
{
	if (!t->stack_in_block)
		return;
	t->stack = NULL;
	t->stack_len = 0;
	t->stack_cap = 0;
	t->stack_in_block = false;
}

/* Copies the stack top of t from sp (minus the red zone) into t->stack. */
static void
capture_copy_stack_len(struct capture *c, struct thread *t, uint64_t sp, size_t want)
{
	ssize_t n;

	if (want > c->opts.stack_bytes)
		want = c->opts.stack_bytes;
	if (want == 0 || sp < CAPTURE_REDZONE)
		return;
	capture_stack_release(t);
	if (t->stack == NULL || t->stack_cap < want) {
		free(t->stack);
		t->stack = xmalloc(want);
		t->stack_cap = want;
	}
	t->stack_addr = sp - CAPTURE_REDZONE;
	n = capture_read_live(c->pid, t->stack_addr, t->stack, want);
	if (n <= 0) {
		free(t->stack);
		t->stack = NULL;
		t->stack_len = 0;
		t->stack_cap = 0;
		return;
	}
	t->stack_len = (size_t)n;
}

static void
capture_copy_stack(struct capture *c, struct thread *t, uint64_t sp)
{
	capture_copy_stack_len(c, t, sp, c->opts.stack_bytes);
}

/* A thread the fast mode can leave running: blocked in a syscall, which freezes its registers and stack. */
static bool
capture_is_blocked(const struct thread *t)
{
	return !t->on_cpu && t->syscall >= 0 && (t->proc_state == 'S' || t->proc_state == 'D');
}

static int
capture_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Copies the words around each futex a thread waits on, once per address: lock owners change
 * while we look. A later stop round (threads that ran meanwhile) refreshes earlier copies. */
static void
capture_copy_lockwords(struct capture *c, struct snapshot *s)
{
	uint64_t *addrs = xcalloc(s->nthreads + 1, sizeof *addrs);
	size_t n = 0, nmem_before = s->nmem;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		if (t->regs_valid && t->regs.syscall_nr == SYS_futex)
			addrs[n] = t->regs.args[0];
		else if (t->syscall == SYS_futex)
			addrs[n] = t->syscall_args[0];
		else
			continue;
		if (addrs[n] >= CAPTURE_LOCKWORD_SPAN)
			n++;
	}
	util_sort(addrs, n, sizeof *addrs, capture_cmp_u64);
	for (size_t i = 0; i < n; i++) {
		uint64_t uaddr = addrs[i], lo = uaddr - CAPTURE_LOCKWORD_SPAN;
		uint8_t buf[2 * CAPTURE_LOCKWORD_SPAN];
		struct memcopy *dup = NULL;
		ssize_t r;

		if (i > 0 && addrs[i - 1] == uaddr)
			continue;
		for (size_t j = 0; j < nmem_before && dup == NULL; j++)
			if (s->mem[j].addr == lo || s->mem[j].addr == uaddr)
				dup = &s->mem[j];
		if (dup != NULL) {
			r = capture_read_live(c->pid, dup->addr, dup->data, dup->len);
			(void)r;
			continue;
		}
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

/* Seizes and interrupts one thread. Returns 0, or -1 with t's status set (gone) or e set (EPERM). */
static int
capture_seize(struct capture *c, struct thread *t, struct err *e)
{
	if (ptrace(PTRACE_SEIZE, t->tid, 0, 0) < 0) {
		int saved = errno;

		if (saved == ESRCH) {
			capture_thread_error(t, CAPTURE_GONE, "exited before it could be stopped");
			return -1;
		}
		if (saved == EPERM) {
			capture_explain_eperm(c->pid, e);
			capture_thread_error(t, CAPTURE_ERROR, "PTRACE_SEIZE: %s", strerror(saved));
			return -2;
		}
		capture_thread_error(t, CAPTURE_ERROR, "PTRACE_SEIZE: %s", strerror(saved));
		return -1;
	}
	capture_track(t->tid);
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
capture_wait_stop(struct thread *t)
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
capture_copy_regs(struct capture *c, struct thread *t)
{
	struct err e;

	if (arch_regs_from_ptrace(t->tid, &t->regs, &e) < 0) {
		capture_thread_error(t, errno == ESRCH ? CAPTURE_GONE : CAPTURE_ERROR, "%s", e.msg);
		return;
	}
	t->regs_valid = true;
	t->status = CAPTURE_OK;
	/* still in the syscall /proc showed, at the same sp: the copy made before the stop holds */
	if (t->stack_prefetched && t->regs.syscall_nr == t->syscall && t->regs.sp == t->syscall_sp)
		return;
	t->stack_prefetched = false;
	capture_copy_stack(c, t, t->regs.sp);
}

static void
capture_detach(struct thread *t)
{
	if (ptrace(PTRACE_DETACH, t->tid, 0, t->pending_signal) < 0 && errno != ESRCH)
		capture_thread_error(t, CAPTURE_ERROR, "PTRACE_DETACH: %s", strerror(errno));
}

/* Stops the threads of s whose indices are in idx, copies registers and stacks, copies the lock
 * words, resumes them. The pause runs from the first interrupt to the last detach. */
static int
capture_stop_copy_resume(struct capture *c, struct snapshot *s, size_t *idx, size_t nidx, struct err *e)
{
	struct sigaction sa, oldsa;
	struct itimerval it;
	sigset_t oldmask;
	uint64_t t0, t1;
	size_t *stopped, nstopped = 0;
	int rc = 0, r;

	if (nidx == 0)
		return 0;	/* nothing to stop: the caller copies the lock words */
	stopped = xcalloc(nidx, sizeof *stopped);
	signals_block_quit(&oldmask);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = capture_on_alarm;	/* no SA_RESTART: waitpid must return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &oldsa);
	capture_alarm_fired = 0;

	/* Stack buffers are allocated and touched before the stop: page faults on fresh memory
	 * would otherwise lengthen the pause by a fault per page per thread. */
	for (size_t i = 0; i < nidx && c->opts.stack_bytes > 0; i++) {
		struct thread *t = &s->threads[idx[i]];

		/* a copy made before the stop is kept; it is replaced only if the thread moved */
		if (t->stack_prefetched)
			continue;
		capture_stack_release(t);
		if (t->stack == NULL || t->stack_cap < c->opts.stack_bytes) {
			free(t->stack);
			t->stack = xmalloc(c->opts.stack_bytes);
			t->stack_cap = c->opts.stack_bytes;
			memset(t->stack, 0, c->opts.stack_bytes);
		}
	}
	/* room for every tid up front: a crash handler may walk the list while we fill it */
	xgrow(&capture_seized, &capture_seized_cap, capture_nseized + nidx, sizeof *capture_seized);
	t0 = util_now_us();
	for (size_t i = 0; i < nidx; i++) {
		if (capture_is_pending(c, s->threads[idx[i]].tid)) {
			capture_thread_error(&s->threads[idx[i]], CAPTURE_NOSTOP,
			    "still has not stopped since an earlier snapshot (state %c); skipped",
			    s->threads[idx[i]].proc_state);
			continue;
		}
		r = capture_seize(c, &s->threads[idx[i]], e);
		if (r == -2 && nstopped == 0 && i == 0) {
			rc = -1;	/* no permission at all: nothing to show */
			goto resume;
		}
		if (r == 0)
			stopped[nstopped++] = idx[i];
	}
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = c->opts.stop_timeout_ms / 1000;
	it.it_value.tv_usec = (c->opts.stop_timeout_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	for (size_t i = 0; i < nstopped; i++) {
		struct thread *t = &s->threads[stopped[i]];

		r = capture_wait_stop(t);
		if (r == 1) {
			capture_copy_regs(c, t);
			s->nstopped++;
		} else if (r == 0) {
			capture_thread_error(t, CAPTURE_NOSTOP, "did not stop within %d ms (state %c); skipped",
			    c->opts.stop_timeout_ms, t->proc_state);
		}
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	capture_copy_lockwords(c, s);
resume:
	for (size_t i = 0; i < nstopped; i++) {
		struct thread *t = &s->threads[stopped[i]];

		if (t->status == CAPTURE_OK || t->status == CAPTURE_ERROR)
			capture_detach(t);
	}
	t1 = util_now_us();
	/* only threads that would not stop stay seized: reaped at the next snapshot or close, and
	 * detached by the kernel if holdup exits first */
	for (size_t i = 0; i < nstopped; i++) {
		if (s->threads[stopped[i]].status != CAPTURE_NOSTOP)
			continue;
		xgrow(&c->pending, &c->pending_cap, c->npending + 1, sizeof *c->pending);
		c->pending[c->npending++] = s->threads[stopped[i]].tid;
	}
	capture_track_pending(c);
	sigaction(SIGALRM, &oldsa, NULL);
	signals_restore_mask(&oldmask);
	if (nstopped > 0)
		s->pause_us += t1 - t0;
	free(stopped);
	return rc;
}

/* Adds threads that were born since the last listing. */
static void
capture_add_new_threads(struct capture *c, struct snapshot *s)
{
	pid_t *tids = NULL;
	int n = proc_list_tasks(c->pid, &tids, NULL);

	for (int i = 0; i < n; i++) {
		struct thread *t;

		if (snapshot_find_thread(s, tids[i]) != NULL)
			continue;
		t = snapshot_add_thread(s, tids[i]);
		if (proc_read_thread(c->fdc, c->pid, t) < 0)
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
	}
	free(tids);
}

/* /proc says "running" both for threads on a CPU and for those waiting for one. A CPU runs one
 * thread at a time, and the one it runs has its se.exec_start refreshed at every tick: per CPU,
 * the thread that last ran there is on it if its exec_start is within a tick of the newest one. */
#define CAPTURE_TICK_NS 5000000ULL

static void
capture_split_runnable(struct capture *c, struct snapshot *s, bool sampled)
{
	uint64_t *start = xcalloc(s->nthreads + 1, sizeof *start), newest = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	bool *taken;
	size_t nrunning = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		if (!t->task_running || t->status == CAPTURE_GONE)
			continue;
		t->on_cpu = false;
		/* not run since the previous snapshot: waiting for a CPU, no need to look closer */
		if (sampled && t->unchanged)
			continue;
		nrunning++;
		/* the cpu it is on now is read together with exec_start: threads migrate */
		if (proc_read_sched(c->fdc, c->pid, t->tid, &start[i], &t->cpu) == 0 && start[i] > newest)
			newest = start[i];
	}
	if (nrunning == 0 || newest == 0 || ncpu <= 0)
		goto out;
	/* what last ran two ticks before the newest is off its cpu, whatever the race below */
	for (size_t i = 0; i < s->nthreads; i++)
		s->threads[i].off_cpu_sure = start[i] != 0 && newest - start[i] > 2 * CAPTURE_TICK_NS;
	/* newest first, one thread per cpu, at most one tick old */
	taken = xcalloc((size_t)ncpu, sizeof *taken);
	for (;;) {
		int best = -1;

		for (size_t i = 0; i < s->nthreads; i++) {
			struct thread *t = &s->threads[i];

			if (!t->task_running || t->on_cpu || start[i] == 0 || newest - start[i] > CAPTURE_TICK_NS)
				continue;
			if (t->cpu < 0 || t->cpu >= ncpu || taken[t->cpu])
				continue;
			if (best < 0 || start[i] > start[best])
				best = (int)i;
		}
		if (best < 0)
			break;
		s->threads[best].on_cpu = true;
		taken[s->threads[best].cpu] = true;
	}
	free(taken);
out:
	free(start);
}

/* Whether any thread read without stopping it left the kernel since /proc showed it blocked.
 * Its copies would then disagree with the lock words taken during the stop. */
static size_t
capture_unstopped_ran(struct capture *c, struct snapshot *s, bool mark)
{
	size_t ran = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		char line[256], now[32];
		uint64_t slices;
		size_t k;

		if (t->status != CAPTURE_UNSTOPPED)
			continue;
		/* carried over: its event tells whether it was scheduled in since, without a read */
		if (t->unchanged) {
			if (sampler_ran_since(c->sampler, t->tid) != 0) {
				ran++;
				t->reread = mark;
				t->unchanged = false;
			}
			continue;
		}
		/* a run count that did not move says it never ran; without one, the syscall line too */
		line[0] = '\0';
		if (proc_read_progress(c->fdc, c->pid, t->tid, &slices, t->sched_slices > 0 ? NULL : line,
		    sizeof line) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			continue;
		}
		k = (size_t)snprintf(now, sizeof now, "%ld ", t->syscall);
		if (slices != t->sched_slices || (t->sched_slices == 0 && strncmp(line, now, k) != 0)) {
			ran++;
			t->reread = mark;
		}
	}
	return ran;
}

/* Takes a thread that runs or waits for a CPU from its newest sample. False if it has none. */
static bool
capture_from_sample(struct capture *c, struct snapshot *s, struct thread *t)
{
	struct sampler_sample smp;

	if (!t->task_running || t->proc_state != 'R' || sampler_latest(c->sampler, t->tid, &smp) != 1)
		return false;
	t->regs = smp.regs;
	t->regs_valid = true;
	t->status = CAPTURE_SAMPLED;
	t->stack_len = 0;
	if (smp.stack_len == 0)
		return true;
	/* one block for the snapshot's sampled stacks, not an allocation per thread and snapshot */
	if (s->stack_block == NULL) {
		s->stack_block_cap = s->nthreads * (size_t)SAMPLER_STACK_BYTES;
		s->stack_block = xmalloc(s->stack_block_cap);
	}
	capture_stack_release(t);
	/* a thread read again after it ran may have its own copy from earlier in this snapshot */
	if (t->stack == NULL || t->stack_cap < smp.stack_len) {
		free(t->stack);
		t->stack_cap = 0;
		if (s->stack_block_cap - s->stack_block_used >= smp.stack_len) {
			t->stack = s->stack_block + s->stack_block_used;
			t->stack_in_block = true;
			s->stack_block_used += smp.stack_len;
		} else {
			t->stack = xmalloc(smp.stack_len);	/* a thread born during the snapshot */
			t->stack_cap = smp.stack_len;
		}
	}
	memcpy(t->stack, smp.stack, smp.stack_len);
	t->stack_addr = smp.stack_addr;
	t->stack_len = smp.stack_len;
	return true;
}

/* Reads the threads marked reread (they left the kernel while holdup looked) once more, from
 * /proc or their samples; those that need a stop go into idx. Returns how many. */
static size_t
capture_reread(struct capture *c, struct snapshot *s, size_t *idx)
{
	size_t nidx = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		if (!t->reread)
			continue;
		t->reread = false;
		free(t->wchan);
		t->wchan = NULL;
		t->on_cpu = false;
		if (proc_read_thread(c->fdc, c->pid, t) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			continue;
		}
		/* it just ran: if /proc calls it running, count it as on a CPU */
		t->on_cpu = t->task_running;
		if (capture_is_blocked(t)) {
			capture_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
			continue;
		}
		if (!capture_from_sample(c, s, t))
			idx[nidx++] = i;
	}
	return nidx;
}

/* The /proc reads of a snapshot that will stop what runs, copying the stack tops of the threads
 * blocked in the kernel as it goes (two threads reading at once were slower here: they contend
 * in the kernel for the same task and mm locks). */
static void
capture_read_threads(struct capture *c, struct snapshot *s, const pid_t *tids, int n)
{
	for (int i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, tids[i]);

		if (proc_read_thread(c->fdc, c->pid, t) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited before the snapshot");
			continue;
		}
		if (capture_is_blocked(t))
			capture_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
	}
}

/* The /proc reads of a sampled snapshot: every thread gets its perf event, and those that have
 * not run since the previous snapshot carry its facts over. Returns whether samples can be used. */
static bool
capture_read_threads_sampled(struct capture *c, struct snapshot *s, const pid_t *tids, int n)
{
	bool sampled = true;

	for (int i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, tids[i]);
		struct err te;

		/* a thread whose event cannot be opened is stopped instead, like one with no sample yet */
		if (sampled && sampler_track(c->sampler, t->tid, &te) < 0)
			sampled = sampler_usable(c->sampler);
		if (sampled && capture_prev_restore(c, t))
			continue;
		if (proc_read_thread(c->fdc, c->pid, t) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited before the snapshot");
			/* the reused list is out of date: a thread may have been born in its place */
			c->facts_ns = 0;
		}
	}
	return sampled;
}

/* How long a sampled snapshot may reuse the process facts (exe, cmdline, maps, fds) while the
 * address space keeps its size: a new mapping or exec changes the size, a new fd waits this long. */
#define CAPTURE_FACTS_NS 1000000000ULL

/* Copies the process facts (exe, cmdline, maps, fds) of src into the empty snapshot dst. */
static void
capture_facts_copy(struct snapshot *dst, const struct snapshot *src)
{
	dst->exe = src->exe != NULL ? xstrdup(src->exe) : NULL;
	dst->cmdline = src->cmdline != NULL ? xstrdup(src->cmdline) : NULL;
	dst->pidns = src->pidns;
	dst->ns_pid = src->ns_pid;
	dst->container = src->container != NULL ? xstrdup(src->container) : NULL;
	if (src->maps_text != NULL) {
		dst->maps_text = xstrdup(src->maps_text);
		snapshot_parse_maps(dst, dst->maps_text);
	}
	dst->fds = xcalloc(src->nfds + 1, sizeof *dst->fds);
	for (size_t i = 0; i < src->nfds; i++) {
		dst->fds[i].fd = src->fds[i].fd;
		dst->fds[i].target = xstrdup(src->fds[i].target);
	}
	dst->nfds = src->nfds;
}

/* Keeps this snapshot's process facts and thread list for sampled snapshots that follow. */
static void
capture_facts_save(struct capture *c, const struct snapshot *s, const pid_t *tids, int n)
{
	struct snapshot *f;

	if (c->sampler == NULL)
		return;		/* only sampled snapshots reuse them */
	f = snapshot_new(c->pid);
	capture_facts_copy(f, s);
	/* the thread list rides along as threads with nothing but a tid */
	for (int i = 0; i < n; i++)
		snapshot_add_thread(f, tids[i]);
	snapshot_free(c->facts);
	c->facts = f;
	c->facts_ns = util_now_ns();
	c->facts_vsize = c->stat.vsize;
}

/* Fills s with the kept process facts and *tids with the kept thread list if they still hold:
 * recent, the address space the same size, as many threads as then. */
static bool
capture_facts_reuse(struct capture *c, struct snapshot *s, pid_t **tids, int *n)
{
	const struct snapshot *f = c->facts;

	if (f == NULL || c->facts_ns == 0 || util_now_ns() - c->facts_ns > CAPTURE_FACTS_NS ||
	    c->stat.vsize != c->facts_vsize || c->stat.num_threads != (long)f->nthreads)
		return false;
	capture_facts_copy(s, f);
	*tids = xcalloc(f->nthreads + 1, sizeof **tids);
	for (size_t i = 0; i < f->nthreads; i++)
		(*tids)[i] = f->threads[i].tid;
	*n = (int)f->nthreads;
	return true;
}

/* One attempt: /proc reads, then the stop of every thread (stop_all) or of those not blocked in
 * the kernel, copies, resume; then rounds for threads born meanwhile. */
static int
capture_take(struct capture *c, bool stop_all, struct snapshot **out, size_t *ran, struct err *e)
{
	struct snapshot *s;
	pid_t *tids = NULL;
	size_t *idx = NULL, nidx = 0;
	bool sampled, stacks_copied;
	int n, rc = -1;

	*out = NULL;
	*ran = 0;
	s = snapshot_new(c->pid);
	clock_gettime(CLOCK_REALTIME, &s->taken);
	s->read_fallback = capture_read_fallback;
	s->read_ctx = (void *)(intptr_t)c->pid;
	s->capture_mode = stop_all ? "stop-all" : "fast";
	sampled = !stop_all && sampler_usable(c->sampler);
	if (!(sampled && capture_facts_reuse(c, s, &tids, &n))) {
		if (proc_read_process(s, e) < 0) {
			if (errno == EACCES || errno == EPERM)
				capture_explain_eperm(c->pid, e);
			goto fail;
		}
		n = proc_list_tasks(c->pid, &tids, e);
		if (n <= 0) {
			if (n == 0)
				err_set(e, "process %d: no threads", (int)c->pid);
			goto fail;
		}
		capture_facts_save(c, s, tids, n);
	}
	/* All /proc reading happens here, before anything is stopped (a stopped thread reads 't'). */
	/* a sampled snapshot reads thread by thread, carrying over what did not run; one that will
	 * stop what runs reads everything, copying the stacks of the blocked as it goes */
	stacks_copied = !sampled;
	if (!sampled)
		capture_read_threads(c, s, tids, n);
	else
		sampled = capture_read_threads_sampled(c, s, tids, n);
	if (c->facts_ns == 0 && sampled)
		capture_add_new_threads(c, s);
	capture_split_runnable(c, s, sampled);
	proc_read_ns_tids(s);
	if (s->nthreads > 0 && s->threads[0].tid == c->pid && s->threads[0].proc_state == 'T')
		s->target_was_stopped = true;

	idx = xcalloc(s->nthreads + 1, sizeof *idx);
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		if (t->status == CAPTURE_GONE || t->proc_state == 'Z' || t->proc_state == 'X')
			continue;
		if (capture_is_blocked(t)) {
			/* blocked in the kernel: registers frozen; the innermost part of its stack (the
			 * syscall wrapper and lock frames) is copied without stopping; the frames beyond
			 * are read live, they do not move while it stays blocked */
			t->status = CAPTURE_UNSTOPPED;
			if (!stacks_copied && !t->unchanged)
				capture_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
			if (!stop_all)
				continue;
			t->stack_prefetched = t->stack_len > 0;
		}
		if (sampled && capture_from_sample(c, s, t))
			continue;
		idx[nidx++] = i;
	}
	if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
		goto fail;
	if (nidx == 0)
		capture_copy_lockwords(c, s);
	if (sampled)
		s->capture_mode = "sampled";
	if (!stop_all && (*ran = capture_unstopped_ran(c, s, sampled)) > 0) {
		if (!sampled) {
			rc = 0;	/* the caller retakes it in stop-all mode */
			goto fail;
		}
		/* A sampled snapshot is not atomic anyway: the threads that ran are read again and the
		 * lock words copied after them, so none is seen waiting for a lock it has taken. */
		nidx = capture_reread(c, s, idx);
		if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
			goto fail;
		capture_copy_lockwords(c, s);
	}

	/* Threads born meanwhile get a stop of their own; a sampled snapshot, which is not one
	 * instant anyway, leaves them to the next one. */
	for (int round = 0; round < CAPTURE_MAX_ROUNDS && !sampled; round++) {
		size_t before = s->nthreads;

		capture_add_new_threads(c, s);
		idx = xrealloc(idx, (s->nthreads + 1) * sizeof *idx);
		nidx = 0;
		for (size_t i = before; i < s->nthreads; i++)
			if (s->threads[i].status != CAPTURE_GONE)
				idx[nidx++] = i;
		if (nidx == 0)
			break;
		if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
			goto fail;
	}
	rc = 0;
	*out = s;
	s = NULL;
fail:
	free(idx);
	free(tids);
	snapshot_free(s);
	return rc;
}

int
capture_snapshot(struct capture *c, struct snapshot **out, struct err *e)
{
	uint64_t start = util_now_us();
	size_t ran = 0;

	*out = NULL;
	capture_reap_pending(c);
	if (!capture_target_alive(c))
		return err_set(e, "process %d: no such process (it exited)", (int)c->pid);
	if (capture_take(c, c->opts.stop_all, out, &ran, e) < 0)
		return -1;
	if (*out == NULL) {
		/* A blocked thread woke while we looked: its copies and the lock words could disagree
		 * (a thread seen waiting for a lock it has since taken). Retake it stopping everything. */
		if (capture_take(c, true, out, &ran, e) < 0)
			return -1;
		(*out)->capture_mode = "fast, retaken stop-all (a blocked thread ran meanwhile)";
	}
	(*out)->capture_us = util_now_us() - start;
	proc_fdcache_sweep(c->fdc);
	if (strcmp((*out)->capture_mode, "sampled") == 0) {
		sampler_sweep(c->sampler);
		capture_prev_save(c, *out);
	} else {
		capture_prev_clear(c);
	}
	/* a thread that stopped just after the deadline should not wait for the next snapshot */
	capture_reap_pending(c);
	return 0;
}
