/* analyze.h - everything after capture, in order: unwind, thread states, locks, wait-for graph, Go. */
#ifndef HOLDUP_ANALYZE_H
#define HOLDUP_ANALYZE_H

#include "snapshot.h"
#include "unwind.h"
#include "util.h"

/* Per-target caches kept across snapshots (symbols, Go runtime layout). */
struct analyzer {
	pid_t pid;
	struct unwinder *unwinder;	/* owned */
	void *go_cache;			/* owned by goruntime.c, NULL until used */
};

/* The default budget of bytes one snapshot's analysis reads from the target after the capture
 * (snapshot.h, struct snapshot_budget): far above what a real program needs (a dump of 100,000
 * goroutines reads about 200 MB), far below what would exhaust the host. */
#define ANALYZE_READ_BUDGET (1ULL << 30)

struct analyzer *analyze_new(pid_t pid);
/* An analyzer for snapshots with no live process behind them (a core file): files from f. NULL
 * with e set if f cannot be used. */
struct analyzer *analyze_new_files(const struct unwind_files *f, struct err *e);
void analyze_free(struct analyzer *a);
/* Before the sandbox: what the analysis of s will fetch from debuginfod (unwind_prefetch). */
int analyze_prefetch(struct analyzer *a, const struct snapshot *s, struct err *e);
/* Runs every analysis on s, within s's budget (ANALYZE_READ_BUDGET bytes if s has none). Failures of one part are recorded in s, not fatal; returns -1 only
 * on an error that leaves s unusable. */
int analyze_snapshot(struct analyzer *a, struct snapshot *s, struct err *e);

#endif
