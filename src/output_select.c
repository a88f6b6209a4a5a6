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

static bool
output_group_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The full comparison: everything a thread's entry shows but its TID, name and syscall arguments. */
static bool
output_group_same(const struct thread *a, const struct thread *b)
{
	if (a->state != b->state || a->syscall != b->syscall || a->status != b->status || a->nframes != b->nframes)
		return false;
	if (a->wait.kind != b->wait.kind || a->wait.address != b->wait.address || a->wait.lock != b->wait.lock ||
	    a->wait.root != b->wait.root || a->wait.in_deadlock != b->wait.in_deadlock ||
	    !output_group_str_eq(a->wait.detail, b->wait.detail) || !output_group_str_eq(a->unwind_error, b->unwind_error))
		return false;
	for (size_t i = 0; i < a->nframes; i++) {
		const struct frame *x = &a->frames[i], *y = &b->frames[i];

		if (x->pc != y->pc || x->line != y->line || x->inlined != y->inlined ||
		    !output_group_str_eq(x->function, y->function) || !output_group_str_eq(x->file, y->file) ||
		    !output_group_str_eq(x->module, y->module))
			return false;
	}
	return true;
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

size_t
output_group_threads(const struct snapshot *s, const int *sel, size_t nsel, output_group_hash_fn hash,
    struct output_group **out)
{
	size_t nslots = 16, ng = 0;
	size_t *slots;			/* open addressing: group index + 1, 0 = empty */
	uint64_t *ghash = xmalloc((nsel ? nsel : 1) * sizeof *ghash);
	size_t *gcap = xcalloc(nsel ? nsel : 1, sizeof *gcap);
	bool *holds = output_group_holders(s);
	struct output_group *g = xcalloc(nsel ? nsel : 1, sizeof *g);

	if (hash == NULL)
		hash = output_group_hash;
	while (nslots < 2 * nsel)
		nslots *= 2;
	slots = xcalloc(nslots, sizeof *slots);
	for (size_t k = 0; k < nsel; k++) {
		const struct thread *t = &s->threads[sel[k]];
		uint64_t h = hash(t);
		size_t i = h & (nslots - 1), gi = SIZE_MAX;

		if (!holds[sel[k]]) {
			/* every group with this hash is compared in full: a collision never merges */
			for (; slots[i] != 0; i = (i + 1) & (nslots - 1)) {
				size_t c = slots[i] - 1;

				if (ghash[c] == h && output_group_same(&s->threads[g[c].threads[0]], t)) {
					gi = c;
					break;
				}
			}
		}
		if (gi == SIZE_MAX) {
			gi = ng++;
			ghash[gi] = h;
			if (!holds[sel[k]]) {
				while (slots[i] != 0)
					i = (i + 1) & (nslots - 1);
				slots[i] = gi + 1;
			}
		}
		xgrow(&g[gi].threads, &gcap[gi], g[gi].n + 1, sizeof *g[gi].threads);
		g[gi].threads[g[gi].n++] = sel[k];
	}
	free(slots);
	free(ghash);
	free(gcap);
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
