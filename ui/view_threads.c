/* view_threads.c - the thread table: state, time in state, CPU%, what each waits on, holder, frame. */
#include "view.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "uistr.h"

struct view_threads_col {
	const char *title;
	int width;		/* 0: the rest of the line */
	enum model_sort sort;
};

static const struct view_threads_col view_threads_cols[] = {
	{ "TID", 8, MODEL_SORT_TID },
	{ "NAME", 16, MODEL_SORT_NAME },
	{ "STATE", 9, MODEL_SORT_STATE },
	{ "TIME", 8, MODEL_SORT_TIME },
	{ "CPU%", 6, MODEL_SORT_CPU },
	{ "WAITS ON", 28, MODEL_SORT_WAIT },
	{ "HOLDER", 9, MODEL_SORT_COUNT },
	{ "WHERE", 0, MODEL_SORT_COUNT },
};
#define VIEW_THREADS_NCOLS (sizeof view_threads_cols / sizeof view_threads_cols[0])

static void
view_threads_row(struct top *t, int y, const struct thread *th, bool selected)
{
	const struct snapshot *s = t->snap;
	char cell[VIEW_THREADS_NCOLS][512];
	int style[VIEW_THREADS_NCOLS];
	double secs = history_state_secs(t->hist, s, th->tid), cpu = history_cpu(t->hist, th->tid);
	const struct history_entry *he = history_find(t->hist, th->tid);
	int x = 2, base = selected ? term_style(TERM_SELECTED) : term_style(TERM_NORMAL);

	snprintf(cell[0], sizeof cell[0], "%d", (int)th->tid);
	snprintf(cell[1], sizeof cell[1], "%s", th->name ? th->name : "?");
	snprintf(cell[2], sizeof cell[2], "%s", snapshot_state_name(th->state));
	uistr_duration(cell[3], sizeof cell[3] - 1, secs);
	/* "+": it was already in this state when holdup came; the real time is longer. */
	if (he != NULL && he->since_first && secs >= 0)
		snprintf(cell[3] + strlen(cell[3]), sizeof cell[3] - strlen(cell[3]), "+");
	if (cpu < 0)
		snprintf(cell[4], sizeof cell[4], "-");
	else
		snprintf(cell[4], sizeof cell[4], "%.1f", cpu);
	model_wait_text(s, th, cell[5], sizeof cell[5]);
	model_holder_text(s, th, cell[6], sizeof cell[6]);
	model_frame_text(model_interesting_frame(th), cell[7], sizeof cell[7]);
	for (size_t c = 0; c < VIEW_THREADS_NCOLS; c++)
		style[c] = base;
	if (!selected) {
		style[2] = view_state_style(th);
		style[3] = th->state == STATE_BLOCKED ? term_style(TERM_BAD) : term_style(TERM_NORMAL);
	}

	if (selected)
		term_bar(y, base);
	else {
		move(y, 0);
		clrtoeol();
	}
	/* Marker column: D for a thread in a deadlock cycle (bold, not only red). */
	if (th->wait.in_deadlock)
		term_put(y, 0, 2, "D", base | term_style(TERM_BAD));
	for (size_t c = 0; c < VIEW_THREADS_NCOLS && x < COLS; c++) {
		int w = view_threads_cols[c].width ? view_threads_cols[c].width : COLS - x;

		term_put(y, x, w - 1, cell[c], style[c]);
		x += w;
	}
}

void
view_threads_draw(struct top *t, int y, int h)
{
	int x = 2, n;
	char title[64];

	if (h < 2)
		return;
	move(y, 0);
	clrtoeol();
	for (size_t c = 0; c < VIEW_THREADS_NCOLS && x < COLS; c++) {
		int w = view_threads_cols[c].width ? view_threads_cols[c].width : COLS - x;

		snprintf(title, sizeof title, "%s%s", view_threads_cols[c].title,
		    view_threads_cols[c].sort == t->sort ? (t->reverse ? "^" : "v") : "");
		term_put(y, x, w - 1, title, term_style(TERM_TITLE));
		x += w;
	}
	y++;
	h--;
	n = (int)t->nrows;
	t->body_y = y;
	t->body_h = h;
	view_clamp(&t->sel[TOP_VIEW_THREADS], &t->first[TOP_VIEW_THREADS], n, h);
	if (n == 0) {
		term_put(y, 2, COLS - 2, t->filter[0] ? "no thread matches the filter" : "no threads",
		    term_style(TERM_DIM));
		return;
	}
	for (int i = 0; i < h && t->first[TOP_VIEW_THREADS] + i < n; i++) {
		int r = t->first[TOP_VIEW_THREADS] + i;

		view_threads_row(t, y + i, &t->snap->threads[t->rows[r]], r == t->sel[TOP_VIEW_THREADS]);
	}
}
