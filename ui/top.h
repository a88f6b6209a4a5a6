/* top.h - the live dashboard: the sampling/input loop fed by a session (its state and key table are in topstate.h). */
#ifndef HOLDUP_TOP_H
#define HOLDUP_TOP_H

#include "snapshot.h"
#include "topstate.h"
#include "util.h"

/* Runs the dashboard until q or a quit signal; first is the initial snapshot (ownership taken).
 * Returns 0, or -1 with e set if the terminal could not be set up. */
int top_run(struct top *t, struct snapshot *first, struct err *e);
/* Recomputes rows, lock rows and the tree from the current snapshot, filter and sort. */
void top_rebuild(struct top *t);

#endif
