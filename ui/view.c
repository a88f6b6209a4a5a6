/* view.c - small helpers the dashboard's views share: scrolling, state styles, title bars. */
#include "view.h"

#include <curses.h>
#include <stdio.h>

void
view_clamp(int *sel, int *first, int n, int h)
{
	if (h < 1)
		h = 1;
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
	if (*first > *sel)
		*first = *sel;
	if (*sel >= *first + h)
		*first = *sel - h + 1;
	if (*first > n - h)
		*first = n - h;
	if (*first < 0)
		*first = 0;
}

int
view_state_style(const struct thread *th)
{
	if (th->wait.in_deadlock)
		return term_style(TERM_BAD);
	switch (th->state) {
	case STATE_BLOCKED:
	case STATE_DISK:
	case STATE_DEAD:
		return term_style(TERM_BAD);
	case STATE_WAITING:
	case STATE_SLEEPING:
	case STATE_IO:
	case STATE_STOPPED:
		return term_style(TERM_WARN);
	case STATE_RUNNING:
	case STATE_RUNNABLE:
		return term_style(TERM_GOOD);
	default:
		return term_style(TERM_NORMAL);
	}
}

void
view_title(int y, const char *text)
{
	int a = term_style(TERM_TITLE);

	move(y, 0);
	clrtoeol();
	term_put(y, 0, COLS, text, a);
}

void
view_tabs_draw(const struct top *t, int y)
{
	static const char *const names[TOP_VIEW_COUNT] = { "Threads", "Locks", "Wait chains", "Goroutines" };
	char buf[160];
	int x = 0;

	move(y, 0);
	clrtoeol();
	for (int v = 0; v < TOP_VIEW_COUNT; v++) {
		if (v == TOP_VIEW_GOROUTINES && t->snap->go == NULL)
			continue;
		if (v == TOP_VIEW_GOROUTINES)
			snprintf(buf, sizeof buf, " %s (%zu) ", names[v], t->snap->go->ngs);
		else if (v == TOP_VIEW_LOCKS)
			snprintf(buf, sizeof buf, " %s (%zu) ", names[v], t->snap->nlocks);
		else
			snprintf(buf, sizeof buf, " %s ", names[v]);
		x += term_put(y, x, COLS - x, buf, v == (int)t->view ? (int)(A_REVERSE | A_BOLD) : A_NORMAL);
		x += term_put(y, x, COLS - x, " ", A_NORMAL);
	}
	snprintf(buf, sizeof buf, "  sort: %s%s", model_sort_name(t->sort), t->reverse ? " (reversed)" : "");
	x += term_put(y, x, COLS - x, buf, term_style(TERM_DIM));
	if (t->filter[0] != '\0') {
		x += term_put(y, x, COLS - x, "  filter: ", A_BOLD);
		term_put(y, x, COLS - x, t->filter, A_BOLD);
	}
}

void
view_columns(int y, const char *const *titles, const int *widths, size_t n)
{
	int x = 2;

	move(y, 0);
	clrtoeol();
	for (size_t c = 0; c < n && x < COLS; c++) {
		int w = widths[c] ? widths[c] : COLS - x;

		term_put(y, x, w - 1, titles[c], term_style(TERM_TITLE));
		x += w;
	}
}
