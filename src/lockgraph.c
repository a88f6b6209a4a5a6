/* lockgraph.c - the locks threads wait on, the wait-for graph (threads by index), its cycles and chain roots. */
#include "lockgraph.h"
#include "demangle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "lockdecode.h"
#include "rustlock.h"
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

/* A thread running Go code (a runtime frame on its stack): its sp lies in Go's heap, where the
 * runtime allocates goroutine stacks, so the mapping around it is no thread's stack. */
static bool
lockgraph_runs_go(const struct thread *t)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].function != NULL && strncmp(t->frames[i].function, "runtime.", 8) == 0)
			return true;
	return false;
}

char *
lockgraph_name_address(const struct snapshot *s, struct unwinder *u, uint64_t addr, size_t elem)
{
	const struct mapping *m;
	char *name = NULL, *r;
	uint64_t off = 0, size = 0;
	int ti;

	if (u != NULL && unwind_addr_symbol(u, addr, &name, &off, &size) == 0 && name != NULL) {
		char *plain = demangle_name(name);

		if (plain != NULL) {
			free(name);
			name = plain;
		}
		/* the DWARF type of the global says where in it the lock is: accts[1].mu, forks[0] */
		if ((r = unwind_data_path(u, addr)) != NULL && (off == 0 || r[0] == '[' || r[0] == '.')) {
			char *full = xasprintf("%s%s", name, r);

			free(r);
			free(name);
			return full;
		}
		free(r);
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
	if ((ti = lockgraph_stack_owner(s, m)) >= 0) {
		if (m->path[0] == '\0' && lockgraph_runs_go(&s->threads[ti]))
			return xstrdup("Go heap");
		return xasprintf("stack of TID %d", (int)s->threads[ti].tid);
	}
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

/* A Rust lock outside any static ("heap", "stack of TID N") is named by its type too, from the
 * waiter's DWARF: "heap Mutex<Vec<u8>>". */
static void
lockgraph_rust_type(struct unwinder *u, const struct thread *t, struct lock *l)
{
	char *ty, *full;

	if (l->symbol == NULL || (strcmp(l->symbol, "heap") != 0 && strncmp(l->symbol, "stack of ", 9) != 0 &&
	    strcmp(l->symbol, "anonymous mapping") != 0))
		return;
	if ((ty = rustlock_type_name(u, t)) == NULL)
		return;
	full = xasprintf("%s %s", l->symbol, ty);
	free(ty);
	free(l->symbol);
	l->symbol = full;
}

/* A thread parked by parking_lot: it waits for a lock, but sleeps on its own parker word, so there
 * is no lock entry to add it to (the lock's address is not known). */
static void
lockgraph_parked(struct thread *t, const struct lockdecode_info *d)
{
	t->wait.kind = d->want;
	t->wait.address = 0;
	t->wait.lock = -1;
	if (d->want != WAIT_CONDVAR && t->state == STATE_WAITING)
		t->state = STATE_BLOCKED;
	free(t->wait.detail);
	t->wait.detail = xstrdup(d->note);
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
		const char *idle;
		int rust, rust_expected = 0;

		/* a thread of unknown state whose registers show a futex wait is decoded too */
		if ((t->state != STATE_WAITING && t->state != STATE_UNKNOWN) || lockdecode_futex_call(s->arch, t, &a, &op, &v) < 0)
			continue;
		if ((idle = lockdecode_go_idle(t)) != NULL) {
			/* the runtime's own parking of an OS thread: no lock, nothing to find an owner of */
			t->wait.kind = WAIT_SYSCALL;
			t->wait.address = 0;
			free(t->wait.detail);
			t->wait.detail = xasprintf("the Go runtime's idle wait: an OS thread (M) parked in %s with no "
			    "goroutine to run; not a lock", idle);
			continue;
		}
		if (!looked) {
			/* the file read behind this is only worth it when someone waits, and only once
			 * per target (the unwinder forgets it when the maps change) */
			struct unwind_libc *c = unwind_libc(u);

			if (s->libc_name != NULL && s->glibc_source != NULL) {
				/* the capture source knew it (a saved snapshot records it) */
			} else if (c != NULL && c->looked) {
				s->libc_name = c->name;
				s->glibc_version = c->version;
				s->glibc_source = c->source;
			} else {
				s->glibc_version = lockdecode_libc(s, unwind_root(u), &s->libc_name, &s->glibc_source);
				if (c != NULL)
					*c = (struct unwind_libc){ true, s->libc_name, s->glibc_version, s->glibc_source };
			}
			L = s->libc_name != NULL ? lockdecode_layout_find(s->libc_name, s->arch->name, s->glibc_version) : NULL;
			if (s->libc_name != NULL && L == NULL)
				s->glibc_source = strcmp(s->libc_name, "glibc") == 0 ?
				    "a glibc whose lock layouts holdup does not know for this machine" :
				    "a musl whose lock layouts holdup does not know for this machine";
			looked = true;
		}
		/* Rust's std locks and parking_lot, told by their frames before any glibc guess */
		if ((rust = rustlock_thread(s, t, &d, &rust_expected)) == 1) {
			lockgraph_parked(t, &d);
			continue;
		}
		if (rust < 0 && lockdecode_thread(L, s, t, &d) < 0)
			continue;
		lockgraph_holder_from_target(s, &d);
		li = lockgraph_lock_for(s, &cap, &d);
		lockgraph_add_waiter(&s->locks[li], (int)i);
		t->wait.kind = d.want;
		t->wait.address = d.base;
		t->wait.lock = li;
		if ((d.kind == LOCK_MUTEX || d.kind == LOCK_RWLOCK || d.kind == LOCK_RUST_MUTEX ||
		    d.kind == LOCK_RUST_RWLOCK) && t->state == STATE_WAITING)
			t->state = STATE_BLOCKED;
		free(t->wait.detail);
		t->wait.detail = d.note[0] != '\0' ? xstrdup(d.note) : NULL;
		/* a join's word lies in the joined thread's descriptor, on its stack: the thread is the name */
		if (s->locks[li].symbol == NULL && d.kind == LOCK_JOIN && d.holder != 0)
			s->locks[li].symbol = xasprintf("thread %d", (int)d.holder);
		if (s->locks[li].symbol == NULL)
			s->locks[li].symbol = lockgraph_name_address(s, u, d.base, lockdecode_size(L, d.kind));
		if (rust == 0)
			lockgraph_rust_type(u, t, &s->locks[li]);
		/* for probable holders (holders.c): how big it is, how many hold it */
		s->locks[li].size = (uint32_t)lockdecode_size(L, d.kind);
		if (rust == 0) {
			s->locks[li].size = d.kind == LOCK_RUST_RWLOCK ? RUSTLOCK_RWLOCK_SIZE : RUSTLOCK_MUTEX_SIZE;
			if (rust_expected > s->locks[li].expected_holders)
				s->locks[li].expected_holders = rust_expected;
		} else if (s->locks[li].kind == LOCK_RWLOCK && s->locks[li].readers > 0)
			s->locks[li].expected_holders = s->locks[li].readers;
		else if (s->locks[li].kind == LOCK_MUTEX)
			s->locks[li].expected_holders = 1;
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

/* The thread t waits for through its lock: the first holder that is a thread of the snapshot, else
 * (*probable set) a probable holder: one that waits itself if there is one, as only such can close
 * a cycle. */
static int
lockgraph_next(const struct snapshot *s, int ti, bool *probable)
{
	const struct thread *t = &s->threads[ti];
	const struct lock *l;
	int first = -1;

	if (t->wait.lock < 0 || (size_t)t->wait.lock >= s->nlocks)
		return -1;
	l = &s->locks[t->wait.lock];
	for (size_t h = 0; h < l->nholders; h++) {
		int hi = snapshot_thread_index(s, l->holders[h]);

		if (hi >= 0)
			return hi;
	}
	/* a raw futex is as often an event as a lock: only one a decoder says is held (expected_holders,
	 * as for Rust's futex mutexes) is waited for through its probable holders */
	for (size_t h = 0; h < l->nprobable && (l->kind != LOCK_FUTEX || l->expected_holders > 0); h++) {
		int hi = l->probable[h].thread;

		if (hi < 0 || (size_t)hi >= s->nthreads || hi == ti)
			continue;
		if (first < 0)
			first = hi;
		if (s->threads[hi].wait.lock >= 0) {
			first = hi;
			break;
		}
	}
	if (first >= 0 && probable != NULL)
		*probable = true;
	return first;
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
			cur = lockgraph_next(s, cur, NULL);
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
			dl->probable = false;
			dl->goroutines = NULL;
			dl->ngoroutines = 0;
			for (size_t k = from; k < len; k++) {
				struct thread *t = &s->threads[path[k]];

				lockgraph_next(s, path[k], &dl->probable);
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
		int cur = lockgraph_next(s, (int)i, NULL);
		size_t steps = 0;

		t->wait.root = -1;
		if (cur < 0 || t->wait.in_deadlock)
			continue;
		while (steps++ <= s->nthreads) {
			int nx;

			if (s->threads[cur].wait.in_deadlock)
				break;
			if ((nx = lockgraph_next(s, cur, NULL)) < 0)
				break;
			cur = nx;
		}
		t->wait.root = cur;
	}
}

/* Goroutine ids to indices into s->go->gs, sorted by id. */
struct lockgraph_goid {
	uint64_t id;
	size_t gi;
};

static int
lockgraph_goid_cmp(const void *a, const void *b)
{
	const struct lockgraph_goid *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The goroutine g waits for: a probable holder of its lock (Go locks record none), preferring one
 * that waits itself; -1 if none. */
static long
lockgraph_go_next(const struct snapshot *s, const struct lockgraph_goid *ids, size_t n, size_t gi)
{
	const struct goroutine *g = &s->go->gs[gi];
	const struct lock *l;
	long first = -1;

	if (g->lock < 0 || (size_t)g->lock >= s->nlocks)
		return -1;
	l = &s->locks[g->lock];
	for (size_t h = 0; h < l->nprobable; h++) {
		struct lockgraph_goid key = { l->probable[h].goroutine, 0 }, *f;

		if (key.id == 0 || key.id == g->id ||
		    (f = bsearch(&key, ids, n, sizeof *ids, lockgraph_goid_cmp)) == NULL)
			continue;
		if (first < 0)
			first = (long)f->gi;
		if (s->go->gs[f->gi].lock >= 0) {
			first = (long)f->gi;
			break;
		}
	}
	return first;
}

/* Cycles of goroutines through probable holders: each one a probable deadlock. */
static void
lockgraph_go_cycles(struct snapshot *s)
{
	size_t n = s->go != NULL ? s->go->ngs : 0, cap = s->ndeadlocks;
	struct lockgraph_goid *ids;
	int *color;
	long *path;

	if (n == 0)
		return;
	ids = xmalloc(n * sizeof *ids);
	color = xcalloc(n, sizeof *color);
	path = xmalloc(n * sizeof *path);
	for (size_t i = 0; i < n; i++)
		ids[i] = (struct lockgraph_goid){ s->go->gs[i].id, i };
	util_sort(ids, n, sizeof *ids, lockgraph_goid_cmp);
	for (size_t start = 0; start < n; start++) {
		size_t len = 0;
		long cur = (long)start;

		while (cur >= 0 && color[cur] == 0) {
			color[cur] = 1;
			path[len++] = cur;
			cur = lockgraph_go_next(s, ids, n, (size_t)cur);
		}
		if (cur >= 0 && color[cur] == 1) {
			struct deadlock *dl;
			size_t from = 0;

			while (path[from] != cur)
				from++;
			xgrow(&s->deadlocks, &cap, s->ndeadlocks + 1, sizeof *s->deadlocks);
			dl = &s->deadlocks[s->ndeadlocks++];
			memset(dl, 0, sizeof *dl);
			dl->probable = true;
			dl->ngoroutines = dl->nlocks = len - from;
			dl->goroutines = xmalloc(dl->ngoroutines * sizeof *dl->goroutines);
			dl->locks = xmalloc(dl->nlocks * sizeof *dl->locks);
			for (size_t k = from; k < len; k++) {
				const struct goroutine *g = &s->go->gs[path[k]];

				dl->goroutines[k - from] = g->id;
				dl->locks[k - from] = s->locks[g->lock].address;
			}
		}
		for (size_t k = 0; k < len; k++)
			color[path[k]] = 2;
	}
	free(ids);
	free(color);
	free(path);
}

void
lockgraph_link(struct snapshot *s)
{
	for (size_t i = 0; i < s->ndeadlocks; i++) {
		free(s->deadlocks[i].threads);
		free(s->deadlocks[i].locks);
		free(s->deadlocks[i].goroutines);
	}
	free(s->deadlocks);
	s->deadlocks = NULL;
	s->ndeadlocks = 0;
	for (size_t i = 0; i < s->nthreads; i++)
		s->threads[i].wait.in_deadlock = false;
	lockgraph_cycles(s);
	lockgraph_roots(s);
	lockgraph_go_cycles(s);
}

void
lockgraph_build(struct snapshot *s, struct unwinder *u)
{
	snapshot_locks_free(s);
	lockgraph_decode(s, u);
	lockgraph_link(s);
}
