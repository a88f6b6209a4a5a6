/* view_go.c - goroutines of a Go target: state, wait reason and time, the lock, the thread, where. */
#include "view.h"

#include <curses.h>
#include <stdio.h>

#include "model.h"
#include "uistr.h"

void
view_go_draw(struct top *t, int y, int h)
{
	static const char *const titles[] = { "GOID", "STATE", "WAITING", "FOR", "LOCK", "TID", "WHERE" };
	static const int widths[] = { 9, 9, 22, 8, 26, 8, 0 };
	const struct snapshot *s = t->snap;
	const struct goinfo *gi = s->go;
	int n = (int)t->ngo_rows, x = 2;

	if (h < 2)
		return;
	view_columns(y, titles, widths, sizeof titles / sizeof titles[0]);
	y++;
	h--;
	t->body_y = y;
	t->body_h = h;
	view_clamp(&t->sel[TOP_VIEW_GOROUTINES], &t->first[TOP_VIEW_GOROUTINES], n, h);
	if (gi == NULL || gi->error != NULL || n == 0) {
		term_put(y, 2, COLS - 2, gi == NULL ? "not a Go program" : gi->error != NULL ? gi->error :
		    t->filter[0] ? "no goroutine matches the filter" : "no goroutines", term_style(TERM_DIM));
		return;
	}
	for (int i = 0; i < h && t->first[TOP_VIEW_GOROUTINES] + i < n; i++) {
		int r = t->first[TOP_VIEW_GOROUTINES] + i;
		const struct goroutine *g = &gi->gs[t->go_rows[r]];
		bool sel = r == t->sel[TOP_VIEW_GOROUTINES];
		int base = sel ? term_style(TERM_SELECTED) : term_style(TERM_NORMAL);
		char cell[7][512];

		snprintf(cell[0], sizeof cell[0], "%llu", (unsigned long long)g->id);
		snprintf(cell[1], sizeof cell[1], "%s", snapshot_state_name(g->state));
		snprintf(cell[2], sizeof cell[2], "%s", g->wait_reason ? g->wait_reason : snapshot_go_status_name(g->status));
		uistr_duration(cell[3], sizeof cell[3], g->wait_seconds);
		if (g->lock >= 0 && (size_t)g->lock < s->nlocks)
			model_lock_name(&s->locks[g->lock], cell[4], sizeof cell[4]);
		else if (g->lock_addr != 0)
			snprintf(cell[4], sizeof cell[4], "0x%llx", (unsigned long long)g->lock_addr);
		else
			cell[4][0] = '\0';
		if (g->tid > 0)
			snprintf(cell[5], sizeof cell[5], "%d", (int)g->tid);
		else
			snprintf(cell[5], sizeof cell[5], "-");
		model_frame_text(model_go_frame(g), cell[6], sizeof cell[6]);
		if (sel)
			term_bar(y + i, base);
		else {
			move(y + i, 0);
			clrtoeol();
		}
		x = 2;
		for (size_t c = 0; c < 7 && x < COLS; c++) {
			int w = widths[c] ? widths[c] : COLS - x, a = base;

			if (!sel && c == 1)
				a = g->state == STATE_BLOCKED ? term_style(TERM_BAD) : g->state == STATE_RUNNING ?
				    term_style(TERM_GOOD) : term_style(TERM_WARN);
			term_put(y + i, x, w - 1, cell[c], a);
			x += w;
		}
	}
}
