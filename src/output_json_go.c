/* output_json_go.c - the JSON dump's Go part: the "go" summary and the "goroutines" array. */
#include "output_json_go.h"

static void
output_json_go_frame(struct jw *w, const struct frame *fr)
{
	jw_object_begin(w);
	jw_khex(w, "pc", fr->pc);
	jw_kstring(w, "function", fr->function);
	jw_kuint(w, "offset", fr->offset);
	jw_kstring(w, "module", fr->module);
	jw_kstring(w, "file", fr->file);
	jw_kint(w, "line", fr->line);
	jw_kbool(w, "inline", fr->inlined);
	jw_object_end(w);
}

void
output_json_go_print(struct jw *w, const struct snapshot *s)
{
	const struct goinfo *gi = s->go;

	if (gi == NULL)
		return;
	jw_key(w, "go");
	jw_object_begin(w);
	jw_kstring(w, "version", gi->version);
	jw_kstring(w, "error", gi->error);
	jw_kuint(w, "goroutine_count", gi->ngs);
	jw_kuint(w, "allgs", gi->nallgs);
	jw_kuint(w, "dead", gi->ndead);
	jw_kuint(w, "unreadable", gi->nunreadable);
	jw_kbool(w, "truncated", gi->truncated);
	jw_key(w, "notes");
	jw_array_begin(w);
	for (size_t i = 0; i < gi->nnotes; i++)
		jw_string(w, gi->notes[i]);
	jw_array_end(w);
	jw_object_end(w);

	jw_key(w, "goroutines");
	jw_array_begin(w);
	for (size_t i = 0; i < gi->ngs; i++) {
		const struct goroutine *g = &gi->gs[i];
		const struct lock *l = g->lock >= 0 && (size_t)g->lock < s->nlocks ? &s->locks[g->lock] : NULL;

		jw_object_begin(w);
		jw_kuint(w, "id", g->id);
		jw_kstring(w, "state", snapshot_state_name(g->state));
		jw_kstring(w, "status", snapshot_go_status_name(g->status));
		jw_kstring(w, "wait_reason", g->wait_reason);
		if (g->wait_seconds >= 0)
			jw_kdouble(w, "wait_seconds", g->wait_seconds);
		else
			jw_kstring(w, "wait_seconds", NULL);
		jw_key(w, "wait");
		if (g->role == GOWAIT_NONE) {
			jw_null(w);
		} else {
			jw_object_begin(w);
			jw_kstring(w, "kind", snapshot_go_wait_role_name(g->role));
			jw_khex(w, "address", g->lock_addr ? g->lock_addr : g->sema);
			jw_khex(w, "semaphore", g->sema);
			jw_kstring(w, "symbol", l ? l->symbol : NULL);
			jw_object_end(w);
		}
		if (g->tid != 0)
			jw_kint(w, "thread", g->tid);
		else
			jw_kstring(w, "thread", NULL);
		jw_key(w, "created_by");
		if (g->created_by.pc == 0) {
			jw_null(w);
		} else {
			jw_object_begin(w);
			jw_khex(w, "pc", g->created_by.pc);
			jw_kstring(w, "function", g->created_by.function);
			jw_kstring(w, "file", g->created_by.file);
			jw_kint(w, "line", g->created_by.line);
			if (g->parent_id != 0)
				jw_kuint(w, "goroutine", g->parent_id);
			jw_object_end(w);
		}
		jw_key(w, "frames");
		jw_array_begin(w);
		for (size_t j = 0; j < g->nframes; j++)
			output_json_go_frame(w, &g->frames[j]);
		jw_array_end(w);
		jw_kstring(w, "unwind_error", g->unwind_error);
		jw_object_end(w);
	}
	jw_array_end(w);
}
