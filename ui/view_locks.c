/* view_locks.c - locks sorted by number of waiters, with holder, kind and the longest wait. */
#include "view.h"

#include <curses.h>
#include <stdio.h>

#include "model.h"
#include "output.h"
#include "uistr.h"

static bool
view_locks_in_deadlock(const struct snapshot *s, const struct lock *l)
{
	for (size_t i = 0; i < l->nwaiters; i++)
		if (l->waiters[i] >= 0 && (size_t)l->waiters[i] < s->nthreads && s->threads[l->waiters[i]].wait.in_deadlock)
			return true;
	/* goroutine cycles name their locks only */
	for (size_t d = 0; d < s->ndeadlocks; d++)
		for (size_t k = 0; s->deadlocks[d].ngoroutines > 0 && k < s->deadlocks[d].nlocks; k++)
			if (s->deadlocks[d].locks[k] == l->address)
				return true;
	return false;
}

/* Whether every cycle through l goes through a probable holder. */
static bool
view_locks_probable(const struct snapshot *s, const struct lock *l)
{
	bool any = false;

	for (size_t d = 0; d < s->ndeadlocks; d++)
		for (size_t k = 0; k < s->deadlocks[d].nlocks; k++)
			if (s->deadlocks[d].locks[k] == l->address) {
				if (!s->deadlocks[d].probable)
					return false;
				any = true;
			}
	return any;
}

void
view_locks_draw(struct top *t, int y, int h)
{
	static const char *const titles[] = { "WAITERS", "LOCK", "KIND", "HOLDER", "LONGEST", "NOTE" };
	static const int widths[] = { 9, 34, 11, 14, 9, 0 };
	const struct snapshot *s = t->snap;
	int n = (int)t->nlock_rows, x = 2;

	if (h < 2)
		return;
	view_columns(y, titles, widths, sizeof titles / sizeof titles[0]);
	y++;
	h--;
	t->body_y = y;
	t->body_h = h;
	view_clamp(&t->sel[TOP_VIEW_LOCKS], &t->first[TOP_VIEW_LOCKS], n, h);
	if (n == 0) {
		term_put(y, 2, COLS - 2, "no locks in this snapshot", term_style(TERM_DIM));
		return;
	}
	for (int i = 0; i < h && t->first[TOP_VIEW_LOCKS] + i < n; i++) {
		int r = t->first[TOP_VIEW_LOCKS] + i, li = t->lock_rows[r];
		const struct lock *l = &s->locks[li];
		bool sel = r == t->sel[TOP_VIEW_LOCKS], dl = view_locks_in_deadlock(s, l);
		int base = sel ? term_style(TERM_SELECTED) : term_style(TERM_NORMAL);
		char cell[6][512], prob[400];

		snprintf(cell[0], sizeof cell[0], "%zu", l->nwaiters + l->ngo_waiters);
		snprintf(cell[1], sizeof cell[1], "%s", l->symbol ? l->symbol : "");
		if (l->symbol == NULL)
			snprintf(cell[1], sizeof cell[1], "0x%llx", (unsigned long long)l->address);
		snprintf(cell[2], sizeof cell[2], "%s", snapshot_lock_kind_name(l->kind));
		model_lock_holders(s, l, cell[3], sizeof cell[3]);
		uistr_duration(cell[4], sizeof cell[4], model_lock_longest_wait(s, t->hist, li));
		output_probable_line(s, l, prob, sizeof prob);
		snprintf(cell[5], sizeof cell[5], "%s%s%s%s%s%s%s", dl ? (view_locks_probable(s, l) ? "PROBABLE DEADLOCK " :
		    "DEADLOCK ") : "", l->owner_died ? "owner died " : "", prob, prob[0] && (l->variant || l->note) ? "; " : "",
		    l->variant ? l->variant : "", l->variant && l->note ? "; " : "", l->note ? l->note : "");
		if (sel)
			term_bar(y + i, base);
		else {
			move(y + i, 0);
			clrtoeol();
		}
		if (dl)
			term_put(y + i, 0, 2, "D", base | term_style(TERM_BAD));
		x = 2;
		for (size_t c = 0; c < 6 && x < COLS; c++) {
			int w = widths[c] ? widths[c] : COLS - x, a = base;

			if (!sel && dl && (c == 0 || c == 5))
				a = term_style(TERM_BAD);
			term_put(y + i, x, w - 1, cell[c], a);
			x += w;
		}
	}
}
