/* capture.c - the public capture API: open/close, mode selection and the flow of one snapshot. */
#include "capture_int.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"

#define CAPTURE_PAGE 4096
#define CAPTURE_MAX_ROUNDS 8		/* re-listing rounds for threads born during the stop */
#define CAPTURE_BLOCKED_STACK 8192	/* stack bytes copied from a thread blocked in the kernel */

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
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

static unsigned long long
capture_starttime(pid_t pid)
{
	struct proc_stat st;

	return capture_stat(pid, &st) == 0 ? st.starttime : 0;
}

/* The arch of the target's code, from its executable's ELF header: holdup's own, or one it reads
 * besides (i386 under x86-64), whose registers, syscall numbers and lock layouts are its own.
 * Another machine's is refused: reading it as one of these would be confidently wrong. An
 * executable that cannot be read is left to the checks that follow (and read as holdup's own). */
static int
capture_check_machine(pid_t pid, const struct arch_info **a, struct err *e)
{
	unsigned char h[20];
	char path[64];
	uint16_t machine;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return 0;
	n = pread(fd, h, sizeof h, 0);
	close(fd);
	if (n != (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0)
		return 0;
	memcpy(&machine, h + 18, sizeof machine);	/* e_machine, little-endian like the hosts we build for */
	if ((*a = arch_find(h[EI_CLASS], machine)) != NULL)
		return 0;
	return err_set(e, "process %d runs code for another machine (ELF class %u, machine %u; holdup %s reads "
	    "%s%s): refusing rather than misreading its registers, syscalls and locks", (int)pid,
	    (unsigned)h[EI_CLASS], (unsigned)machine, arch_native->name, arch_native->name,
	    arch_find(ELFCLASS32, EM_386) != NULL ? " and i386 programs" : " programs");
}

/* The live process: the ops of a capture capture_open made. */
static int capture_live_snapshot(struct capture *c, struct snapshot **out, struct err *e);
static bool capture_live_alive(struct capture *c);
static void capture_live_close(struct capture *c);

static const struct capture_ops capture_live_ops = {
	.snapshot = capture_live_snapshot,
	.alive = capture_live_alive,
	.close = capture_live_close,
};

int
capture_open(pid_t pid, const struct capture_opts *opts, struct capture **out, struct err *e)
{
	char path[64], *text;
	struct proc_stat st;
	struct capture *c;
	const struct arch_info *a = arch_native;

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
	if (capture_check_machine(pid, &a, e) < 0)
		return -1;
	c = xcalloc(1, sizeof *c);
	c->ops = &capture_live_ops;
	c->pid = pid;
	c->arch = a;
	if (opts != NULL)
		c->opts = *opts;
	else
		capture_opts_default(&c->opts);
	if (c->opts.stop_timeout_ms <= 0)
		c->opts.stop_timeout_ms = 200;
	c->starttime = capture_starttime(pid);
	c->fdc = proc_fdcache_new(pid, c->opts.once);
	/* threads of an arch perf cannot sample for us are stopped and read instead */
	if (c->opts.sample_ns > 0 && !c->opts.stop_all && a->regs_from_perf != NULL)
		c->sampler = sampler_new(pid, c->opts.sample_ns);
	util_at_fatal(capture_emergency_detach);
	*out = c;
	return 0;
}

void
capture_close(struct capture *c)
{
	if (c != NULL)
		c->ops->close(c);
}

bool
capture_target_alive(struct capture *c)
{
	return c->ops->alive(c);
}

int
capture_snapshot(struct capture *c, struct snapshot **out, struct err *e)
{
	*out = NULL;
	return c->ops->snapshot(c, out, e);
}

static void
capture_live_close(struct capture *c)
{
	capture_stop_reap_pending(c);
	capture_emergency_detach();
	util_remove_fatal(capture_emergency_detach);
	free(c->pending);
	capture_carry_done(&c->carry);
	free(c->thr);
	sampler_free(c->sampler);
	proc_fdcache_free(c->fdc);
	free(c);
}

static bool
capture_live_alive(struct capture *c)
{
	pid_t *tids = NULL;
	int n;

	/* A reused PID is a different process. Only "no such file" means gone: out of descriptors
	 * (EMFILE) or memory says nothing about the target. */
	if (capture_stat(c->pid, &c->stat) != 0)
		return errno != ENOENT && errno != ESRCH;
	if (c->stat.starttime != c->starttime)
		return false;
	if (c->stat.state != 'Z' && c->stat.state != 'X')
		return true;
	/* a main thread that called pthread_exit is a zombie while the other threads run on */
	n = proc_list_tasks(c->pid, &tids, NULL);
	free(tids);
	return n > 1;
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

/* Whole pages, one process_vm_readv for all: it stops at the first page that fails, so the
 * byte count says how many leading pages were read. */
static size_t
capture_read_pages(void *ctx, const uint64_t *pa, uint8_t *const *bufs, size_t n)
{
	struct iovec local[64], remote[64];
	ssize_t r;

	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++) {
		local[i].iov_base = bufs[i];
		local[i].iov_len = CAPTURE_PAGE;
		remote[i].iov_base = (void *)(uintptr_t)pa[i];
		remote[i].iov_len = CAPTURE_PAGE;
	}
	r = process_vm_readv((pid_t)(intptr_t)ctx, local, n, remote, n, 0);
	return r > 0 ? (size_t)r / CAPTURE_PAGE : 0;
}

/* The index of t in the snapshot being taken finds its state: capture_thr is used only while
 * c->snap's thread array is stable, between additions. */
struct capture_thr *
capture_thr(struct capture *c, const struct thread *t)
{
	size_t i = (size_t)(t - c->snap->threads);

	if (i >= c->snap->nthreads)
		util_fatal("capture: thread %d is not in the snapshot being taken", (int)t->tid);
	if (i >= c->nthr) {
		xgrow(&c->thr, &c->thr_cap, c->snap->nthreads, sizeof *c->thr);
		memset(c->thr + c->nthr, 0, (c->snap->nthreads - c->nthr) * sizeof *c->thr);
		c->nthr = c->snap->nthreads;
	}
	return &c->thr[i];
}

void
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

void
capture_stack_release(struct capture *c, struct thread *t)
{
	if (!t->stack_in_block)
		return;
	t->stack = NULL;
	t->stack_len = 0;
	capture_thr(c, t)->stack_cap = 0;
	t->stack_in_block = false;
}

bool
capture_is_blocked(const struct thread *t)
{
	return !t->on_cpu && t->syscall >= 0 && (t->proc_state == 'S' || t->proc_state == 'D');
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

/* The exact split, from the perf events of a sampled snapshot: a thread is on a CPU if its task
 * clock moves between two reads, and surely off it if it has had no CPU time since just before
 * /proc was read (sampler_mark). False if a thread that runs has no mark: then the heuristic
 * below decides for all, since it needs every running thread's exec_start. */
static bool
capture_split_by_events(struct capture *c, struct snapshot *s)
{
	signed char *on = xcalloc(s->nthreads + 1, sizeof *on);
	bool *idle = xcalloc(s->nthreads + 1, sizeof *idle), done = false;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		on[i] = -1;
		if (!t->task_running || t->status == CAPTURE_GONE || t->unchanged)
			continue;
		on[i] = (signed char)sampler_on_cpu(c->sampler, t->tid, &idle[i]);
		if (on[i] < 0)
			goto out;
	}
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct capture_thr *ct = capture_thr(c, t);

		ct->off_cpu_sure = idle[i];
		if (on[i] < 0)
			continue;
		t->on_cpu = on[i] == 1;
		if (!ct->stat_deferred)
			continue;
		/* running at its first read: all of its stat is read now, not twice */
		ct->stat_deferred = false;
		if (proc_read_thread_stat(c->fdc, c->pid, t) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			c->carry.facts_ns = 0;	/* the reused thread list is out of date */
		}
	}
	done = true;
out:
	free(on);
	free(idle);
	return done;
}

static void
capture_split_runnable(struct capture *c, struct snapshot *s, bool sampled)
{
	uint64_t *start = xcalloc(s->nthreads + 1, sizeof *start), newest = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	bool *taken;
	size_t nrunning = 0;

	if (sampled && capture_split_by_events(c, s)) {
		free(start);
		return;
	}

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct capture_thr *ct = capture_thr(c, t);
		int rc;

		if (!t->task_running || t->status == CAPTURE_GONE)
			continue;
		t->on_cpu = false;
		/* not run since the previous snapshot: waiting for a CPU, no need to look closer */
		if (sampled && t->unchanged)
			continue;
		nrunning++;
		/* the cpu it is on now is read together with exec_start: threads migrate (a thread
		 * running at its first read has all of its stat read here, not twice) */
		rc = proc_read_sched(c->fdc, c->pid, t, ct->stat_deferred, &start[i]);
		ct->stat_deferred = false;
		if (rc == -2) {
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			c->carry.facts_ns = 0;	/* the reused thread list is out of date */
			continue;
		}
		if (rc == 0 && start[i] > newest)
			newest = start[i];
	}
	if (nrunning == 0 || newest == 0 || ncpu <= 0)
		goto out;
	/* what last ran two ticks before the newest is off its cpu, whatever the race below */
	for (size_t i = 0; i < s->nthreads; i++)
		capture_thr(c, &s->threads[i])->off_cpu_sure = start[i] != 0 && newest - start[i] > 2 * CAPTURE_TICK_NS;
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
				capture_thr(c, t)->reread = mark;
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
			capture_thr(c, t)->reread = mark;
		}
	}
	return ran;
}

/* Takes a thread that runs or waits for a CPU from its newest sample. False if it has none. */
static bool
capture_from_sample(struct capture *c, struct snapshot *s, struct thread *t)
{
	struct sampler_sample smp;
	struct capture_thr *ct = capture_thr(c, t);

	if (!t->task_running || t->proc_state != 'R' || sampler_latest(c->sampler, t->tid, &smp) != 1)
		return false;
	t->regs = smp.regs;
	t->regs_valid = true;
	t->regs_id = smp.time_ns;
	t->status = CAPTURE_SAMPLED;
	t->stack_len = 0;
	if (smp.stack_len == 0)
		return true;
	/* the stack stays in the sampler's copy of the sample, shared, not copied again */
	capture_stack_release(c, t);
	free(t->stack);
	ct->stack_cap = 0;
	snapshot_keep_block(s, smp.buf);
	t->stack = (uint8_t *)smp.stack;
	t->stack_in_block = true;
	t->stack_addr = smp.stack_addr;
	t->stack_len = smp.stack_len;
	return true;
}

/* Whether t was stopped in an earlier round of this attempt: its registers and stack are that
 * stop's, older than the lock words the next stop copies (it may since have taken a lock it was
 * seen waiting for), so it is stopped again; they are dropped if it will not stop again. */
static bool
capture_restop(struct capture *c, struct thread *t)
{
	struct capture_thr *ct = capture_thr(c, t);

	if (t->status != CAPTURE_OK || !ct->stopped_once)
		return false;
	t->regs_valid = false;
	ct->stack_prefetched = false;
	return true;
}

/* Reads the threads marked reread (they left the kernel while holdup looked) once more, from
 * /proc or their samples; those that need a stop, and those stopped before, go into idx.
 * Returns how many. */
static size_t
capture_reread(struct capture *c, struct snapshot *s, size_t *idx)
{
	size_t nidx = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct capture_thr *ct = capture_thr(c, t);

		if (capture_restop(c, t)) {
			idx[nidx++] = i;
			continue;
		}
		if (!ct->reread)
			continue;
		ct->reread = false;
		c->retaken++;
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
			capture_stop_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
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
		int rc = proc_read_thread_lazy(c->fdc, c->pid, t, true);

		if (rc < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited before the snapshot");
			continue;
		}
		capture_thr(c, t)->stat_deferred = rc == 1;
		if (capture_is_blocked(t))
			capture_stop_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
	}
}

/* Says in s why a session that asked for perf samples stops threads instead: every snapshot
 * says it, from the first refusal on. */
static void
capture_note_unsampled(struct capture *c, struct snapshot *s)
{
	const char *why = sampler_broken_why(c->sampler);

	if (why == NULL)
		return;
	free(s->capture_note);
	s->capture_note = xasprintf("perf sampling refused (%s): running threads are stopped for each snapshot "
	    "instead", why);
}

/* The /proc reads of a sampled snapshot: every thread gets its perf event, and those that have
 * not run since the previous snapshot carry its facts over. Returns whether samples can be used. */
static bool
capture_read_threads_sampled(struct capture *c, struct snapshot *s, const pid_t *tids, int n)
{
	bool sampled = true;
	size_t refused = 0;
	struct err last = { "" };

	for (int i = 0; i < n; i++) {
		struct thread *t = snapshot_add_thread(s, tids[i]);
		struct err te;
		int rc;

		/* a thread whose event cannot be opened is stopped instead, like one with no sample yet */
		if (sampled && sampler_track(c->sampler, t->tid, &te) < 0) {
			sampled = sampler_usable(c->sampler);
			if (strstr(te.msg, strerror(ESRCH)) == NULL) {
				refused++;
				last = te;
			}
		}
		if (sampled && capture_carry_restore(c, t))
			continue;
		/* its task clock before /proc is read: if it has not moved by the on-CPU split, the
		 * thread did not run since, and what /proc says still holds */
		if (sampled)
			(void)sampler_mark(c->sampler, t->tid);
		rc = proc_read_thread_lazy(c->fdc, c->pid, t, true);
		if (rc < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited before the snapshot");
			/* the reused list is out of date: a thread may have been born in its place */
			c->carry.facts_ns = 0;
		}
		capture_thr(c, t)->stat_deferred = rc == 1;
	}
	if (refused > 0 && sampled) {
		/* said, not hidden: these threads were stopped, where the user asked for no stops */
		free(s->capture_note);
		s->capture_note = xasprintf("%zu thread%s without a perf event (%s): read as in fast mode, stopped if running",
		    refused, refused == 1 ? "" : "s", last.msg);
	} else if (refused > 0) {
		capture_note_unsampled(c, s);
	}
	return sampled;
}

/* Starts one attempt: a new snapshot, and capture's state of it afresh. */
static struct snapshot *
capture_take_begin(struct capture *c, bool stop_all)
{
	struct snapshot *s = snapshot_new(c->pid);
	struct timespec mono;

	s->arch = c->arch;
	clock_gettime(CLOCK_REALTIME, &s->taken);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	s->taken_mono_ns = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	s->read_fallback = capture_read_fallback;
	s->read_pages = capture_read_pages;
	s->read_ctx = (void *)(intptr_t)c->pid;
	s->capture_mode = stop_all ? CAPTURE_MODE_STOP_ALL : CAPTURE_MODE_FAST;
	c->snap = s;
	c->nthr = 0;
	return s;
}

/* The process facts (exe, cmdline, maps, fds) and the thread list: kept ones if a sampled
 * snapshot may reuse them, else read (and kept for the sampled snapshots that follow). */
static int
capture_take_facts(struct capture *c, struct snapshot *s, bool sampled, pid_t **tids, int *n, struct err *e)
{
	if (sampled && capture_carry_facts_reuse(c, s, tids, n))
		return 0;
	/* memory is read through a live thread: a main thread that exited has none */
	s->read_ctx = (void *)(intptr_t)proc_live_task(c->pid);
	if (proc_read_process(s, e) < 0) {
		if (errno == EACCES || errno == EPERM)
			capture_perm_explain(c->pid, e);
		return -1;
	}
	*n = proc_list_tasks(c->pid, tids, e);
	if (*n <= 0) {
		if (*n == 0)
			err_set(e, "process %d: no threads", (int)c->pid);
		return -1;
	}
	capture_carry_facts_save(c, s, *tids, *n);
	return 0;
}

/* Puts into idx the threads to stop: not gone, and not left running (blocked in the kernel,
 * unless stop_all; taken from a sample). Returns how many. */
static size_t
capture_take_select(struct capture *c, struct snapshot *s, bool stop_all, bool sampled, bool stacks_copied,
    size_t *idx)
{
	size_t nidx = 0;

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
				capture_stop_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
			if (!stop_all)
				continue;
			capture_thr(c, t)->stack_prefetched = t->stack_len > 0;
		}
		if (sampled && capture_from_sample(c, s, t))
			continue;
		idx[nidx++] = i;
	}
	return nidx;
}

/* Notes a round of the snapshot being taken: kind, the threads it stopped (c->last_stopped),
 * those found to have run after it, and its pause (what s->pause_us grew by since pause0). */
static void
capture_round_add(struct capture *c, struct snapshot *s, enum capture_round_kind kind, size_t ran,
    uint64_t pause0)
{
	struct capture_round *r;

	if (c->nrounds >= SNAPSHOT_MAX_ROUNDS)
		return;		/* the bounds in capture_take keep below it */
	r = &c->rounds[c->nrounds++];
	r->kind = kind;
	r->stopped = (uint32_t)c->last_stopped;
	r->ran = (uint32_t)ran;
	r->pause_us = s->pause_us - pause0;
}

/* The stop of a targeted retake round, into idx: every thread stopped before (its state is that of
 * the earlier stop, and it ran since) and every thread marked reread (read without a stop, it ran
 * meanwhile), whose /proc facts are read afresh first. One blocked in the kernel again gets its
 * stack top copied now, kept if the stop finds it where /proc said. Returns how many. */
static size_t
capture_retake_select(struct capture *c, struct snapshot *s, size_t *idx)
{
	size_t nidx = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct capture_thr *ct = capture_thr(c, t);

		if (capture_restop(c, t)) {
			idx[nidx++] = i;
			continue;
		}
		if (!ct->reread)
			continue;
		ct->reread = false;
		c->retaken++;
		free(t->wchan);
		t->wchan = NULL;
		t->on_cpu = false;
		if (proc_read_thread(c->fdc, c->pid, t) < 0) {
			capture_thread_error(t, CAPTURE_GONE, "exited during the snapshot");
			continue;
		}
		/* it just ran: if /proc calls it running, count it as on a CPU */
		t->on_cpu = t->task_running;
		if (t->proc_state == 'Z' || t->proc_state == 'X')
			continue;
		ct->stack_prefetched = false;
		if (capture_is_blocked(t)) {
			capture_stop_copy_stack_len(c, t, t->syscall_sp, CAPTURE_BLOCKED_STACK);
			ct->stack_prefetched = t->stack_len > 0;
		}
		idx[nidx++] = i;
	}
	return nidx;
}

/* The targeted retake of a fast snapshot (doc/design.md, capture modes): while threads read without
 * a stop ran meanwhile (*ran), stop them with every thread stopped before, copy the lock words in
 * that stop, and check the others again; for at most CAPTURE_RETAKE_ROUNDS rounds. *ran stays
 * above 0 when the rounds did not settle: the caller then retakes the snapshot stopping all. */
#define CAPTURE_RETAKE_ROUNDS 4

static int
capture_retake(struct capture *c, struct snapshot *s, size_t *idx, size_t *ran, struct err *e)
{
	for (int round = 0; round < CAPTURE_RETAKE_ROUNDS && *ran > 0; round++) {
		uint64_t pause0 = s->pause_us;
		size_t nidx = capture_retake_select(c, s, idx);

		if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
			return -1;
		if (nidx == 0)
			capture_stop_copy_lockwords(c, s);
		*ran = capture_unstopped_ran(c, s, true);
		capture_round_add(c, s, CAPTURE_ROUND_RETAKE, *ran, pause0);
	}
	return 0;
}

/* Threads born meanwhile get a stop of their own, for a few rounds. */
static int
capture_take_rounds(struct capture *c, struct snapshot *s, size_t **idx, struct err *e)
{
	for (int round = 0; round < CAPTURE_MAX_ROUNDS; round++) {
		size_t before = s->nthreads, nidx = 0;

		capture_add_new_threads(c, s);
		*idx = xrealloc(*idx, (s->nthreads + 1) * sizeof **idx);
		for (size_t i = before; i < s->nthreads; i++)
			if (s->threads[i].status != CAPTURE_GONE)
				(*idx)[nidx++] = i;
		if (nidx == 0)
			break;
		/* born after the instant the snapshot shows: their stop must not move the lock words
		 * of the threads taken then */
		uint64_t pause0 = s->pause_us;
		int rc;

		c->lockwords_frozen = true;
		rc = capture_stop_copy_resume(c, s, *idx, nidx, e);
		c->lockwords_frozen = false;
		if (rc < 0)
			return -1;
		capture_round_add(c, s, CAPTURE_ROUND_NEW_THREADS, 0, pause0);
	}
	return 0;
}

/* Rounds of reading again the threads of a sampled snapshot that ran while it was read. */
#define CAPTURE_REREAD_ROUNDS 4

/* A sampled snapshot is not one instant: the threads that ran are read again and the lock words
 * copied after them (or in the stop of those that need one), then checked again, since one more
 * may have woken and taken a lock between its read and that copy (seen as waiting for a lock it
 * holds, in testing). *ran stays above 0 when the rounds did not settle. */
static int
capture_take_reread(struct capture *c, struct snapshot *s, size_t *idx, size_t *ran, struct err *e)
{
	for (int round = 0; round < CAPTURE_REREAD_ROUNDS && *ran > 0; round++) {
		uint64_t pause0 = s->pause_us;
		size_t nidx = capture_reread(c, s, idx);

		if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
			return -1;
		/* a stop copies them itself, while its threads are held; a copy after the resume would
		 * be newer than their registers */
		if (nidx == 0)
			capture_stop_copy_lockwords(c, s);
		*ran = capture_unstopped_ran(c, s, true);
		capture_round_add(c, s, CAPTURE_ROUND_REREAD, *ran, pause0);
	}
	return 0;
}

/* One attempt: /proc reads, then the stop of every thread (stop_all) or of those not blocked in
 * the kernel, copies, resume; then the targeted retake of threads that ran meanwhile, and rounds
 * for threads born meanwhile. *out stays NULL (and *ran says how many ran) when a fast attempt
 * did not settle and must be retaken stop-all. */
static int
capture_take(struct capture *c, bool stop_all, struct snapshot **out, size_t *ran, struct err *e)
{
	struct snapshot *s;
	pid_t *tids = NULL;
	size_t *idx = NULL, nidx;
	bool sampled, stacks_copied;
	uint64_t pause0;
	int n, rc = -1;

	*out = NULL;
	*ran = 0;
	s = capture_take_begin(c, stop_all);
	sampled = !stop_all && sampler_usable(c->sampler);
	if (!stop_all)
		capture_note_unsampled(c, s);
	if (capture_take_facts(c, s, sampled, &tids, &n, e) < 0)
		goto fail;
	/* All /proc reading happens here, before anything is stopped (a stopped thread reads 't'). */
	/* a sampled snapshot reads thread by thread, carrying over what did not run; one that will
	 * stop what runs reads everything, copying the stacks of the blocked as it goes */
	stacks_copied = !sampled;
	if (!sampled)
		capture_read_threads(c, s, tids, n);
	else
		sampled = capture_read_threads_sampled(c, s, tids, n);
	if (c->carry.facts_ns == 0 && sampled)
		capture_add_new_threads(c, s);
	capture_split_runnable(c, s, sampled);
	proc_read_ns_tids(c->fdc, s);
	if (s->nthreads > 0 && s->threads[0].tid == c->pid && s->threads[0].proc_state == 'T')
		s->target_was_stopped = true;

	idx = xcalloc(s->nthreads + 1, sizeof *idx);
	nidx = capture_take_select(c, s, stop_all, sampled, stacks_copied, idx);
	pause0 = s->pause_us;
	if (capture_stop_copy_resume(c, s, idx, nidx, e) < 0)
		goto fail;
	if (nidx == 0)
		capture_stop_copy_lockwords(c, s);
	if (sampled)
		s->capture_mode = CAPTURE_MODE_SAMPLED;
	/* whether a thread read without a stop ran meanwhile: its copies could disagree with the
	 * lock words of the stop (a thread seen waiting for a lock it has since taken) */
	*ran = stop_all ? 0 : capture_unstopped_ran(c, s, true);
	capture_round_add(c, s, stop_all ? CAPTURE_ROUND_STOP_ALL : CAPTURE_ROUND_FIRST, *ran, pause0);
	if (sampled) {
		if (capture_take_reread(c, s, idx, ran, e) < 0)
			goto fail;
		if (*ran > 0) {
			/* still moving after its rounds: its copies may disagree with the lock words (a
			 * false deadlock), so it is retaken stopping all, as a fast snapshot would be */
			c->unsettled = CAPTURE_MODE_SAMPLED;
			rc = 0;
			goto fail;
		}
	}
	if (!stop_all && !sampled) {
		if (capture_retake(c, s, idx, ran, e) < 0)
			goto fail;
		if (*ran > 0) {
			c->unsettled = CAPTURE_MODE_FAST;
			rc = 0;	/* not settled: the caller retakes it stopping every thread */
			goto fail;
		}
	}
	/* a sampled snapshot, which is not one instant anyway, leaves new threads to the next one */
	if (!sampled && capture_take_rounds(c, s, &idx, e) < 0)
		goto fail;
	rc = 0;
	*out = s;
	s = NULL;
fail:
	free(idx);
	free(tids);
	if (s != NULL)
		c->snap = NULL;
	snapshot_free(s);
	return rc;
}

/* The rounds the capture made, into the snapshot it gives: its pause is all of theirs (a discarded
 * attempt stopped threads too). */
static void
capture_rounds_save(struct capture *c, struct snapshot *s)
{
	s->nrounds = c->nrounds;
	memcpy(s->rounds, c->rounds, c->nrounds * sizeof *c->rounds);
	s->threads_retaken = c->retaken;
	s->pause_us = 0;
	for (size_t i = 0; i < c->nrounds; i++)
		s->pause_us += c->rounds[i].pause_us;
}

static int
capture_live_snapshot(struct capture *c, struct snapshot **out, struct err *e)
{
	uint64_t start = util_now_us();
	size_t ran = 0;

	*out = NULL;
	c->nrounds = 0;
	c->retaken = 0;
	capture_stop_reap_pending(c);
	if (!capture_target_alive(c))
		return err_set(e, "process %d: no such process (it exited)", (int)c->pid);
	if (capture_take(c, c->opts.stop_all, out, &ran, e) < 0)
		return -1;
	if (*out == NULL) {
		/* The targeted retake did not settle within its rounds: threads kept waking. Retake it
		 * stopping everything, which settles by construction. */
		if (capture_take(c, true, out, &ran, e) < 0)
			return -1;
		(*out)->capture_retaken = c->unsettled;
	}
	capture_rounds_save(c, *out);
	(*out)->capture_us = util_now_us() - start;
	proc_fdcache_sweep(c->fdc);
	if ((*out)->capture_mode == CAPTURE_MODE_SAMPLED) {
		sampler_sweep(c->sampler);
		capture_carry_save(c, *out);
	} else {
		capture_carry_clear(&c->carry);
	}
	/* a thread that exited while we looked has nothing true to show: counted, not listed */
	(*out)->threads_exited += snapshot_drop_threads(*out, CAPTURE_GONE);
	c->snap = NULL;		/* the caller's from now on */
	/* a thread that stopped just after the deadline should not wait for the next snapshot */
	capture_stop_reap_pending(c);
	return 0;
}
