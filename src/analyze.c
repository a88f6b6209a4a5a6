/* analyze.c - runs the analyses on a snapshot in order; each stage only reads what earlier ones filled in. */
#include "analyze.h"

#include <stdlib.h>

#include "goruntime.h"
#include "holders.h"
#include "lockgraph.h"
#include "threadstate.h"

struct analyzer *
analyze_new(pid_t pid)
{
	struct analyzer *a = xcalloc(1, sizeof *a);

	a->pid = pid;
	a->unwinder = unwind_new(pid);
	return a;
}

struct analyzer *
analyze_new_files(const struct unwind_files *f, struct err *e)
{
	struct unwinder *u = unwind_new_files(f, e);
	struct analyzer *a;

	if (u == NULL)
		return NULL;
	a = xcalloc(1, sizeof *a);
	a->unwinder = u;
	return a;
}

void
analyze_free(struct analyzer *a)
{
	if (a == NULL)
		return;
	unwind_free(a->unwinder);
	goruntime_cache_free(a->go_cache);
	free(a);
}

int
analyze_snapshot(struct analyzer *a, struct snapshot *s, struct err *e)
{
	if (s->budget == NULL)
		snapshot_budget_set(s, ANALYZE_READ_BUDGET, 0);
	snapshot_index_stacks(s);	/* the capture is done: its stack copies stay as they are */
	if (unwind_snapshot(a->unwinder, s, e) < 0)
		return -1;
	threadstate_classify(s);
	lockgraph_build(s, a->unwinder);
	goruntime_analyze(s, a->unwinder, &a->go_cache);
	/* who probably holds the locks that record no owner, then the cycles through them */
	struct holders_hooks goh;

	goruntime_holder_hooks(a->go_cache, s, a->unwinder, &goh);
	holders_find(s, a->unwinder, goh.ctx != NULL ? &goh : NULL);
	lockgraph_link(s);
	return 0;
}

int
analyze_prefetch(struct analyzer *a, const struct snapshot *s, struct err *e)
{
	return unwind_prefetch(a->unwinder, s, e);
}
