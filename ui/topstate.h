/* topstate.h - the dashboard's state, shared by its loop (top.c) and its views, and what the cursor is on. */
#ifndef HOLDUP_TOPSTATE_H
#define HOLDUP_TOPSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "history.h"
#include "model.h"
#include "snapshot.h"
#include "util.h"

enum top_view {
	TOP_VIEW_THREADS = 0,
	TOP_VIEW_LOCKS,
	TOP_VIEW_TREE,
	TOP_VIEW_GOROUTINES,	/* only offered when the snapshot has Go data */
	TOP_VIEW_COUNT
};

struct session;
struct broker;

struct top {
	pid_t pid;
	struct session *session;	/* borrowed; the target's snapshots and the sampling schedule (capture
					 * and analysis happen there: ui/ itself never traces) */
	struct broker *broker;		/* borrowed; makes the files s and S save (broker.h) */
	struct snapshot *snap;		/* owned; the one on screen */
	struct history *hist;		/* owned */
	unsigned nsamples;
	double interval_s;
	bool paused;
	bool gone;			/* target exited: keep the last snapshot, stop sampling */
	char sample_error[256];		/* the last failed sample, "" if none */

	enum top_view view;
	bool zoom;			/* the stack pane fills the screen (Enter) */
	bool help;
	bool editing;			/* typing a filter after / */
	char filter[64];
	char edit[64];
	enum model_sort sort;
	bool reverse;

	int *rows;			/* owned; thread rows (indices into snap->threads) */
	size_t nrows;
	int *lock_rows;			/* owned; indices into snap->locks */
	size_t nlock_rows;
	struct model_tree_row *tree;	/* owned */
	size_t ntree;
	int *go_rows;			/* owned; indices into snap->go->gs */
	size_t ngo_rows;

	int sel[TOP_VIEW_COUNT];	/* cursor row per view */
	int first[TOP_VIEW_COUNT];	/* first visible row per view */
	int body_y, body_h;		/* where the current list was drawn, for mouse clicks */
	pid_t sel_tid;			/* thread the cursor is on, kept across samples */
	int stack_first;		/* scroll of the stack pane */

	bool save_core;			/* S: save the next snapshot as a core when it comes */
	char msg[512];			/* transient status line text */
	uint64_t msg_until_us;
	bool quit;
};

/* One row of the key table (defined in top.c), which drives both the key handling (top.c) and
 * the help screen (view_help.c). */
struct top_binding {
	int keys[8];		/* curses key codes, 0-terminated */
	const char *label;	/* the keys as the help screen names them: "Up/Down, j/k" */
	const char *help;	/* what they do */
	void (*fn)(struct top *t, int ch);
};

extern const struct top_binding top_bindings[];
extern const size_t top_nbindings;

/* Index into snap->threads of the thread under the cursor (any view), or -1. */
int topstate_selected_thread(const struct top *t);
/* Index into snap->go->gs of the goroutine under the cursor (goroutine view), or -1. */
int topstate_selected_goroutine(const struct top *t);

#endif
