/* topstate.c - what the dashboard's cursor is on, in whichever view is shown. */
#include "topstate.h"

int
topstate_selected_goroutine(const struct top *t)
{
	int sel = t->sel[TOP_VIEW_GOROUTINES];

	if (t->view != TOP_VIEW_GOROUTINES || t->snap == NULL || t->snap->go == NULL)
		return -1;
	if (sel >= 0 && (size_t)sel < t->ngo_rows)
		return t->go_rows[sel];
	return -1;
}

int
topstate_selected_thread(const struct top *t)
{
	const struct snapshot *s = t->snap;
	int sel = t->sel[t->view];

	if (s == NULL)
		return -1;
	switch (t->view) {
	case TOP_VIEW_THREADS:
		if (sel >= 0 && (size_t)sel < t->nrows)
			return t->rows[sel];
		return -1;
	case TOP_VIEW_LOCKS:
		if (sel >= 0 && (size_t)sel < t->nlock_rows) {
			const struct lock *l = &s->locks[t->lock_rows[sel]];

			/* The holder is who to look at; without one, the first waiter. */
			for (size_t k = 0; k < l->nholders; k++) {
				int i = snapshot_thread_index(s, l->holders[k]);

				if (i >= 0)
					return i;
			}
			if (l->nwaiters > 0 && l->waiters[0] >= 0 && (size_t)l->waiters[0] < s->nthreads)
				return l->waiters[0];
		}
		return -1;
	case TOP_VIEW_TREE:
		if (sel >= 0 && (size_t)sel < t->ntree) {
			const struct model_tree_row *r = &t->tree[sel];

			if (r->thread >= 0)
				return r->thread;
			if (sel + 1 < (int)t->ntree)
				return t->tree[sel + 1].thread;
		}
		return -1;
	default:
		return -1;
	}
}
