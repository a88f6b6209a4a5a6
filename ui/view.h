/* view.h - the dashboard's drawing functions, one file each; they read struct top and draw with term.h. */
#ifndef HOLDUP_VIEW_H
#define HOLDUP_VIEW_H

#include "snapshot.h"
#include "term.h"
#include "topstate.h"

/* view.c: shared helpers. Keeps *sel within n rows and *first so the cursor is visible in h lines. */
void view_clamp(int *sel, int *first, int n, int h);
/* Draws a table's column titles on row y; a width of 0 takes the rest of the line. */
void view_columns(int y, const char *const *titles, const int *widths, size_t n);
/* Style for a thread's state cell. */
int view_state_style(const struct thread *th);
/* Draws a bar line with a title at y. */
void view_title(int y, const char *text);

/* view.c: the line naming the views (current one highlighted), sort and filter. */
void view_tabs_draw(const struct top *t, int y);

/* view_header.c: header lines (process, states, sampling, banners); returns the lines used. */
int view_header_draw(const struct top *t);
/* view_header.c: the bottom line: filter prompt, message or key hints. */
void view_status_draw(const struct top *t);
/* view_threads.c: the thread table in lines [y, y+h). */
void view_threads_draw(struct top *t, int y, int h);
/* view_locks.c: locks by number of waiters. */
void view_locks_draw(struct top *t, int y, int h);
/* view_tree.c: wait chains, holders at the root. */
void view_tree_draw(struct top *t, int y, int h);
/* view_go.c: goroutines, blocked ones first. */
void view_go_draw(struct top *t, int y, int h);
/* view_stack.c: the selected thread's stack; full (with source text) when zoomed. */
void view_stack_draw(struct top *t, int y, int h);
/* view_stack.c: frees the source files read for the zoomed stack. */
void view_stack_free_cache(void);
/* view_help.c: the key list. */
void view_help_draw(const struct top *t, int y, int h);

#endif
