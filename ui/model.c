/* model.c - rows, trees and cell texts the dashboard draws, computed from a snapshot and history only. */
#include "model.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *
model_sort_name(enum model_sort k)
{
	static const char *const names[MODEL_SORT_COUNT] = {
		"tid", "name", "state", "time", "cpu", "waits-on",
	};

	return (unsigned)k < MODEL_SORT_COUNT ? names[k] : "tid";
}

static bool
model_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return false;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

bool
model_match(const struct thread *t, const char *filter)
{
	char tid[16];

	if (filter == NULL || *filter == '\0')
		return true;
	snprintf(tid, sizeof tid, "%d", (int)t->tid);
	return model_contains(t->name, filter) || model_contains(snapshot_state_name(t->state), filter) ||
	    model_contains(tid, filter);
}

struct model_sortctx {
	const struct snapshot *s;
	const struct history *h;
	enum model_sort key;
	bool reverse;
};

static int
model_cmp_threads(const void *a, const void *b, void *arg)
{
	const struct model_sortctx *c = arg;
	const struct thread *x = &c->s->threads[*(const int *)a], *y = &c->s->threads[*(const int *)b];
	char wx[128], wy[128];
	double dx, dy;
	int r = 0;

	switch (c->key) {
	case MODEL_SORT_NAME:
		r = strcmp(x->name ? x->name : "", y->name ? y->name : "");
		break;
	case MODEL_SORT_STATE:
		r = strcmp(snapshot_state_name(x->state), snapshot_state_name(y->state));
		break;
	case MODEL_SORT_TIME:
		/* Longest in state first: that is what a person hunting a hang wants on top. */
		dx = history_state_secs(c->h, c->s, x->tid);
		dy = history_state_secs(c->h, c->s, y->tid);
		r = (dx < dy) - (dx > dy);
		break;
	case MODEL_SORT_CPU:
		dx = history_cpu(c->h, x->tid);
		dy = history_cpu(c->h, y->tid);
		r = (dx < dy) - (dx > dy);
		break;
	case MODEL_SORT_WAIT:
		model_wait_text(c->s, x, wx, sizeof wx);
		model_wait_text(c->s, y, wy, sizeof wy);
		/* Threads that wait on something come first. */
		r = (wx[0] == '\0') - (wy[0] == '\0');
		if (r == 0)
			r = strcmp(wx, wy);
		break;
	default:
		break;
	}
	if (r == 0)
		r = (x->tid > y->tid) - (x->tid < y->tid);
	return c->reverse ? -r : r;
}

size_t
model_threads(const struct snapshot *s, const struct history *h, const char *filter,
    enum model_sort key, bool reverse, int **out)
{
	struct model_sortctx c = { s, h, key, reverse };
	int *rows = xcalloc(s->nthreads + 1, sizeof *rows);
	size_t n = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		if (model_match(&s->threads[i], filter))
			rows[n++] = (int)i;
	qsort_r(rows, n, sizeof *rows, model_cmp_threads, &c);
	*out = rows;
	return n;
}

static int
model_cmp_locks(const void *a, const void *b, void *arg)
{
	const struct snapshot *s = arg;
	const struct lock *x = &s->locks[*(const int *)a], *y = &s->locks[*(const int *)b];
	int r = (x->nwaiters < y->nwaiters) - (x->nwaiters > y->nwaiters);

	if (r == 0)
		r = (x->address > y->address) - (x->address < y->address);
	return r;
}

size_t
model_locks(const struct snapshot *s, int **out)
{
	int *rows = xcalloc(s->nlocks + 1, sizeof *rows);

	for (size_t i = 0; i < s->nlocks; i++)
		rows[i] = (int)i;
	qsort_r(rows, s->nlocks, sizeof *rows, model_cmp_locks, (void *)s);
	*out = rows;
	return s->nlocks;
}

double
model_lock_longest_wait(const struct snapshot *s, const struct history *h, int li)
{
	const struct lock *l;
	double best = -1;

	if (li < 0 || (size_t)li >= s->nlocks)
		return -1;
	l = &s->locks[li];
	for (size_t i = 0; i < l->nwaiters; i++) {
		double d;

		if (l->waiters[i] < 0 || (size_t)l->waiters[i] >= s->nthreads)
			continue;
		d = history_state_secs(h, s, s->threads[l->waiters[i]].tid);
		if (d > best)
			best = d;
	}
	return best;
}

const struct lock *
model_thread_lock(const struct snapshot *s, const struct thread *t)
{
	if (t->wait.lock < 0 || (size_t)t->wait.lock >= s->nlocks)
		return NULL;
	return &s->locks[t->wait.lock];
}

/* Does thread j hold lock l? */
static bool
model_holds(const struct snapshot *s, const struct lock *l, int j)
{
	for (size_t k = 0; k < l->nholders; k++)
		if (l->holders[k] == s->threads[j].tid)
			return true;
	return false;
}

/* Does i wait on a lock held by a thread present in the snapshot? */
static bool
model_waits_on_known(const struct snapshot *s, int i)
{
	const struct lock *l = model_thread_lock(s, &s->threads[i]);

	if (l == NULL)
		return false;
	for (size_t k = 0; k < l->nholders; k++)
		if (snapshot_thread_index(s, l->holders[k]) >= 0)
			return true;
	return false;
}

struct model_treebuild {
	const struct snapshot *s;
	struct model_tree_row *rows;
	size_t n, cap;
	bool *seen, *onpath;
};

static void
model_tree_add(struct model_treebuild *b, int thread, int lock, int depth, bool cycle, bool repeat)
{
	struct model_tree_row *r;

	xgrow(&b->rows, &b->cap, b->n + 1, sizeof *b->rows);
	r = &b->rows[b->n++];
	r->thread = thread;
	r->lock = lock;
	r->depth = depth;
	r->cycle = cycle;
	r->repeat = repeat;
}

/* Emits thread j and, below it, every thread waiting on a lock j holds. */
static void
model_tree_walk(struct model_treebuild *b, int j, int lock, int depth)
{
	const struct snapshot *s = b->s;

	if (b->onpath[j]) {
		model_tree_add(b, j, lock, depth, true, false);
		return;
	}
	if (b->seen[j]) {
		model_tree_add(b, j, lock, depth, false, true);
		return;
	}
	b->seen[j] = b->onpath[j] = true;
	model_tree_add(b, j, lock, depth, false, false);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct lock *l = model_thread_lock(s, &s->threads[i]);

		if (l != NULL && (int)i != j && model_holds(s, l, j))
			model_tree_walk(b, (int)i, s->threads[i].wait.lock, depth + 1);
	}
	b->onpath[j] = false;
}

/* Does anyone wait on a lock thread j holds? */
static bool
model_has_waiters(const struct snapshot *s, int j)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct lock *l = model_thread_lock(s, &s->threads[i]);

		if (l != NULL && (int)i != j && model_holds(s, l, j))
			return true;
	}
	return false;
}

size_t
model_tree(const struct snapshot *s, struct model_tree_row **out)
{
	struct model_treebuild b = { s, NULL, 0, 0, NULL, NULL };

	b.seen = xcalloc(s->nthreads + 1, sizeof *b.seen);
	b.onpath = xcalloc(s->nthreads + 1, sizeof *b.onpath);
	/* Chain roots first: holders others wait on who wait on no present thread themselves. */
	for (size_t j = 0; j < s->nthreads; j++)
		if (!model_waits_on_known(s, (int)j) && model_has_waiters(s, (int)j))
			model_tree_walk(&b, (int)j, -1, 0);
	/* Then cycles (deadlocks) and whatever hangs below them, entered at their first member. */
	for (size_t d = 0; d < s->ndeadlocks; d++)
		if (s->deadlocks[d].nthreads > 0 && s->deadlocks[d].threads[0] >= 0 &&
		    (size_t)s->deadlocks[d].threads[0] < s->nthreads && !b.seen[s->deadlocks[d].threads[0]])
			model_tree_walk(&b, s->deadlocks[d].threads[0], -1, 0);
	for (size_t j = 0; j < s->nthreads; j++)
		if (!b.seen[j] && model_has_waiters(s, (int)j))
			model_tree_walk(&b, (int)j, -1, 0);
	/* Locks whose holder is unknown or gone: the lock itself is the root. */
	for (size_t li = 0; li < s->nlocks; li++) {
		const struct lock *l = &s->locks[li];
		bool known = false;

		for (size_t k = 0; k < l->nholders; k++)
			if (snapshot_thread_index(s, l->holders[k]) >= 0)
				known = true;
		if (known || l->nwaiters == 0)
			continue;
		model_tree_add(&b, -1, (int)li, 0, false, false);
		for (size_t k = 0; k < l->nwaiters; k++)
			if (l->waiters[k] >= 0 && (size_t)l->waiters[k] < s->nthreads)
				model_tree_walk(&b, l->waiters[k], (int)li, 1);
	}
	free(b.seen);
	free(b.onpath);
	*out = b.rows;
	return b.n;
}

static bool
model_internal_frame(const struct frame *f)
{
	static const char *const mods[] = { "libc.so", "libc-", "libpthread", "ld-linux", "ld-2.", "linux-vdso", "[vdso]" };
	const char *m;

	if (f->module != NULL) {
		m = util_basename(f->module);
		for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
			if (strncmp(m, mods[i], strlen(mods[i])) == 0)
				return true;
	}
	/* Static binaries have glibc inside the executable: fall back on its naming. */
	if (f->function != NULL && (strncmp(f->function, "__lll_", 6) == 0 ||
	    strncmp(f->function, "__futex", 7) == 0 || strncmp(f->function, "__pthread", 9) == 0 ||
	    strncmp(f->function, "___pthread", 10) == 0 || strncmp(f->function, "futex_", 6) == 0))
		return true;
	return false;
}

const struct frame *
model_interesting_frame(const struct thread *t)
{
	if (t->nframes == 0)
		return NULL;
	for (size_t i = 0; i < t->nframes; i++)
		if (!model_internal_frame(&t->frames[i]) && t->frames[i].function != NULL)
			return &t->frames[i];
	return &t->frames[0];
}

void
model_frame_text(const struct frame *f, char *buf, size_t len)
{
	if (f == NULL)
		snprintf(buf, len, "%s", "");
	else if (f->function != NULL && f->file != NULL && f->line > 0)
		snprintf(buf, len, "%s (%s:%d)", f->function, util_basename(f->file), f->line);
	else if (f->function != NULL)
		snprintf(buf, len, "%s+0x%" PRIx64, f->function, f->offset);
	else if (f->module != NULL)
		snprintf(buf, len, "0x%" PRIx64 " [%s]", f->pc, util_basename(f->module));
	else
		snprintf(buf, len, "0x%" PRIx64, f->pc);
}

void
model_lock_name(const struct lock *l, char *buf, size_t len)
{
	if (l->symbol != NULL)
		snprintf(buf, len, "%s (%s)", l->symbol, snapshot_lock_kind_name(l->kind));
	else
		snprintf(buf, len, "0x%" PRIx64 " (%s)", l->address, snapshot_lock_kind_name(l->kind));
}

void
model_wait_text(const struct snapshot *s, const struct thread *t, char *buf, size_t len)
{
	const struct lock *l = model_thread_lock(s, t);
	const char *k;

	if (l != NULL) {
		model_lock_name(l, buf, len);
		return;
	}
	if (t->wait.kind == WAIT_NONE) {
		snprintf(buf, len, "%s", "");
		return;
	}
	k = snapshot_wait_kind_name(t->wait.kind);
	if (t->wait.symbol != NULL)
		snprintf(buf, len, "%s (%s)", t->wait.symbol, k);
	else if (t->wait.detail != NULL)
		snprintf(buf, len, "%s: %s", k, t->wait.detail);
	else if (t->wait.address != 0)
		snprintf(buf, len, "0x%" PRIx64 " (%s)", t->wait.address, k);
	else
		snprintf(buf, len, "%s", k);
}

void
model_lock_holders(const struct snapshot *s, const struct lock *l, char *buf, size_t len)
{
	size_t o = 0;

	if (l->nholders == 0 && l->nprobable > 0) {
		/* "~" marks what the stacks suggest, not what the lock records */
		o = (size_t)snprintf(buf, len, "~");
		for (size_t k = 0; k < l->nprobable && o + 1 < len; k++) {
			const struct probable_holder *p = &l->probable[k];
			int n = p->goroutine != 0 ? snprintf(buf + o, len - o, "%sg%" PRIu64, k ? "," : "", p->goroutine) :
			    p->thread >= 0 && (size_t)p->thread < s->nthreads ?
			    snprintf(buf + o, len - o, "%s%d", k ? "," : "", (int)s->threads[p->thread].tid) : 0;

			if (n < 0)
				break;
			o += (size_t)n;
		}
		return;
	}
	if (!l->holders_known) {
		snprintf(buf, len, "%s", "unknown");
		return;
	}
	if (l->nholders == 0) {
		snprintf(buf, len, "%s", l->owner_died ? "died" : "-");
		return;
	}
	buf[0] = '\0';
	for (size_t k = 0; k < l->nholders && o + 1 < len; k++) {
		int n = snprintf(buf + o, len - o, "%s%d", k ? "," : "", (int)l->holders[k]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
}

void
model_holder_text(const struct snapshot *s, const struct thread *t, char *buf, size_t len)
{
	const struct lock *l = model_thread_lock(s, t);

	if (l == NULL)
		snprintf(buf, len, "%s", "");
	else
		model_lock_holders(s, l, buf, len);
}

static bool
model_go_internal(const struct frame *f)
{
	static const char *const pre[] = { "runtime.", "sync.", "internal/", "runtime/internal/" };

	if (f->function == NULL)
		return true;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (strncmp(f->function, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

const struct frame *
model_go_frame(const struct goroutine *g)
{
	if (g->nframes == 0)
		return NULL;
	for (size_t i = 0; i < g->nframes; i++)
		if (!model_go_internal(&g->frames[i]))
			return &g->frames[i];
	return &g->frames[0];
}

static bool
model_go_match(const struct goroutine *g, const char *filter)
{
	const struct frame *f = model_go_frame(g);
	char id[32];

	if (filter == NULL || *filter == '\0')
		return true;
	snprintf(id, sizeof id, "%llu", (unsigned long long)g->id);
	return model_contains(id, filter) || model_contains(snapshot_state_name(g->state), filter) ||
	    model_contains(g->wait_reason, filter) || (f != NULL && model_contains(f->function, filter));
}

static int
model_cmp_go(const void *a, const void *b, void *arg)
{
	const struct goinfo *gi = arg;
	const struct goroutine *x = &gi->gs[*(const int *)a], *y = &gi->gs[*(const int *)b];
	bool bx = x->state == STATE_BLOCKED, by = y->state == STATE_BLOCKED;
	int r = (by > bx) - (by < bx);

	if (r == 0)
		r = (x->wait_seconds < y->wait_seconds) - (x->wait_seconds > y->wait_seconds);
	if (r == 0)
		r = (x->id > y->id) - (x->id < y->id);
	return r;
}

size_t
model_goroutines(const struct snapshot *s, const char *filter, int **out)
{
	const struct goinfo *gi = s->go;
	size_t n = 0;
	int *rows;

	rows = xcalloc(gi != NULL ? gi->ngs + 1 : 1, sizeof *rows);
	if (gi != NULL) {
		for (size_t i = 0; i < gi->ngs; i++)
			if (model_go_match(&gi->gs[i], filter))
				rows[n++] = (int)i;
		qsort_r(rows, n, sizeof *rows, model_cmp_go, (void *)gi);
	}
	*out = rows;
	return n;
}
