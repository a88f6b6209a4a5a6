/* view_tree.c - wait chains as a tree: holders at the root, their waiters indented below, cycles marked. */
#include "view.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

void
view_tree_draw(struct top *t, int y, int h)
{
	const struct snapshot *s = t->snap;
	int n = (int)t->ntree;

	if (h < 2)
		return;
	view_title(y, "  holder -> waiters (indented: waits on a lock held by the line above it)");
	y++;
	h--;
	t->body_y = y;
	t->body_h = h;
	view_clamp(&t->sel[TOP_VIEW_TREE], &t->first[TOP_VIEW_TREE], n, h);
	if (n == 0) {
		term_put(y, 2, COLS - 2, "no thread waits on a lock held by another", term_style(TERM_DIM));
		return;
	}
	for (int i = 0; i < h && t->first[TOP_VIEW_TREE] + i < n; i++) {
		int r = t->first[TOP_VIEW_TREE] + i;
		const struct model_tree_row *row = &t->tree[r];
		bool sel = r == t->sel[TOP_VIEW_TREE];
		int base = sel ? term_style(TERM_SELECTED) : term_style(TERM_NORMAL), x;
		char buf[1024], lname[512];
		int indent = 2 + row->depth * 3;

		if (sel)
			term_bar(y + i, base);
		else {
			move(y + i, 0);
			clrtoeol();
		}
		if (indent > COLS / 2)
			indent = COLS / 2;
		x = indent;
		if (row->depth > 0)
			term_put(y + i, indent - 3, 3, "`- ", base | term_style(TERM_DIM));
		lname[0] = '\0';
		if (row->lock >= 0 && (size_t)row->lock < s->nlocks)
			model_lock_name(&s->locks[row->lock], lname, sizeof lname);
		if (row->thread < 0) {
			snprintf(buf, sizeof buf, "holder unknown: %s", lname);
			term_put(y + i, x, COLS - x, buf, base | term_style(TERM_WARN));
			continue;
		}
		{
			const struct thread *th = &s->threads[row->thread];

			snprintf(buf, sizeof buf, "%d ", (int)th->tid);
			x += term_put(y + i, x, COLS - x, buf, base | A_BOLD);
			snprintf(buf, sizeof buf, "%s ", th->name ? th->name : "?");
			x += term_put(y + i, x, COLS - x, buf, base);
			snprintf(buf, sizeof buf, "[%s]", snapshot_state_name(th->state));
			x += term_put(y + i, x, COLS - x, buf, sel ? base : view_state_style(th));
			if (row->depth > 0 && lname[0] != '\0') {
				x += term_put(y + i, x, COLS - x, " waits on ", base | term_style(TERM_DIM));
				x += term_put(y + i, x, COLS - x, lname, base);
			}
			if (row->depth == 0)
				x += term_put(y + i, x, COLS - x, th->wait.in_deadlock ? "  <- in a deadlock cycle" :
				    "  <- root of chain: holds what the lines below wait for", base | term_style(TERM_DIM));
			if (row->cycle)
				x += term_put(y + i, x, COLS - x, "  <-- CYCLE: deadlock", base | term_style(TERM_BAD));
			if (row->repeat)
				term_put(y + i, x, COLS - x, "  (shown above)", base | term_style(TERM_DIM));
		}
	}
}
