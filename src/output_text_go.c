/* output_text_go.c - the text dump's Go part: goroutines as Go prints them (or grouped by stack), then Go locks. */
#include "output_text_go.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

static void
output_text_go_frame(FILE *f, const struct frame *fr, bool created)
{
	if (created)
		fputs("created by ", f);
	if (fr->function != NULL)
		sanitize_fputs(fr->function, f);
	else
		fprintf(f, "0x%" PRIx64, fr->pc);
	fputs(created ? "\n\t" : "(...)\n\t", f);
	if (fr->file != NULL) {
		sanitize_fputs(fr->file, f);
		fprintf(f, ":%d", fr->line);
	} else {
		fputs("?", f);
	}
	if (fr->function != NULL && !fr->inlined)
		fprintf(f, " +0x%" PRIx64, fr->offset);
	if (fr->function == NULL)
		fprintf(f, " pc=0x%" PRIx64, fr->pc);
	fputc('\n', f);
}

static void
output_text_go_header(FILE *f, const struct goroutine *g, size_t count)
{
	const char *what = g->wait_reason != NULL ? g->wait_reason : snapshot_go_status_name(g->status);

	if (count > 1)
		fprintf(f, "%zu goroutines [", count);
	else
		fprintf(f, "goroutine %" PRIu64 " [", g->id);
	sanitize_fputs(what, f);
	if (g->wait_seconds >= 60)
		fprintf(f, ", %.0f minutes", g->wait_seconds / 60);
	if (g->tid != 0)
		fprintf(f, ", thread %d", (int)g->tid);
	fputs("]:\n", f);
}

static void
output_text_go_stack(FILE *f, const struct goroutine *g)
{
	for (size_t i = 0; i < g->nframes; i++)
		output_text_go_frame(f, &g->frames[i], false);
	if (g->unwind_error != NULL) {
		fputs("...", f);
		fprintf(f, " (%s)\n", g->unwind_error);
	}
	if (g->created_by.pc != 0 && g->id != 1)	/* like Go: the main goroutine has no creator */
		output_text_go_frame(f, &g->created_by, true);
}

static uint64_t
output_text_go_stack_hash(const struct goroutine *g)
{
	uint64_t h = 1469598103934665603ull ^ g->status;

	for (size_t i = 0; i < g->nframes; i++)
		h = (h ^ g->frames[i].pc) * 1099511628211ull;
	if (g->wait_reason != NULL)
		for (const char *p = g->wait_reason; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (h ^ g->created_by.pc) * 1099511628211ull;
}

/* Goroutines with the same status, wait reason, creator and pcs share a stack for grouping. A
 * total order over exactly that: the hash only orders quickly, it never decides equality (the
 * pcs are the target's to choose, so are its collisions). */
static int
output_text_go_stack_cmp(const struct goroutine *a, uint64_t ha, const struct goroutine *b, uint64_t hb)
{
	int c;

	if (ha != hb)
		return ha < hb ? -1 : 1;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	if (a->nframes != b->nframes)
		return a->nframes < b->nframes ? -1 : 1;
	if (a->created_by.pc != b->created_by.pc)
		return a->created_by.pc < b->created_by.pc ? -1 : 1;
	if ((a->wait_reason == NULL) != (b->wait_reason == NULL))
		return a->wait_reason == NULL ? -1 : 1;
	if (a->wait_reason != NULL && (c = strcmp(a->wait_reason, b->wait_reason)) != 0)
		return c;
	for (size_t i = 0; i < a->nframes; i++)
		if (a->frames[i].pc != b->frames[i].pc)
			return a->frames[i].pc < b->frames[i].pc ? -1 : 1;
	return 0;
}

/* A goroutine's place in the grouping sort: its index and its stack's hash, computed once. */
struct output_text_go_key {
	const struct goroutine *g;
	uint64_t hash;
	size_t index;
};

struct output_text_go_group {
	size_t start;		/* the group's run in the sorted keys */
	size_t count;
};

static int
output_text_go_key_cmp(const void *a, const void *b)
{
	const struct output_text_go_key *p = a, *q = b;
	int c = output_text_go_stack_cmp(p->g, p->hash, q->g, q->hash);

	if (c != 0)
		return c;
	return p->index < q->index ? -1 : p->index > q->index;
}

static const struct output_text_go_key *output_text_go_sort_keys;	/* qsort has no context argument */

static int
output_text_go_group_cmp(const void *a, const void *b)
{
	const struct output_text_go_group *p = a, *q = b;
	size_t fp = output_text_go_sort_keys[p->start].index, fq = output_text_go_sort_keys[q->start].index;

	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return fp < fq ? -1 : fp > fq;
}

/* Groups in O(n log n) whatever the stacks: sorted by stack, a group is a run of equal ones. */
static void
output_text_go_grouped(FILE *f, const struct goinfo *gi)
{
	size_t n = gi->ngs;
	struct output_text_go_key *keys = xcalloc(n ? n : 1, sizeof *keys);
	struct output_text_go_group *grp = xcalloc(n ? n : 1, sizeof *grp);
	size_t ngrp = 0;

	for (size_t i = 0; i < n; i++)
		keys[i] = (struct output_text_go_key){ &gi->gs[i], output_text_go_stack_hash(&gi->gs[i]), i };
	util_sort(keys, n, sizeof *keys, output_text_go_key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || output_text_go_stack_cmp(keys[i - 1].g, keys[i - 1].hash, keys[i].g, keys[i].hash) != 0)
			grp[ngrp++] = (struct output_text_go_group){ i, 0 };
		grp[ngrp - 1].count++;
	}
	output_text_go_sort_keys = keys;
	util_sort(grp, ngrp, sizeof *grp, output_text_go_group_cmp);
	for (size_t k = 0; k < ngrp; k++) {
		const struct goroutine *g = keys[grp[k].start].g;
		size_t shown = grp[k].count < 20 ? grp[k].count : 20;

		output_text_go_header(f, g, grp[k].count);
		if (grp[k].count > 1) {
			/* the run is in goroutine order: the first 20 are the lowest indices */
			fputs("goroutine ids:", f);
			for (size_t j = 0; j < shown; j++)
				fprintf(f, " %" PRIu64, keys[grp[k].start + j].g->id);
			fputs(grp[k].count > shown ? " ...\n" : "\n", f);
		}
		output_text_go_stack(f, g);
		fputc('\n', f);
	}
	free(grp);
	free(keys);
}

void
output_text_go_print(FILE *f, const struct snapshot *s, const struct output_opts *o)
{
	const struct goinfo *gi = s->go;
	bool any = false;

	if (gi == NULL)
		return;
	fputs("\nGo runtime", f);
	if (gi->version != NULL) {
		fputc(' ', f);
		sanitize_fputs(gi->version, f);
	}
	if (gi->error != NULL) {
		fputs(": ", f);
		sanitize_fputs(gi->error, f);
		fputc('\n', f);
		return;
	}
	fprintf(f, ": %zu goroutines", gi->ngs);
	if (gi->ndead > 0)
		fprintf(f, " (%zu dead or idle not shown)", gi->ndead);
	fputc('\n', f);
	for (size_t i = 0; i < gi->nnotes; i++) {
		fputs("note: ", f);
		sanitize_fputs(gi->notes[i], f);
		fputc('\n', f);
	}
	fputc('\n', f);
	if (o != NULL && o->group) {
		output_text_go_grouped(f, gi);
	} else {
		for (size_t i = 0; i < gi->ngs; i++) {
			output_text_go_header(f, &gi->gs[i], 1);
			output_text_go_stack(f, &gi->gs[i]);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock *l = &s->locks[i];

		if (l->kind != LOCK_GO_MUTEX && l->kind != LOCK_GO_RWMUTEX)
			continue;
		if (!any)
			fputs("Go locks:\n", f);
		any = true;
		fprintf(f, "  %s ", l->kind == LOCK_GO_RWMUTEX ? "RWMutex" : "Mutex");
		sanitize_fputs(l->symbol ? l->symbol : "?", f);
		fprintf(f, " (0x%" PRIx64 "): ", l->address);
		sanitize_fputs(l->note ? l->note : "", f);
		fputs("\n    waiting goroutines:", f);
		for (size_t j = 0; j < l->ngo_waiters && j < 32; j++)
			fprintf(f, " %" PRIu64, l->go_waiters[j]);
		fputs(l->ngo_waiters > 32 ? " ...\n" : "\n", f);
		output_text_probable(f, s, l, "    ");
	}
}
