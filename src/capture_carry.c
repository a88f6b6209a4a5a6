/* capture_carry.c - sampled mode's carry-over: threads that did not run, and the process facts. */
#include "capture_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a sampled snapshot may reuse the process facts (exe, cmdline, maps, fds) while the
 * address space keeps its size: a new mapping or exec changes the size, a new fd waits this long. */
#define CAPTURE_FACTS_NS 1000000000ULL

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
capture_carry_clear(struct capture_carry *k)
{
	for (size_t i = 0; i < k->nprev; i++) {
		free(k->prev[i].wchan);
		free(k->prev[i].stack);
	}
	k->nprev = 0;
}

void
capture_carry_done(struct capture_carry *k)
{
	capture_carry_clear(k);
	free(k->prev);
	snapshot_free(k->facts);
	memset(k, 0, sizeof *k);
}

static int
capture_carry_cmp(const void *a, const void *b)
{
	const struct capture_prev *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

enum capture_carry_kind
capture_carry_kind(const struct thread *t, bool off_cpu_sure)
{
	if (t->status == CAPTURE_UNSTOPPED && capture_is_blocked(t) && t->stack_len > 0)
		return CAPTURE_CARRY_BLOCKED;
	/* one that may have been on a cpu could have run on and blocked unseen: the kernel
	 * marks only its being scheduled in */
	if (t->status != CAPTURE_SAMPLED || t->proc_state != 'R' || !t->task_running ||
	    !(t->unchanged || off_cpu_sure))
		return CAPTURE_CARRY_NONE;
	return CAPTURE_CARRY_RUNNABLE;
}

/* Remembers the runnable and the blocked threads of a sampled snapshot for the next one. */
void
capture_carry_save(struct capture *c, const struct snapshot *s)
{
	struct capture_carry *k = &c->carry;

	capture_carry_clear(k);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		enum capture_carry_kind kind = capture_carry_kind(t, capture_thr(c, t)->off_cpu_sure);
		struct capture_prev *p;

		if (kind == CAPTURE_CARRY_NONE)
			continue;
		xgrow(&k->prev, &k->prev_cap, k->nprev + 1, sizeof *k->prev);
		p = &k->prev[k->nprev++];
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
		if (kind != CAPTURE_CARRY_BLOCKED)
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
	util_sort(k->prev, k->nprev, sizeof *k->prev, capture_carry_cmp);
}

const struct capture_prev *
capture_carry_find(const struct capture_carry *k, pid_t tid)
{
	struct capture_prev key = { .tid = tid };

	if (k->nprev == 0)
		return NULL;
	return bsearch(&key, k->prev, k->nprev, sizeof *k->prev, capture_carry_cmp);
}

void
capture_carry_apply(struct capture *c, struct thread *t, const struct capture_prev *p)
{
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
		capture_stack_release(c, t);
		free(t->stack);
		t->stack = xmalloc(p->stack_len);
		memcpy(t->stack, p->stack, p->stack_len);
		capture_thr(c, t)->stack_cap = t->stack_len = p->stack_len;
		t->stack_addr = p->stack_addr;
	}
	t->unchanged = true;
	proc_fdcache_keep(c->fdc, t->tid);
}

/* A thread that has not run since the previous snapshot cannot have changed: it can neither
 * block, stop nor exit without running, nor leave a system call. Its facts are carried over
 * instead of read; a blocked one costs one read of its stat, since a wakeup needs no CPU. */
bool
capture_carry_restore(struct capture *c, struct thread *t)
{
	const struct capture_prev *p;
	struct proc_stat st;

	if (c->carry.nprev == 0 || sampler_ran(c->sampler, t->tid) != 0)
		return false;
	p = capture_carry_find(&c->carry, t->tid);
	if (p == NULL)
		return false;
	if (p->syscall >= 0 && (proc_read_stat(c->fdc, c->pid, t->tid, &st) < 0 || st.state != p->proc_state))
		return false;
	capture_carry_apply(c, t, p);
	return true;
}

/* Copies the process facts (exe, cmdline, maps, fds) of src into the empty snapshot dst. */
static void
capture_carry_facts_copy(struct snapshot *dst, const struct snapshot *src)
{
	dst->exe = src->exe != NULL ? xstrdup(src->exe) : NULL;
	dst->cmdline = src->cmdline != NULL ? xstrdup(src->cmdline) : NULL;
	dst->pidns = src->pidns;
	dst->ns_pid = src->ns_pid;
	dst->container = src->container != NULL ? xstrdup(src->container) : NULL;
	if (src->maps_text != NULL)
		snapshot_copy_maps(dst, src);
	dst->fds = xcalloc(src->nfds + 1, sizeof *dst->fds);
	for (size_t i = 0; i < src->nfds; i++) {
		dst->fds[i].fd = src->fds[i].fd;
		dst->fds[i].target = xstrdup(src->fds[i].target);
	}
	dst->nfds = src->nfds;
	if (src->auxv != NULL) {
		dst->auxv = xmalloc(src->auxv_len);
		memcpy(dst->auxv, src->auxv, src->auxv_len);
		dst->auxv_len = src->auxv_len;
	}
}

void
capture_carry_facts_save(struct capture *c, const struct snapshot *s, const pid_t *tids, int n)
{
	struct snapshot *f;

	if (c->sampler == NULL)
		return;		/* only sampled snapshots reuse them */
	f = snapshot_new(c->pid);
	f->arch = s->arch;
	capture_carry_facts_copy(f, s);
	/* the thread list rides along as threads with nothing but a tid */
	for (int i = 0; i < n; i++)
		snapshot_add_thread(f, tids[i]);
	snapshot_free(c->carry.facts);
	c->carry.facts = f;
	c->carry.facts_ns = util_now_ns();
	c->carry.facts_vsize = c->stat.vsize;
}

/* Recent, the address space the same size, as many threads as then. */
bool
capture_carry_facts_hold(const struct capture_carry *k, const struct proc_stat *st, uint64_t now_ns)
{
	return k->facts != NULL && k->facts_ns != 0 && now_ns - k->facts_ns <= CAPTURE_FACTS_NS &&
	    st->vsize == k->facts_vsize && st->num_threads == (long)k->facts->nthreads;
}

bool
capture_carry_facts_reuse(struct capture *c, struct snapshot *s, pid_t **tids, int *n)
{
	const struct snapshot *f = c->carry.facts;

	if (!capture_carry_facts_hold(&c->carry, &c->stat, util_now_ns()))
		return false;
	capture_carry_facts_copy(s, f);
	*tids = xcalloc(f->nthreads + 1, sizeof **tids);
	for (size_t i = 0; i < f->nthreads; i++)
		(*tids)[i] = f->threads[i].tid;
	*n = (int)f->nthreads;
	return true;
}
