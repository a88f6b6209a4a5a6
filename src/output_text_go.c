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

/* Goroutines with the same status, wait reason and pcs share a stack for grouping. */
static bool
output_text_go_same_stack(const struct goroutine *a, const struct goroutine *b)
{
	if (a->status != b->status || a->nframes != b->nframes || a->created_by.pc != b->created_by.pc)
		return false;
	if ((a->wait_reason == NULL) != (b->wait_reason == NULL) ||
	    (a->wait_reason != NULL && strcmp(a->wait_reason, b->wait_reason) != 0))
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (a->frames[i].pc != b->frames[i].pc)
			return false;
	return true;
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

struct output_text_go_group {
	uint64_t hash;
	size_t first;		/* index of the first goroutine of the group */
	size_t count;
};

static const struct goinfo *output_text_go_sort_gi;	/* qsort has no context argument */

static int
output_text_go_group_cmp(const void *a, const void *b)
{
	const struct output_text_go_group *p = a, *q = b;

	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return p->first < q->first ? -1 : p->first > q->first;
}

static int
output_text_go_idx_cmp(const void *a, const void *b)
{
	const size_t *p = a, *q = b;
	const struct goinfo *gi = output_text_go_sort_gi;
	uint64_t hp = output_text_go_stack_hash(&gi->gs[*p]), hq = output_text_go_stack_hash(&gi->gs[*q]);

	if (hp != hq)
		return hp < hq ? -1 : 1;
	return *p < *q ? -1 : *p > *q;
}

static void
output_text_go_grouped(FILE *f, const struct goinfo *gi)
{
	size_t *idx = xcalloc(gi->ngs ? gi->ngs : 1, sizeof *idx);
	struct output_text_go_group *grp = xcalloc(gi->ngs ? gi->ngs : 1, sizeof *grp);
	size_t ngrp = 0;
	bool *used = xcalloc(gi->ngs ? gi->ngs : 1, sizeof *used);

	for (size_t i = 0; i < gi->ngs; i++)
		idx[i] = i;
	output_text_go_sort_gi = gi;
	util_sort(idx, gi->ngs, sizeof *idx, output_text_go_idx_cmp);
	/* equal hashes are adjacent; split them by a real comparison against each group's first */
	for (size_t i = 0; i < gi->ngs; i++) {
		if (used[idx[i]])
			continue;
		grp[ngrp].first = idx[i];
		grp[ngrp].count = 0;
		for (size_t j = i; j < gi->ngs; j++) {
			if (output_text_go_stack_hash(&gi->gs[idx[j]]) != output_text_go_stack_hash(&gi->gs[idx[i]]))
				break;
			if (!used[idx[j]] && output_text_go_same_stack(&gi->gs[idx[i]], &gi->gs[idx[j]])) {
				used[idx[j]] = true;
				grp[ngrp].count++;
			}
		}
		ngrp++;
	}
	util_sort(grp, ngrp, sizeof *grp, output_text_go_group_cmp);
	for (size_t k = 0; k < ngrp; k++) {
		const struct goroutine *g = &gi->gs[grp[k].first];
		size_t shown = 0;

		output_text_go_header(f, g, grp[k].count);
		if (grp[k].count > 1) {
			fputs("goroutine ids:", f);
			for (size_t j = grp[k].first; j < gi->ngs && shown < 20; j++)
				if (output_text_go_same_stack(g, &gi->gs[j])) {
					fprintf(f, " %" PRIu64, gi->gs[j].id);
					shown++;
				}
			fputs(grp[k].count > shown ? " ...\n" : "\n", f);
		}
		output_text_go_stack(f, g);
		fputc('\n', f);
	}
	free(used);
	free(grp);
	free(idx);
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
	}
}
