/* lockgraph.c - the locks threads wait on, the wait-for graph (threads by index), its cycles and chain roots. */
#include "lockgraph.h"
#include "demangle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockdecode.h"
#include "unwind.h"
#include "util.h"

/* The stack of which thread holds addr: the thread whose sp lies in the same mapping. */
static int
lockgraph_stack_owner(const struct snapshot *s, const struct mapping *m)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		uint64_t sp = t->regs_valid ? t->regs.sp : t->syscall_sp;

		if (sp >= m->start && sp < m->end)
			return (int)i;
	}
	return -1;
}

char *
lockgraph_name_address(const struct snapshot *s, struct unwinder *u, uint64_t addr, size_t elem)
{
	const struct mapping *m;
	char *name = NULL, *r;
	uint64_t off = 0, size = 0;
	int ti;

	if (u != NULL && unwind_addr_symbol(u, addr, &name, &off, &size) == 0 && name != NULL) {
		char *plain = demangle_cxx(name);

		if (plain != NULL) {
			free(name);
			name = plain;
		}
		if (off == 0)
			return name;
		/* an element of an array of locks reads better as forks[2] than forks+80 */
		if (elem != 0 && off % elem == 0 && (size == 0 || (size % elem == 0 && off < size)))
			r = xasprintf("%s[%" PRIu64 "]", name, off / elem);
		else
			r = xasprintf("%s+%" PRIu64, name, off);
		free(name);
		return r;
	}
	free(name);
	if ((m = snapshot_find_mapping(s, addr)) == NULL)
		return NULL;
	if (strcmp(m->path, "[heap]") == 0)
		return xstrdup("heap");
	if ((ti = lockgraph_stack_owner(s, m)) >= 0)
		return xasprintf("stack of TID %d", (int)s->threads[ti].tid);
	if (strcmp(m->path, "[stack]") == 0)
		return xasprintf("stack of TID %d", (int)s->pid);
	if (m->path[0] != '\0')
		return xstrdup(util_basename(m->path));
	return xstrdup("anonymous mapping");
}

/* The entry for the lock at address, appended from what one waiter decoded if new. */
static int
lockgraph_lock_for(struct snapshot *s, size_t *cap, const struct lockdecode_info *d)
{
	struct lock *l;

	for (size_t i = 0; i < s->nlocks; i++)
		if (s->locks[i].address == d->base) {
			l = &s->locks[i];
			/* a later waiter may have read the words after a holder was recorded */
			if (!l->holders_known && d->holders_known && d->holder != 0) {
				l->holders_known = true;
				l->holders = xrealloc(l->holders, sizeof *l->holders);
				l->holders[0] = d->holder;
				l->nholders = 1;
			}
			return (int)i;
		}
	xgrow(&s->locks, cap, s->nlocks + 1, sizeof *s->locks);
	l = &s->locks[s->nlocks];
	memset(l, 0, sizeof *l);
	l->address = d->base;
	l->kind = d->kind;
	l->variant = d->variant[0] != '\0' ? xstrdup(d->variant) : NULL;
	l->holders_known = d->holders_known;
	if (d->holder != 0) {
		l->holders = xmalloc(sizeof *l->holders);
		l->holders[0] = d->holder;
		l->nholders = 1;
	}
	l->readers = d->readers;
	l->count = d->count;
	l->owner_died = d->owner_died;
	l->note = d->note[0] != '\0' ? xstrdup(d->note) : NULL;
	return (int)s->nlocks++;
}

static void
lockgraph_add_waiter(struct lock *l, int ti)
{
	l->waiters = xrealloc(l->waiters, (l->nwaiters + 1) * sizeof *l->waiters);
	l->waiters[l->nwaiters++] = ti;
}

static void
lockgraph_append_note(struct lock *l, const char *text)
{
	char *n = l->note != NULL ? xasprintf("%s; %s", l->note, text) : xstrdup(text);

	free(l->note);
	l->note = n;
}

/* The holder TID the lock words hold is the target's: inside its own PID namespace it numbers its
 * threads differently. A TID no thread has there cannot be told from a host TID: the holder is
 * then unknown, and the note says why (never "held by" some unrelated host process). */
static void
lockgraph_holder_from_target(const struct snapshot *s, struct lockdecode_info *d)
{
	pid_t h;
	size_t n;

	if (!s->pidns || d->holder == 0)
		return;
	if ((h = snapshot_tid_from_target(s, d->holder)) != 0) {
		d->holder = h;
		return;
	}
	n = strlen(d->note);
	snprintf(d->note + n, sizeof d->note - n, "%sholder is TID %d in the target's PID namespace, not one of its "
	    "threads now (exited holding it?)", n > 0 ? "; " : "", (int)d->holder);
	d->holder = 0;
	d->holders_known = false;
}

/* Decodes every futex waiter into s->locks and its thread.wait. */
static void
lockgraph_decode(struct snapshot *s, struct unwinder *u)
{
	const struct lockdecode_layout *L = NULL;
	bool looked = false;
	size_t cap = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct lockdecode_info d;
		uint64_t a;
		uint64_t op;
		uint32_t v;
		int li;

		/* a thread of unknown state whose registers show a futex wait is decoded too */
		if ((t->state != STATE_WAITING && t->state != STATE_UNKNOWN) || lockdecode_futex_call(t, &a, &op, &v) < 0)
			continue;
		if (!looked) {
			/* the file read behind this is only worth it when someone waits, and only once
			 * per target (the unwinder forgets it when the maps change) */
			struct unwind_libc *c = unwind_libc(u);

			if (c != NULL && c->looked) {
				s->glibc_version = c->version;
				s->glibc_source = c->source;
			} else {
				s->glibc_version = lockdecode_glibc_version(s, unwind_root(u), &s->glibc_source);
				if (c != NULL)
					*c = (struct unwind_libc){ true, s->glibc_version, s->glibc_source };
			}
			L = lockdecode_layout_for(s->glibc_version);
			if (s->glibc_version != 0 && L == NULL)
				s->glibc_source = "a glibc whose lock layouts holdup does not know for this machine";
			looked = true;
		}
		if (lockdecode_thread(L, s, t, &d) < 0)
			continue;
		lockgraph_holder_from_target(s, &d);
		li = lockgraph_lock_for(s, &cap, &d);
		lockgraph_add_waiter(&s->locks[li], (int)i);
		t->wait.kind = d.want;
		t->wait.address = d.base;
		t->wait.lock = li;
		if ((d.kind == LOCK_MUTEX || d.kind == LOCK_RWLOCK) && t->state == STATE_WAITING)
			t->state = STATE_BLOCKED;
		free(t->wait.detail);
		t->wait.detail = d.note[0] != '\0' ? xstrdup(d.note) : NULL;
		if (s->locks[li].symbol == NULL)
			s->locks[li].symbol = lockgraph_name_address(s, u, d.base, lockdecode_size(L, d.kind));
		free(t->wait.symbol);
		t->wait.symbol = s->locks[li].symbol != NULL ? xstrdup(s->locks[li].symbol) : NULL;
	}
	for (size_t i = 0; i < s->nlocks; i++) {
		struct lock *l = &s->locks[i];

		for (size_t h = 0; h < l->nholders; h++) {
			char buf[128];

			if (snapshot_thread_index(s, l->holders[h]) >= 0)
				continue;
			snprintf(buf, sizeof buf, "holder TID %d is not a thread of this process (it exited holding it?)",
			    (int)l->holders[h]);
			lockgraph_append_note(l, buf);
		}
	}
}

/* The thread t waits for through its lock: the first holder that is a thread of the snapshot. */
static int
lockgraph_next(const struct snapshot *s, int ti)
{
	const struct thread *t = &s->threads[ti];
	const struct lock *l;

	if (t->wait.lock < 0 || (size_t)t->wait.lock >= s->nlocks)
		return -1;
	l = &s->locks[t->wait.lock];
	for (size_t h = 0; h < l->nholders; h++) {
		int hi = snapshot_thread_index(s, l->holders[h]);

		if (hi >= 0)
			return hi;
	}
	return -1;
}

/*
 * Each waiter has at most one known holder, so the graph is a functional graph: following next()
 * from any thread ends at a root (a thread waiting on no known holder) or enters exactly one cycle.
 * color: 0 unvisited, 1 on the current path, 2 done.
 */
static void
lockgraph_cycles(struct snapshot *s)
{
	size_t n = s->nthreads, cap = 0;
	int *color = xcalloc(n ? n : 1, sizeof *color);
	int *path = xmalloc((n ? n : 1) * sizeof *path);

	for (size_t start = 0; start < n; start++) {
		size_t len = 0;
		int cur = (int)start;

		while (cur >= 0 && color[cur] == 0) {
			color[cur] = 1;
			path[len++] = cur;
			cur = lockgraph_next(s, cur);
		}
		if (cur >= 0 && color[cur] == 1) {
			/* closed a new cycle: path from cur's position to the end */
			struct deadlock *dl;
			size_t from = 0;

			while (path[from] != cur)
				from++;
			xgrow(&s->deadlocks, &cap, s->ndeadlocks + 1, sizeof *s->deadlocks);
			dl = &s->deadlocks[s->ndeadlocks++];
			dl->nthreads = dl->nlocks = len - from;
			dl->threads = xmalloc(dl->nthreads * sizeof *dl->threads);
			dl->locks = xmalloc(dl->nlocks * sizeof *dl->locks);
			for (size_t k = from; k < len; k++) {
				struct thread *t = &s->threads[path[k]];

				dl->threads[k - from] = path[k];
				dl->locks[k - from] = s->locks[t->wait.lock].address;
				t->wait.in_deadlock = true;
			}
		}
		for (size_t k = 0; k < len; k++)
			color[path[k]] = 2;
	}
	free(color);
	free(path);
}

/*
 * wait.root: for a thread waiting on a known holder, the end of its chain: the first thread that
 * waits on no known holder (running, sleeping, in I/O...: the likely culprit). A chain that runs
 * into a deadlock has no such end: its root is the first deadlocked thread it reaches. Threads in a
 * cycle get -1: the cycle itself is the culprit.
 */
static void
lockgraph_roots(struct snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		int cur = lockgraph_next(s, (int)i);
		size_t steps = 0;

		t->wait.root = -1;
		if (cur < 0 || t->wait.in_deadlock)
			continue;
		while (steps++ <= s->nthreads) {
			int nx;

			if (s->threads[cur].wait.in_deadlock)
				break;
			if ((nx = lockgraph_next(s, cur)) < 0)
				break;
			cur = nx;
		}
		t->wait.root = cur;
	}
}

void
lockgraph_build(struct snapshot *s, struct unwinder *u)
{
	snapshot_locks_free(s);
	lockgraph_decode(s, u);
	lockgraph_cycles(s);
	lockgraph_roots(s);
}
