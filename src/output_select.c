/* output_select.c - dump's thread filters (--state, --tid, --lock) and the folding of identical threads (--group). */
#include "output_select.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
output_filter_say(struct output_filter *f, const char *opt, const char *val)
{
	size_t n = strlen(f->text);

	snprintf(f->text + n, sizeof f->text - n, "%s--%s %.80s", n ? " " : "", opt, val);
	f->on = true;
}

static int
output_filter_states(struct output_filter *f, const char *arg, struct err *e)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof buf, "%s", arg);
	for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		int st;

		for (st = 0; st < STATE_COUNT && strcmp(snapshot_state_name(st), w) != 0; st++)
			;
		if (st == STATE_COUNT)
			return err_set(e, "--state: '%.40s' is no state (running, runnable, blocked, waiting, sleeping, io, "
			    "disk, stopped, dead, unknown)", w);
		f->states |= 1u << st;
	}
	if (f->states == 0)
		return err_set(e, "--state wants STATE[,STATE...]");
	output_filter_say(f, "state", arg);
	return 0;
}

static int
output_filter_tids(struct output_filter *f, const char *arg, struct err *e)
{
	const char *p = arg;

	while (*p != '\0') {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno != 0 || end == p || v < 1 || v > 4194304 || (*end != ',' && *end != '\0'))
			return err_set(e, "--tid wants TID[,TID...]");
		if (f->ntids == OUTPUT_SELECT_MAX_TIDS)
			return err_set(e, "--tid: at most %d TIDs", OUTPUT_SELECT_MAX_TIDS);
		f->tids[f->ntids++] = (pid_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	if (f->ntids == 0)
		return err_set(e, "--tid wants TID[,TID...]");
	output_filter_say(f, "tid", arg);
	return 0;
}

int
output_filter_parse(struct output_filter *f, const char *states, const char *tids, const char *lock, struct err *e)
{
	memset(f, 0, sizeof *f);
	if (states != NULL && output_filter_states(f, states, e) < 0)
		return -1;
	if (tids != NULL && output_filter_tids(f, tids, e) < 0)
		return -1;
	if (lock != NULL) {
		if (lock[0] == '\0')
			return err_set(e, "--lock wants an address (0x...) or a lock's name");
		if (lock[0] == '0' && (lock[1] == 'x' || lock[1] == 'X')) {
			char *end;

			errno = 0;
			f->lock_addr = strtoull(lock, &end, 16);
			if (errno != 0 || *end != '\0' || f->lock_addr == 0)
				return err_set(e, "--lock: '%.40s' is no address", lock);
		}
		f->lock = lock;
		output_filter_say(f, "lock", lock);
	}
	return 0;
}

static bool
output_filter_lock_is(const struct output_filter *f, const struct lock *l)
{
	if (f->lock_addr != 0)
		return l->address == f->lock_addr;
	return l->symbol != NULL && strcmp(l->symbol, f->lock) == 0;
}

bool
output_filter_match(const struct output_filter *f, const struct snapshot *s, size_t ti)
{
	const struct thread *t = &s->threads[ti];
	bool found;

	if (f == NULL || !f->on)
		return true;
	if (f->states != 0 && (t->state >= STATE_COUNT || !(f->states & (1u << t->state))))
		return false;
	if (f->ntids > 0) {
		found = false;
		for (size_t i = 0; i < f->ntids && !found; i++)
			found = f->tids[i] == t->tid || (t->ns_tid != 0 && f->tids[i] == t->ns_tid);
		if (!found)
			return false;
	}
	if (f->lock == NULL)
		return true;
	if (t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks && output_filter_lock_is(f, &s->locks[t->wait.lock]))
		return true;
	for (size_t i = 0; i < s->nlocks; i++)
		for (size_t h = 0; h < s->locks[i].nholders; h++)
			if (s->locks[i].holders[h] == t->tid && output_filter_lock_is(f, &s->locks[i]))
				return true;
	return false;
}

size_t
output_select_threads(const struct snapshot *s, const struct output_filter *f, int **out)
{
	size_t n = 0;

	*out = xmalloc((s->nthreads ? s->nthreads : 1) * sizeof **out);
	for (size_t i = 0; i < s->nthreads; i++)
		if (output_filter_match(f, s, i))
			(*out)[n++] = (int)i;
	return n;
}

static uint64_t
output_group_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0x100000001b3ULL;
}

/* The default hash of a thread's group key: state, syscall, wait and every frame's pc. */
static uint64_t
output_group_hash(const struct thread *t)
{
	uint64_t h = output_group_mix(0xcbf29ce484222325ULL, (uint64_t)t->state);

	h = output_group_mix(h, (uint64_t)t->syscall);
	h = output_group_mix(h, (uint64_t)t->wait.kind);
	h = output_group_mix(h, t->wait.address);
	h = output_group_mix(h, t->nframes);
	for (size_t i = 0; i < t->nframes; i++)
		h = output_group_mix(h, t->frames[i].pc);
	return h;
}

/* A total order over strings that may be NULL (NULL first). */
static int
output_group_str_cmp(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (a == NULL || b == NULL)
		return a == NULL ? -1 : 1;
	return strcmp(a, b);
}

#define OUTPUT_GROUP_CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

/* The full comparison, a total order: everything a thread's entry shows but its TID, name and
 * syscall arguments. Equal (0) means the threads fold into one group. */
static int
output_group_cmp_threads(const struct thread *a, const struct thread *b)
{
	int c;

	OUTPUT_GROUP_CMP(a->state, b->state);
	OUTPUT_GROUP_CMP(a->syscall, b->syscall);
	OUTPUT_GROUP_CMP(a->status, b->status);
	OUTPUT_GROUP_CMP(a->nframes, b->nframes);
	OUTPUT_GROUP_CMP(a->wait.kind, b->wait.kind);
	OUTPUT_GROUP_CMP(a->wait.address, b->wait.address);
	OUTPUT_GROUP_CMP(a->wait.lock, b->wait.lock);
	OUTPUT_GROUP_CMP(a->wait.root, b->wait.root);
	OUTPUT_GROUP_CMP(a->wait.in_deadlock, b->wait.in_deadlock);
	if ((c = output_group_str_cmp(a->wait.detail, b->wait.detail)) != 0 ||
	    (c = output_group_str_cmp(a->unwind_error, b->unwind_error)) != 0)
		return c;
	for (size_t i = 0; i < a->nframes; i++) {
		const struct frame *x = &a->frames[i], *y = &b->frames[i];

		OUTPUT_GROUP_CMP(x->pc, y->pc);
		OUTPUT_GROUP_CMP(x->line, y->line);
		OUTPUT_GROUP_CMP(x->inlined, y->inlined);
		if ((c = output_group_str_cmp(x->function, y->function)) != 0 ||
		    (c = output_group_str_cmp(x->file, y->file)) != 0 ||
		    (c = output_group_str_cmp(x->module, y->module)) != 0)
			return c;
	}
	return 0;
}

/* Marks the threads that hold a lock (they are never folded): one pass over the locks. */
static bool *
output_group_holders(const struct snapshot *s)
{
	bool *holds = xcalloc(s->nthreads ? s->nthreads : 1, sizeof *holds);

	for (size_t i = 0; i < s->nlocks; i++)
		for (size_t h = 0; h < s->locks[i].nholders; h++) {
			int ti = snapshot_thread_index(s, s->locks[i].holders[h]);

			if (ti >= 0 && s->locks[i].kind != LOCK_JOIN)
				holds[ti] = true;
		}
	return holds;
}

/* A thread's place in the grouping sort: its position in sel, its hash, and itself. */
struct output_group_key {
	const struct thread *t;
	uint64_t hash;
	size_t k;
	bool alone;			/* holds a lock: a group of its own */
};

/* Orders by hash (quick), then by the full comparison (decides), then by position; a thread that
 * holds a lock sorts by position alone, after the others. */
static int
output_group_key_cmp(const void *pa, const void *pb)
{
	const struct output_group_key *a = pa, *b = pb;
	int c;

	OUTPUT_GROUP_CMP(a->alone, b->alone);
	if (!a->alone) {
		OUTPUT_GROUP_CMP(a->hash, b->hash);
		if ((c = output_group_cmp_threads(a->t, b->t)) != 0)
			return c;
	}
	OUTPUT_GROUP_CMP(a->k, b->k);
	return 0;
}

static int
output_group_first_cmp(const void *pa, const void *pb)
{
	const struct output_group *a = pa, *b = pb;

	OUTPUT_GROUP_CMP(a->threads[0], b->threads[0]);
	return 0;
}

/* Sorted by a total order over the whole key, a group is a run of equal keys: O(n log n)
 * comparisons whatever the hashes, which the target's pcs choose (a hash table degrades to
 * quadratic when they all collide). */
size_t
output_group_threads(const struct snapshot *s, const int *sel, size_t nsel, output_group_hash_fn hash,
    struct output_group **out)
{
	struct output_group_key *keys = xcalloc(nsel ? nsel : 1, sizeof *keys);
	struct output_group *g = xcalloc(nsel ? nsel : 1, sizeof *g);
	bool *holds = output_group_holders(s);
	size_t ng = 0;

	if (hash == NULL)
		hash = output_group_hash;
	for (size_t k = 0; k < nsel; k++) {
		const struct thread *t = &s->threads[sel[k]];

		keys[k] = (struct output_group_key){ t, holds[sel[k]] ? 0 : hash(t), k, holds[sel[k]] };
	}
	util_sort(keys, nsel, sizeof *keys, output_group_key_cmp);
	for (size_t i = 0, j; i < nsel; i = j) {
		for (j = i + 1; j < nsel && !keys[i].alone && !keys[j].alone && keys[i].hash == keys[j].hash &&
		    output_group_cmp_threads(keys[i].t, keys[j].t) == 0; j++)
			;
		g[ng].n = j - i;
		g[ng].threads = xmalloc((j - i) * sizeof *g[ng].threads);
		for (size_t m = i; m < j; m++)	/* sorted by position within the run */
			g[ng].threads[m - i] = sel[keys[m].k];
		ng++;
	}
	/* groups in the order of their first thread (sel is in s order, so are the runs) */
	util_sort(g, ng, sizeof *g, output_group_first_cmp);
	free(keys);
	free(holds);
	*out = g;
	return ng;
}

void
output_groups_free(struct output_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].threads);
	free(g);
}
