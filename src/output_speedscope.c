/* output_speedscope.c - record's speedscope file (speedscope.app's file-format-spec.ts): one evented timeline per thread. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "util.h"

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"
#define SPEEDSCOPE_MAX_DEPTH 512	/* frames of one stack kept (state and lock leaf included) */

/* One frame of shared.frames: a function at a file:line, a state ("blocked") or a lock leaf. */
struct speedscope_frame {
	char *name, *file;	/* owned; file NULL if unknown */
	int line;
};

struct speedscope_event {
	double at;		/* seconds since the first snapshot */
	size_t frame;
	bool open;
};

/* One thread's timeline: its events, and the stack open at the last snapshot (outermost first). */
struct speedscope_thread {
	pid_t tid;
	char *name;		/* owned; comm at first sight */
	struct speedscope_event *events;
	size_t nevents, events_cap;
	size_t *open;
	size_t nopen, open_cap;
	bool seen;		/* in the current snapshot */
};

struct output_speedscope {
	FILE *f;		/* borrowed */
	char *exe;		/* owned */
	int rate_hz;
	struct speedscope_frame *frames;
	size_t nframes, frames_cap;
	size_t *slots;		/* hash table of frame index + 1, 0 = empty */
	size_t nslots;
	struct speedscope_thread *threads;	/* sorted by tid */
	size_t nthreads, threads_cap;
	struct timespec first;
	double last;		/* time of the newest snapshot */
	size_t nsnap;
};

static uint64_t
speedscope_hash(const char *name, const char *file, int line)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(unsigned)line;

	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (const char *p = file ? file : ""; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	return h;
}

static bool
speedscope_same(const struct speedscope_frame *fr, const char *name, const char *file, int line)
{
	if (fr->line != line || strcmp(fr->name, name) != 0)
		return false;
	return (fr->file == NULL) == (file == NULL) && (file == NULL || strcmp(fr->file, file) == 0);
}

static void
speedscope_slot_put(struct output_speedscope *st, size_t idx)
{
	const struct speedscope_frame *fr = &st->frames[idx];
	size_t i = speedscope_hash(fr->name, fr->file, fr->line) & (st->nslots - 1);

	while (st->slots[i] != 0)
		i = (i + 1) & (st->nslots - 1);
	st->slots[i] = idx + 1;
}

/* The index of the frame (name, file, line) in shared.frames, added if new. */
static size_t
speedscope_frame(struct output_speedscope *st, const char *name, const char *file, int line)
{
	if (st->nslots > 0) {
		size_t i = speedscope_hash(name, file, line) & (st->nslots - 1);

		for (; st->slots[i] != 0; i = (i + 1) & (st->nslots - 1))
			if (speedscope_same(&st->frames[st->slots[i] - 1], name, file, line))
				return st->slots[i] - 1;
	}
	if ((st->nframes + 1) * 2 > st->nslots) {
		free(st->slots);
		st->nslots = st->nslots ? st->nslots * 2 : 256;
		st->slots = xcalloc(st->nslots, sizeof *st->slots);
		for (size_t i = 0; i < st->nframes; i++)
			speedscope_slot_put(st, i);
	}
	xgrow(&st->frames, &st->frames_cap, st->nframes + 1, sizeof *st->frames);
	st->frames[st->nframes] = (struct speedscope_frame){ xstrdup(name), file ? xstrdup(file) : NULL, line };
	speedscope_slot_put(st, st->nframes);
	return st->nframes++;
}

/* The timeline of tid, created (in tid order) if new. */
static struct speedscope_thread *
speedscope_thread(struct output_speedscope *st, const struct thread *t)
{
	size_t lo = 0, hi = st->nthreads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->threads[mid].tid < t->tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->nthreads && st->threads[lo].tid == t->tid)
		return &st->threads[lo];
	xgrow(&st->threads, &st->threads_cap, st->nthreads + 1, sizeof *st->threads);
	memmove(&st->threads[lo + 1], &st->threads[lo], (st->nthreads - lo) * sizeof *st->threads);
	st->nthreads++;
	memset(&st->threads[lo], 0, sizeof st->threads[lo]);
	st->threads[lo].tid = t->tid;
	st->threads[lo].name = xstrdup(t->name ? t->name : "");
	return &st->threads[lo];
}

static void
speedscope_event(struct speedscope_thread *th, double at, size_t frame, bool open)
{
	xgrow(&th->events, &th->events_cap, th->nevents + 1, sizeof *th->events);
	th->events[th->nevents++] = (struct speedscope_event){ at, frame, open };
}

/* Moves th's open stack to stack[0..n) at time at: closes what differs (innermost first), opens the rest. */
static void
speedscope_move(struct speedscope_thread *th, const size_t *stack, size_t n, double at)
{
	size_t common = 0;

	while (common < n && common < th->nopen && th->open[common] == stack[common])
		common++;
	while (th->nopen > common)
		speedscope_event(th, at, th->open[--th->nopen], false);
	xgrow(&th->open, &th->open_cap, n ? n : 1, sizeof *th->open);
	for (size_t i = common; i < n; i++) {
		th->open[th->nopen++] = stack[i];
		speedscope_event(th, at, stack[i], true);
	}
}

/* The stack of t, outermost first: its state, its frames, the lock it waits on as the leaf. */
static size_t
speedscope_stack(struct output_speedscope *st, const struct snapshot *s, const struct thread *t, size_t *out)
{
	size_t n = 0;
	char buf[512];

	out[n++] = speedscope_frame(st, snapshot_state_name(t->state), NULL, 0);
	for (size_t i = t->nframes; i-- > 0 && n + 1 < SPEEDSCOPE_MAX_DEPTH;) {
		const struct frame *fr = &t->frames[i];
		const char *name = fr->function;

		if (name == NULL) {
			if (fr->module != NULL)
				snprintf(buf, sizeof buf, "%s+0x%" PRIx64, util_basename(fr->module), fr->offset);
			else
				snprintf(buf, sizeof buf, "0x%" PRIx64, fr->pc);
			name = buf;
		}
		out[n++] = speedscope_frame(st, name, fr->file, fr->line);
	}
	if (t->wait.kind != WAIT_NONE && t->wait.kind != WAIT_SYSCALL && t->wait.address != 0) {
		const struct lock *l = t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks ? &s->locks[t->wait.lock] : NULL;

		if (t->wait.symbol != NULL)
			snprintf(buf, sizeof buf, "[%s %s]", snapshot_wait_kind_name(t->wait.kind), t->wait.symbol);
		else
			snprintf(buf, sizeof buf, "[%s 0x%" PRIx64 "]", snapshot_wait_kind_name(t->wait.kind), t->wait.address);
		if (l != NULL && l->nholders == 1 && strlen(buf) + 24 < sizeof buf)
			snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, " held by %d]", (int)l->holders[0]);
		out[n++] = speedscope_frame(st, buf, NULL, 0);
	}
	return n;
}

static void *
output_speedscope_begin(FILE *f, const struct output_opts *o)
{
	struct output_speedscope *st = xcalloc(1, sizeof *st);

	st->f = f;
	st->rate_hz = o != NULL ? o->rate_hz : 0;
	return st;
}

static int
output_speedscope_add(void *state, const struct snapshot *s)
{
	struct output_speedscope *st = state;
	size_t *stack = xmalloc(SPEEDSCOPE_MAX_DEPTH * sizeof *stack);
	double at;

	if (st->nsnap++ == 0) {
		st->first = s->taken;
		st->exe = s->exe ? xstrdup(s->exe) : NULL;
	}
	at = (double)(s->taken.tv_sec - st->first.tv_sec) + (double)(s->taken.tv_nsec - st->first.tv_nsec) / 1e9;
	if (at < st->last)
		at = st->last;	/* the wall clock stepped back: events must stay in order */
	st->last = at;
	for (size_t i = 0; i < st->nthreads; i++)
		st->threads[i].seen = false;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		struct speedscope_thread *th = speedscope_thread(st, t);
		size_t n = speedscope_stack(st, s, t, stack);

		th->seen = true;
		speedscope_move(th, stack, n, at);
	}
	/* a thread no longer there has exited: its timeline ends here */
	for (size_t i = 0; i < st->nthreads; i++)
		if (!st->threads[i].seen)
			speedscope_move(&st->threads[i], NULL, 0, at);
	free(stack);
	return 0;
}

static void
output_speedscope_profile(struct jw *w, const struct speedscope_thread *th, double end)
{
	char name[128];

	snprintf(name, sizeof name, "Thread %d \"%.64s\"", (int)th->tid, th->name);
	jw_object_begin(w);
	jw_kstring(w, "type", "evented");
	jw_kstring(w, "name", name);
	jw_kstring(w, "unit", "seconds");
	jw_kdouble(w, "startValue", 0);
	jw_kdouble(w, "endValue", end);
	jw_key(w, "events");
	jw_array_begin(w);
	for (size_t i = 0; i < th->nevents; i++) {
		jw_object_begin(w);
		jw_kstring(w, "type", th->events[i].open ? "O" : "C");
		jw_kuint(w, "frame", th->events[i].frame);
		jw_kdouble(w, "at", th->events[i].at);
		jw_object_end(w);
	}
	/* what is still open ends with the recording */
	for (size_t i = th->nopen; i-- > 0;) {
		jw_object_begin(w);
		jw_kstring(w, "type", "C");
		jw_kuint(w, "frame", th->open[i]);
		jw_kdouble(w, "at", end);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static int
output_speedscope_end(void *state)
{
	struct output_speedscope *st = state;
	/* each snapshot stands for the period after it, so the last one has a width too */
	double end = st->last + (st->rate_hz > 0 ? 1.0 / st->rate_hz : 0.1);
	struct jw w;
	int rc;

	jw_init(&w, st->f, false);
	jw_object_begin(&w);
	jw_kstring(&w, "$schema", SPEEDSCOPE_SCHEMA);
	jw_kstring(&w, "name", st->exe != NULL ? util_basename(st->exe) : "holdup record");
	jw_kstring(&w, "exporter", "holdup");
	jw_kint(&w, "activeProfileIndex", 0);
	jw_key(&w, "shared");
	jw_object_begin(&w);
	jw_key(&w, "frames");
	jw_array_begin(&w);
	for (size_t i = 0; i < st->nframes; i++) {
		jw_object_begin(&w);
		jw_kstring(&w, "name", st->frames[i].name);
		if (st->frames[i].file != NULL) {
			jw_kstring(&w, "file", st->frames[i].file);
			if (st->frames[i].line > 0)
				jw_kint(&w, "line", st->frames[i].line);
		}
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_key(&w, "profiles");
	jw_array_begin(&w);
	for (size_t i = 0; i < st->nthreads; i++)
		output_speedscope_profile(&w, &st->threads[i], end);
	jw_array_end(&w);
	jw_object_end(&w);
	fputc('\n', st->f);
	jw_done(&w);
	rc = fflush(st->f) == 0 && !ferror(st->f) ? 0 : -1;
	for (size_t i = 0; i < st->nframes; i++) {
		free(st->frames[i].name);
		free(st->frames[i].file);
	}
	for (size_t i = 0; i < st->nthreads; i++) {
		free(st->threads[i].name);
		free(st->threads[i].events);
		free(st->threads[i].open);
	}
	free(st->frames);
	free(st->slots);
	free(st->threads);
	free(st->exe);
	free(st);
	return rc;
}

const struct output_format output_speedscope_format = {
	"speedscope", output_speedscope_begin, output_speedscope_add, output_speedscope_end,
};
