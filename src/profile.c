/* profile.c - aggregates snapshots into counted (labels, stack) samples with interned functions, locations and mappings. */
#include "profile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

/* String key -> index, open addressing; keys are length-prefixed field lists so no name can
 * collide with another by containing a separator. */
struct profile_map {
	char **keys;		/* owned */
	size_t *keylens;
	size_t *vals;
	size_t cap, n;
};

/* Frames -> location, a shortcut past building the location's key from its function and mapping
 * keys: keyed by the pc and a hash of what the frames say (a return address and an interrupted pc
 * may name different lines). Cleared when the maps change, since locations hold a mapping. */
struct profile_pcent {
	uint64_t pc;
	uint64_t hash;
	size_t nframes;			/* 0: empty slot */
	size_t loc;
};

struct profile_index {
	struct profile_map functions, locations, mappings, samples;
	struct profile_pcent *pcs;	/* owned, open addressing */
	size_t pcs_cap, pcs_n;
	char *maps_text;		/* owned; the maps the pc shortcuts hold for */
	/* Each thread's sample in the previous snapshot, by tid: a thread the capture marks unchanged
	 * (it has not run since) counts there again without its stack being looked at. */
	struct profile_last {
		pid_t tid;
		enum thread_state state;
		size_t sample;
	} *last, *cur;			/* owned; cur is being filled, then becomes last */
	size_t nlast, last_cap, ncur, cur_cap;
};

/* A key under construction. */
struct profile_key {
	char *buf;
	size_t len, cap;
};

static void
profile_key_bytes(struct profile_key *k, const void *data, size_t len)
{
	xgrow(&k->buf, &k->cap, k->len + len + 1, 1);
	memcpy(k->buf + k->len, data, len);
	k->len += len;
}

/* v in hex followed by end; keys are built for every frame of every sample, so no printf here. */
static void
profile_key_hex(struct profile_key *k, uint64_t v, char end)
{
	char n[20];
	size_t i = sizeof n;

	n[--i] = end;
	do {
		n[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v != 0);
	profile_key_bytes(k, n + i, sizeof n - i);
}

static void
profile_key_str(struct profile_key *k, const char *s)
{
	size_t len;

	if (s == NULL) {
		profile_key_bytes(k, "-|", 2);
		return;
	}
	len = strlen(s);
	profile_key_hex(k, len, ':');
	profile_key_bytes(k, s, len);
}

static void
profile_key_num(struct profile_key *k, uint64_t v)
{
	profile_key_hex(k, v, '|');
}

static uint64_t
profile_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void profile_map_put(struct profile_map *m, char *key, size_t len, size_t val);

static void
profile_map_grow(struct profile_map *m)
{
	struct profile_map old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->keylens = xcalloc(m->cap, sizeof *m->keylens);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] != NULL)
			profile_map_put(m, old.keys[i], old.keylens[i], old.vals[i]);
	free(old.keys);
	free(old.keylens);
	free(old.vals);
}

/* Takes ownership of key. */
static void
profile_map_put(struct profile_map *m, char *key, size_t len, size_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		profile_map_grow(m);
	i = profile_hash(key, len) & (m->cap - 1);
	while (m->keys[i] != NULL)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->keylens[i] = len;
	m->vals[i] = val;
	m->n++;
}

/* The value stored for key, or SIZE_MAX. */
static size_t
profile_map_get(const struct profile_map *m, const char *key, size_t len)
{
	size_t i;

	if (m->cap == 0)
		return SIZE_MAX;
	i = profile_hash(key, len) & (m->cap - 1);
	while (m->keys[i] != NULL) {
		if (m->keylens[i] == len && memcmp(m->keys[i], key, len) == 0)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return SIZE_MAX;
}

static void
profile_map_done(struct profile_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->keylens);
	free(m->vals);
}

/* Looks the key up; if absent, stores it with value next and returns SIZE_MAX. Consumes k->buf. */
static size_t
profile_intern(struct profile_map *m, struct profile_key *k, size_t next)
{
	size_t v = profile_map_get(m, k->buf, k->len);

	if (v != SIZE_MAX) {
		k->len = 0;
		return v;
	}
	profile_map_put(m, xstrndup(k->buf, k->len), k->len, next);
	k->len = 0;
	return SIZE_MAX;
}

struct profile *
profile_new(void)
{
	struct profile *p = xcalloc(1, sizeof *p);

	p->index = xcalloc(1, sizeof *p->index);
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nfunctions; i++) {
		free(p->functions[i].name);
		free(p->functions[i].file);
	}
	free(p->functions);
	for (size_t i = 0; i < p->nlocations; i++)
		free(p->locations[i].lines);
	free(p->locations);
	for (size_t i = 0; i < p->nmappings; i++)
		free(p->mappings[i].path);
	free(p->mappings);
	for (size_t i = 0; i < p->nsamples; i++) {
		free(p->samples[i].lock);
		free(p->samples[i].holds);
		free(p->samples[i].thread);
		free(p->samples[i].go_wait);
		free(p->samples[i].process);
		free(p->samples[i].locations);
	}
	free(p->samples);
	profile_map_done(&p->index->functions);
	profile_map_done(&p->index->locations);
	profile_map_done(&p->index->mappings);
	profile_map_done(&p->index->samples);
	free(p->index->pcs);
	free(p->index->maps_text);
	free(p->index->last);
	free(p->index->cur);
	free(p->index);
	free(p->exe);
	free(p);
}

static int
profile_mapping(struct profile *p, struct profile_key *k, const struct mapping *m)
{
	size_t i;

	if (m == NULL)
		return -1;
	profile_key_num(k, m->start);
	profile_key_num(k, m->end);
	profile_key_num(k, m->offset);
	profile_key_str(k, m->path);
	i = profile_intern(&p->index->mappings, k, p->nmappings);
	if (i != SIZE_MAX) {
		/* a module first seen before it was opened gets its build ID later */
		if (p->mappings[i].build_id[0] == '\0' && m->build_id_hex[0] != '\0')
			memcpy(p->mappings[i].build_id, m->build_id_hex, sizeof m->build_id_hex);
		return (int)i;
	}
	xgrow(&p->mappings, &p->mappings_cap, p->nmappings + 1, sizeof *p->mappings);
	p->mappings[p->nmappings].start = m->start;
	p->mappings[p->nmappings].end = m->end;
	p->mappings[p->nmappings].offset = m->offset;
	p->mappings[p->nmappings].path = xstrdup(m->path != NULL ? m->path : "");
	memcpy(p->mappings[p->nmappings].build_id, m->build_id_hex, sizeof m->build_id_hex);
	return (int)p->nmappings++;
}

static size_t
profile_function(struct profile *p, struct profile_key *k, const struct frame *f, const struct mapping *m)
{
	char *name;
	size_t i;

	if (f->function != NULL)
		name = xstrdup(f->function);
	else if (m != NULL && m->path != NULL && m->path[0] != '\0')
		name = xasprintf("%s+0x%" PRIx64, util_basename(m->path), f->pc - m->start + m->offset);
	else
		name = xasprintf("0x%" PRIx64, f->pc);
	profile_key_str(k, name);
	profile_key_str(k, f->file);
	i = profile_intern(&p->index->functions, k, p->nfunctions);
	if (i != SIZE_MAX) {
		free(name);
		return i;
	}
	xgrow(&p->functions, &p->functions_cap, p->nfunctions + 1, sizeof *p->functions);
	p->functions[p->nfunctions].name = name;
	p->functions[p->nfunctions].file = f->file != NULL ? xstrdup(f->file) : NULL;
	return p->nfunctions++;
}

static uint64_t
profile_frames_hash(const struct frame *frames, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t j = 0; j < n; j++) {
		const struct frame *f = &frames[j];
		uint64_t v[3] = { f->pc, (uint64_t)(uint32_t)f->line << 32 | (uint32_t)f->column, f->inlined };

		for (size_t b = 0; b < sizeof v; b++)
			h = (h ^ ((const uint8_t *)v)[b]) * 0x100000001b3ULL;
		for (const char *c = f->function; c != NULL && *c != '\0'; c++)
			h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
		for (const char *c = f->file; c != NULL && *c != '\0'; c++)
			h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	}
	return h;
}

static size_t
profile_pc_slot(const struct profile_index *x, uint64_t pc, uint64_t hash, size_t n)
{
	size_t i = (size_t)(hash >> 7) & (x->pcs_cap - 1);

	while (x->pcs[i].nframes != 0 &&
	    (x->pcs[i].pc != pc || x->pcs[i].hash != hash || x->pcs[i].nframes != n))
		i = (i + 1) & (x->pcs_cap - 1);
	return i;
}

static void
profile_pc_put(struct profile_index *x, uint64_t pc, uint64_t hash, size_t n, size_t loc)
{
	size_t i;

	if (2 * (x->pcs_n + 1) > x->pcs_cap) {
		struct profile_pcent *old = x->pcs;
		size_t ocap = x->pcs_cap;

		x->pcs_cap = ocap ? 2 * ocap : 256;
		x->pcs = xcalloc(x->pcs_cap, sizeof *x->pcs);
		for (size_t j = 0; j < ocap; j++)
			if (old[j].nframes != 0)
				x->pcs[profile_pc_slot(x, old[j].pc, old[j].hash, old[j].nframes)] = old[j];
		free(old);
	}
	i = profile_pc_slot(x, pc, hash, n);
	if (x->pcs[i].nframes == 0)
		x->pcs_n++;
	x->pcs[i] = (struct profile_pcent){ pc, hash, n, loc };
}

/* Drops the pc shortcuts when the snapshot's address space is not the one they were made in;
 * true if it did. */
static bool
profile_pc_check_maps(struct profile_index *x, const struct snapshot *s)
{
	const char *text = s->maps_text != NULL ? s->maps_text : "";

	if (x->maps_text != NULL && strcmp(x->maps_text, text) == 0)
		return false;
	free(x->maps_text);
	x->maps_text = xstrdup(text);
	if (x->pcs != NULL)
		memset(x->pcs, 0, x->pcs_cap * sizeof *x->pcs);
	x->pcs_n = 0;
	return true;
}

static size_t profile_location_slow(struct profile *p, struct profile_key *k, const struct snapshot *s,
    const struct frame *frames, size_t n);

/* frames[0..n) is one pc: the inlined calls, innermost first, then the containing function. */
static size_t
profile_location(struct profile *p, struct profile_key *k, const struct snapshot *s, const struct frame *frames, size_t n)
{
	struct profile_index *x = p->index;
	uint64_t pc = frames[n - 1].pc, hash = profile_frames_hash(frames, n);
	size_t loc;

	if (x->pcs != NULL) {
		size_t i = profile_pc_slot(x, pc, hash, n);

		if (x->pcs[i].nframes != 0)
			return x->pcs[i].loc;
	}
	loc = profile_location_slow(p, k, s, frames, n);
	profile_pc_put(x, pc, hash, n, loc);
	return loc;
}

static size_t
profile_location_slow(struct profile *p, struct profile_key *k, const struct snapshot *s, const struct frame *frames,
    size_t n)
{
	const struct mapping *m = snapshot_find_mapping(s, frames[n - 1].pc);
	struct profile_line *lines = xcalloc(n, sizeof *lines);
	struct profile_location *loc;
	int mi = profile_mapping(p, k, m);
	size_t i;

	for (size_t j = 0; j < n; j++) {
		lines[j].function = profile_function(p, k, &frames[j], m);
		lines[j].line = frames[j].line;
	}
	profile_key_num(k, frames[n - 1].pc);
	profile_key_num(k, (uint64_t)(int64_t)mi);
	for (size_t j = 0; j < n; j++) {
		profile_key_num(k, lines[j].function);
		profile_key_num(k, (uint64_t)(int64_t)lines[j].line);
	}
	i = profile_intern(&p->index->locations, k, p->nlocations);
	if (i != SIZE_MAX) {
		free(lines);
		return i;
	}
	xgrow(&p->locations, &p->locations_cap, p->nlocations + 1, sizeof *p->locations);
	loc = &p->locations[p->nlocations];
	loc->pc = frames[n - 1].pc;
	loc->mapping = mi;
	loc->lines = lines;
	loc->nlines = n;
	return p->nlocations++;
}

/* What the thread waits on, as a label, or NULL. */
static char *
profile_lock_name(const struct snapshot *s, const struct thread *t)
{
	const struct wait_info *w = &t->wait;

	if (w->kind == WAIT_NONE || w->kind == WAIT_SYSCALL)
		return NULL;
	if (w->symbol != NULL)
		return xstrdup(w->symbol);
	if (w->lock >= 0 && (size_t)w->lock < s->nlocks && s->locks[w->lock].symbol != NULL)
		return xstrdup(s->locks[w->lock].symbol);
	if (w->address != 0)
		return xasprintf("0x%" PRIx64, w->address);
	return NULL;
}

/* What one thread or goroutine contributes: its labels and its stack. */
struct profile_item {
	enum thread_state state;
	enum wait_kind wait;
	char *lock;		/* owned, passed on to the sample */
	char *holds;		/* owned, passed on to the sample */
	const char *thread;
	pid_t tid;
	uint64_t goid;
	const char *go_wait;
	pid_t pid;
	const char *process;
	const struct frame *frames;
	size_t nframes;
};

/* Counts one item; returns the index of its sample. */
static size_t
profile_add_item(struct profile *p, struct profile_key *k, const struct snapshot *s, struct profile_item *it,
    size_t **locs, size_t *locs_cap)
{
	struct profile_sample *ps;
	size_t nlocs = 0, i, j;

	for (i = 0; i < it->nframes; i = j + 1) {
		/* An inlined frame belongs to the same pc as the next (outer) one. */
		for (j = i; j + 1 < it->nframes && it->frames[j].inlined; j++)
			;
		xgrow(locs, locs_cap, nlocs + 1, sizeof **locs);
		(*locs)[nlocs++] = profile_location(p, k, s, &it->frames[i], j - i + 1);
	}
	profile_key_num(k, (uint64_t)it->state);
	profile_key_num(k, (uint64_t)it->wait);
	profile_key_str(k, it->lock);
	profile_key_str(k, it->thread);
	profile_key_num(k, (uint64_t)it->tid);
	profile_key_num(k, it->goid);
	profile_key_str(k, it->go_wait);
	profile_key_num(k, (uint64_t)it->pid);
	profile_key_str(k, it->process);
	profile_key_str(k, it->holds);
	for (i = 0; i < nlocs; i++)
		profile_key_num(k, (*locs)[i]);
	i = profile_intern(&p->index->samples, k, p->nsamples);
	if (i != SIZE_MAX) {
		p->samples[i].count++;
		free(it->lock);
		free(it->holds);
		return i;
	}
	xgrow(&p->samples, &p->samples_cap, p->nsamples + 1, sizeof *p->samples);
	ps = &p->samples[p->nsamples++];
	memset(ps, 0, sizeof *ps);
	ps->state = it->state;
	ps->wait = it->wait;
	ps->lock = it->lock;
	ps->holds = it->holds;
	ps->thread = xstrdup(it->thread);
	ps->tid = it->tid;
	ps->goid = it->goid;
	ps->go_wait = it->go_wait != NULL ? xstrdup(it->go_wait) : NULL;
	ps->pid = it->pid;
	ps->process = xstrdup(it->process != NULL ? it->process : "");
	ps->nlocations = nlocs;
	ps->locations = xcalloc(nlocs ? nlocs : 1, sizeof *ps->locations);
	if (nlocs > 0)
		memcpy(ps->locations, *locs, nlocs * sizeof *ps->locations);
	ps->count = 1;
	return p->nsamples - 1;
}

/* The process's name: its main thread's comm. */
static const char *
profile_process_name(const struct snapshot *s)
{
	const struct thread *t = snapshot_find_thread(s, s->pid);

	return t != NULL && t->name != NULL ? t->name : "";
}

/* Appends one "what NAME" entry to *out (owned), at most 512 bytes in all. */
static void
profile_holds_add(char **out, const char *what, const struct lock *l)
{
	char *n;
	const char *name = l->symbol != NULL ? l->symbol : "?";

	if (*out != NULL && strlen(*out) > 512)
		return;
	if (*out == NULL)
		n = xasprintf("%s %s", what, name);
	else
		n = xasprintf("%s; %s %s", *out, what, name);
	free(*out);
	*out = n;
}

/* The locks thread tid (goid 0) or goroutine goid holds as s says: recorded owners, probable
 * holders (holders.c) and the Go writer that holds an RWMutex's writer side and waits for its
 * readers. NULL if none; the caller owns the result. */
static char *
profile_holds(const struct snapshot *s, pid_t tid, uint64_t goid)
{
	char *out = NULL;
	char what[96];

	for (size_t i = 0; i < s->nlocks && i < 4096; i++) {
		const struct lock *l = &s->locks[i];

		for (size_t h = 0; goid == 0 && h < l->nholders; h++)
			if (l->holders[h] == tid)
				profile_holds_add(&out, snapshot_lock_kind_name(l->kind), l);
		for (size_t h = 0; h < l->nprobable; h++) {
			const struct probable_holder *ph = &l->probable[h];
			bool me = goid != 0 ? ph->goroutine == goid :
			    ph->thread >= 0 && (size_t)ph->thread < s->nthreads && s->threads[ph->thread].tid == tid;

			if (!me)
				continue;
			snprintf(what, sizeof what, "probably %s%s%s", snapshot_lock_kind_name(l->kind),
			    ph->mode != HOLDER_MODE_UNKNOWN ? " " : "", ph->mode != HOLDER_MODE_UNKNOWN ?
			    snapshot_holder_mode_name(ph->mode) : "");
			profile_holds_add(&out, what, l);
		}
	}
	return out;
}

static void
profile_add_goroutine(struct profile *p, struct profile_key *k, const struct snapshot *s, const struct goroutine *g,
    size_t **locs, size_t *locs_cap)
{
	struct profile_item it = {
		.state = g->state, .wait = WAIT_NONE, .thread = "goroutine", .goid = g->id,
		.go_wait = g->wait_reason, .frames = g->frames, .nframes = g->nframes,
		.pid = s->pid, .process = profile_process_name(s),
	};

	switch (g->role) {
	case GOWAIT_MUTEX: it.wait = WAIT_MUTEX; break;
	case GOWAIT_RW_WRITER: case GOWAIT_RW_QUEUED: it.wait = WAIT_RWLOCK_WRITE; break;
	case GOWAIT_RW_READER: it.wait = WAIT_RWLOCK_READ; break;
	case GOWAIT_SEMA: it.wait = WAIT_SEMAPHORE; break;
	case GOWAIT_NONE: break;
	}
	if (g->lock >= 0 && (size_t)g->lock < s->nlocks && s->locks[g->lock].symbol != NULL)
		it.lock = xstrdup(s->locks[g->lock].symbol);
	else if (g->lock_addr != 0)
		it.lock = xasprintf("0x%" PRIx64, g->lock_addr);
	it.holds = profile_holds(s, 0, g->id);
	if (g->role == GOWAIT_RW_WRITER && g->lock >= 0 && (size_t)g->lock < s->nlocks)
		/* it took the writer side (w) and waits for the readers to leave: queued writers did not */
		profile_holds_add(&it.holds, "the writer side of", &s->locks[g->lock]);
	(void)profile_add_item(p, k, s, &it, locs, locs_cap);
}

static int
profile_last_cmp(const void *a, const void *b)
{
	const struct profile_last *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

void
profile_add(struct profile *p, const struct snapshot *s)
{
	struct profile_index *x = p->index;
	struct profile_key k = { NULL, 0, 0 };
	size_t *locs = NULL, locs_cap = 0;
	const char *process = profile_process_name(s);

	if (p->nsnapshots == 0) {
		p->pid = s->pid;
		p->first = s->taken;
		if (s->exe != NULL)
			p->exe = xstrdup(s->exe);
		/* pprof takes mapping[0] as the main binary: intern the executable's code first. */
		for (size_t i = 0; i < s->nmaps && s->exe != NULL; i++)
			if (strchr(s->maps[i].perms, 'x') != NULL && strcmp(s->maps[i].path, s->exe) == 0)
				profile_mapping(p, &k, &s->maps[i]);
	}
	p->last = s->taken;
	p->nsnapshots++;
	if (profile_pc_check_maps(x, s))
		x->nlast = 0;	/* another address space: the same stack may be other locations */
	x->ncur = 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		struct profile_item it = {
			.state = t->state, .wait = t->wait.kind, .lock = NULL,
			.thread = t->name != NULL ? t->name : "", .tid = t->tid,
			.frames = t->frames, .nframes = t->nframes, .pid = s->pid, .process = process,
		};
		struct profile_last key = { .tid = t->tid }, *prev;
		size_t si;

		if (t->status == CAPTURE_GONE)
			continue;
		prev = t->unchanged && t->wait.kind == WAIT_NONE && x->nlast > 0 ?
		    bsearch(&key, x->last, x->nlast, sizeof *x->last, profile_last_cmp) : NULL;
		if (prev != NULL && prev->state == t->state) {
			si = prev->sample;
			p->samples[si].count++;
		} else {
			it.lock = profile_lock_name(s, t);
			it.holds = s->nlocks > 0 ? profile_holds(s, t->tid, 0) : NULL;
			si = profile_add_item(p, &k, s, &it, &locs, &locs_cap);
		}
		xgrow(&x->cur, &x->cur_cap, x->ncur + 1, sizeof *x->cur);
		x->cur[x->ncur++] = (struct profile_last){ t->tid, t->state, si };
		p->nthread_samples++;
	}
	/* threads come in tid order, but those born during a capture are appended */
	util_sort(x->cur, x->ncur, sizeof *x->cur, profile_last_cmp);
	{
		struct profile_last *tmp = x->last;
		size_t cap = x->last_cap;

		x->last = x->cur;
		x->last_cap = x->cur_cap;
		x->nlast = x->ncur;
		x->cur = tmp;
		x->cur_cap = cap;
		x->ncur = 0;
	}
	for (size_t i = 0; s->go != NULL && i < s->go->ngs; i++) {
		profile_add_goroutine(p, &k, s, &s->go->gs[i], &locs, &locs_cap);
		p->nthread_samples++;
	}
	free(locs);
	free(k.buf);
}

void
profile_lock_label(const struct profile_sample *ps, char *buf, size_t len)
{
	if (ps->lock == NULL)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s %s", snapshot_wait_kind_name(ps->wait), ps->lock);
}

struct profile_group {
	const struct profile_sample *first;	/* borrowed; the representative */
	uint64_t count;
};

static int
profile_group_cmp(const void *a, const void *b)
{
	const struct profile_group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static bool
profile_same_lock(const struct profile_sample *a, const struct profile_sample *b)
{
	return a->wait == b->wait && a->lock != NULL && b->lock != NULL && strcmp(a->lock, b->lock) == 0;
}

static bool
profile_same_stack(const struct profile_sample *a, const struct profile_sample *b)
{
	return a->nlocations == b->nlocations &&
	    (a->nlocations == 0 || memcmp(a->locations, b->locations, a->nlocations * sizeof *a->locations) == 0);
}

static void
profile_put_count(FILE *f, uint64_t count, uint64_t total, int rate_hz)
{
	fprintf(f, "%8" PRIu64 " %5.1f%%", count, total ? 100.0 * (double)count / (double)total : 0.0);
	if (rate_hz > 0)
		fprintf(f, " %8.1fs", (double)count / rate_hz);
}

/* libc's own frames (futex_wait, __lll_lock_wait, ...) say little: the summary starts at the libc
 * function the program called. */
static bool
profile_in_libc(const struct profile *p, const struct profile_location *loc)
{
	const char *base;

	if (loc->mapping < 0)
		return false;
	base = util_basename(p->mappings[loc->mapping].path);
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
	    strncmp(base, "libpthread", 10) == 0 || strncmp(base, "ld-linux", 8) == 0;
}

/* The stack, innermost first, functions only, at most 8 of them. */
static void
profile_put_stack(FILE *f, const struct profile *p, const struct profile_sample *ps)
{
	size_t shown = 0, first = 0;

	if (ps->nlocations == 0)
		fputs("(no stack)", f);
	while (first + 1 < ps->nlocations && profile_in_libc(p, &p->locations[ps->locations[first]]) &&
	    profile_in_libc(p, &p->locations[ps->locations[first + 1]]))
		first++;
	if (first + 1 == ps->nlocations)
		first = 0;	/* all in libc: show it as it is */
	for (size_t i = first; i < ps->nlocations && shown < 8; i++) {
		const struct profile_location *loc = &p->locations[ps->locations[i]];
		/* Of the libc entry point only the function itself, not what is inlined into it. */
		size_t j = i == first && first > 0 ? loc->nlines - 1 : 0;

		for (; j < loc->nlines && shown < 8; j++, shown++) {
			if (shown > 0)
				fputs(" < ", f);
			sanitize_fputs(p->functions[loc->lines[j].function].name, f);
		}
	}
	if (shown == 8)
		fputs(" < ...", f);
	fputc('\n', f);
}

int
profile_write_summary(const struct profile *p, FILE *f, int rate_hz, size_t max_locks, size_t max_stacks)
{
	uint64_t bystate[STATE_COUNT] = { 0 };
	struct profile_group *locks = NULL, *stacks = NULL;
	size_t nlocks = 0, nstacks;

	fprintf(f, "%" PRIu64 " snapshots, %" PRIu64 " thread samples\n", p->nsnapshots, p->nthread_samples);
	if (p->nthread_samples == 0)
		return ferror(f) ? -1 : 0;
	for (size_t i = 0; i < p->nsamples; i++)
		bystate[(unsigned)p->samples[i].state < STATE_COUNT ? p->samples[i].state : STATE_UNKNOWN] += p->samples[i].count;
	fputs("time by state:", f);
	for (int st = 0; st < STATE_COUNT; st++)
		if (bystate[st] > 0)
			fprintf(f, " %s %.1f%%", snapshot_state_name((enum thread_state)st),
			    100.0 * (double)bystate[st] / (double)p->nthread_samples);
	fputc('\n', f);

	/* Group samples by lock; the first sample of a group represents it. */
	locks = xcalloc(p->nsamples ? p->nsamples : 1, sizeof *locks);
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct profile_sample *ps = &p->samples[i];
		size_t g;

		if (ps->lock == NULL)
			continue;
		for (g = 0; g < nlocks && !profile_same_lock(locks[g].first, ps); g++)
			;
		if (g == nlocks)
			locks[nlocks++].first = ps;
		locks[g].count += ps->count;
	}
	if (nlocks == 0) {
		fputs("no thread waited on a lock\n", f);
		goto out;
	}
	util_sort(locks, nlocks, sizeof *locks, profile_group_cmp);
	fputs("locks with the most waiting (thread samples, share of all):\n", f);
	stacks = xcalloc(p->nsamples, sizeof *stacks);
	for (size_t g = 0; g < nlocks && g < max_locks; g++) {
		char label[512];

		profile_lock_label(locks[g].first, label, sizeof label);
		profile_put_count(f, locks[g].count, p->nthread_samples, rate_hz);
		fputs("  ", f);
		sanitize_fputs(label, f);
		fputc('\n', f);
		nstacks = 0;
		for (size_t i = 0; i < p->nsamples; i++) {
			const struct profile_sample *ps = &p->samples[i];
			size_t s;

			if (!profile_same_lock(locks[g].first, ps))
				continue;
			for (s = 0; s < nstacks && !profile_same_stack(stacks[s].first, ps); s++)
				;
			if (s == nstacks) {
				stacks[nstacks].first = ps;
				stacks[nstacks++].count = 0;
			}
			stacks[s].count += ps->count;
		}
		util_sort(stacks, nstacks, sizeof *stacks, profile_group_cmp);
		for (size_t s = 0; s < nstacks && s < max_stacks; s++) {
			fprintf(f, "    %8" PRIu64 "  ", stacks[s].count);
			profile_put_stack(f, p, stacks[s].first);
		}
	}
	if (nlocks > max_locks)
		fprintf(f, "  ... and %zu more locks\n", nlocks - max_locks);
out:
	free(stacks);
	free(locks);
	return ferror(f) ? -1 : 0;
}
