/* session.h - one target watched over time: capture + analysis per snapshot, on a ticker with one
 * policy for late ticks, one for failed snapshots and one for a target that went away. */
#ifndef HOLDUP_SESSION_H
#define HOLDUP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture.h"
#include "snapshot.h"
#include "util.h"

/* Where the ticker reads the time: the monotonic clock (util_now_ns) unless a test injects one. */
struct session_clock {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

/* A fixed schedule of ticks every period_ns. Late-tick policy: a tick that comes late is taken
 * at once while it is less than backlog periods behind; ticks further behind are skipped (and
 * counted in missed), so a stall turns neither into a burst nor into a drift. backlog 0 never
 * takes a late tick: the schedule moves to the next one still ahead. */
struct session_ticker {
	struct session_clock clock;
	uint64_t period_ns;
	unsigned backlog;
	uint64_t duration_ns;	/* 0: no end */
	uint64_t start_ns;	/* when the schedule (re)started */
	uint64_t next_ns;	/* when the next tick is due */
	uint64_t end_ns;	/* 0: none; no tick is taken at or after it */
	uint64_t missed;	/* ticks skipped */
	bool settle;		/* advanced: apply the late-tick policy before the next look */
};

/* Starts a schedule now; the first tick is due at once. clock NULL: the monotonic clock. */
void session_ticker_init(struct session_ticker *t, const struct session_clock *clock, uint64_t period_ns,
    unsigned backlog, uint64_t duration_ns);
uint64_t session_ticker_now(const struct session_ticker *t);
/* Nanoseconds until the next tick is due; 0 when it is due (or late). */
uint64_t session_ticker_due_in(struct session_ticker *t);
/* True once the next tick would come at or after the end. */
bool session_ticker_ended(struct session_ticker *t);
/* After a tick: the next one is a period later; the late-tick policy applies when the ticker is
 * next asked (due_in, ended), so the time the caller spends on the tick counts. */
void session_ticker_advance(struct session_ticker *t);
/* Starts the schedule (and the duration) again from now, the next tick one period from now. */
void session_ticker_restart(struct session_ticker *t);
/* A new period; the next tick is one new period from now. */
void session_ticker_set_period(struct session_ticker *t, uint64_t period_ns);
/* Makes the next tick due now (resuming after a pause). */
void session_ticker_due_now(struct session_ticker *t);

struct launch;

struct session_opts {
	struct capture_opts capture;
	uint64_t period_ns;
	unsigned backlog;	/* the late-tick policy, see struct session_ticker */
	uint64_t duration_ns;	/* 0: until stopped */
	const struct session_clock *clock;	/* NULL: the monotonic clock */
	bool subprocesses;	/* the target's descendants too (proctree.h), found again every round */
	struct launch *launch;	/* borrowed; launch mode: the target is this command (launch.h) */
	uint64_t analysis_timeout_ns;	/* a snapshot's analysis deadline; 0: SESSION_ANALYSIS_TIMEOUT_NS */
	bool record_reads;	/* every snapshot keeps what its analysis read, to be saved as a core
				 * (output_core_save: watch --save) */
};

/* The default deadline of one snapshot's analysis in top, record and watch: a target that makes
 * it take longer gets a snapshot marked truncated, and sampling goes on. */
#define SESSION_ANALYSIS_TIMEOUT_NS (10ULL * 1000000000ULL)

/* What a tick (or a wait for one) came to. */
enum session_event {
	SESSION_SNAPSHOT = 0,	/* a new analysed snapshot */
	SESSION_FAILED,		/* this tick's snapshot failed; session_error() says why, the target lives */
	SESSION_GONE,		/* the target exited: no more ticks */
	SESSION_QUIT,		/* a quit signal (SIGINT, SIGTERM, SIGHUP) */
	SESSION_END,		/* the duration is over */
	SESSION_UNUSABLE,	/* nothing can be captured: the first snapshot failed and the target
				 * lives (permission, an unreadable /proc); session_error() says why */
	SESSION_IDLE,		/* --subprocesses: this round had nothing to show (its processes exited) */
};

/* One process of the session: the target, or with --subprocesses one of its descendants. */
struct session_member {
	pid_t pid;
	struct capture *cap;		/* owned */
	struct analyzer *an;		/* owned */
	uint64_t taken;			/* its snapshots */
	bool gone;			/* exited: dropped at the next round */
};

/* A capture and an analyzer for each process, and the ticker. Failure policy: a failed snapshot (or
 * analysis) of a live target costs that tick only: it is counted, and first_failure tells the
 * caller to report it (once per session; later ones are only counted). A failure of a target
 * that no longer exists ends the session (SESSION_GONE, for good), and so does a capture failure
 * before any snapshot succeeded (SESSION_UNUSABLE): a watch that can never see its target must
 * say so and stop, not watch forever.
 * With --subprocesses, a tick is a round: one snapshot of each process in turn (session_tick once
 * per process; session_wait says SESSION_SNAPSHOT at once while the round lasts). Descendants are
 * found again at the start of each round; one that exits, or cannot be traced, is dropped without
 * ending the session, which ends when the target itself exits. In launch mode the session also
 * ends when the command exits; a first quit signal is passed on to the command (launch_forward)
 * and the session goes on until the command exits; a second one ends it (SESSION_QUIT). */
struct session {
	pid_t pid;			/* the target: the PID asked for, or the launched command */
	struct session_member *members;	/* owned; members[0] is the target */
	size_t nmembers, members_cap;
	size_t next;			/* the member the next tick snapshots; 0 starts a round */
	bool round_output;		/* this round gave a snapshot */
	bool subprocesses;
	struct launch *launch;		/* borrowed, or NULL */
	struct capture_opts capture;	/* for descendants found later */
	uint64_t analysis_timeout_ns;
	bool record_reads;		/* session_opts.record_reads */
	bool record_next;		/* the next snapshot only records its reads (top's save key) */
	pid_t *skip;			/* owned; descendants that could not be opened: not tried again */
	size_t nskip, skip_cap;
	uint64_t joined;		/* descendants that joined the session */
	struct session_ticker ticker;
	uint64_t failed;		/* ticks whose snapshot failed */
	bool first_failure;		/* the last SESSION_FAILED was the session's first */
	bool gone;
	uint64_t taken;			/* snapshots captured and analysed */
	bool unusable;			/* ended by SESSION_UNUSABLE */
	const char *error_what;		/* "snapshot" or "analysis": what failed last */
	struct err error;		/* why the last failure happened */
};

/* Checks pid (o->launch: the launched command, pid ignored) can be traced and starts the ticker;
 * on failure e says why. A launched command that exited before it could be opened gives a
 * session that is over (SESSION_GONE), not a failure. */
int session_open(pid_t pid, const struct session_opts *o, struct session **out, struct err *e);
void session_close(struct session *s);
struct broker;
struct broker_opts;
/* Confines the session after it opened, before its first analysis (sandbox.h in session mode: it
 * still captures). With bo, a broker is forked first: it keeps holdup's privileges to make the
 * session's new files and run its hooks (broker.h), and is returned in *b. no_sandbox: nothing
 * is confined, and *b acts in this process. 0, or -1 with e saying why (callers stop: the process
 * may be partly confined). */
int session_confine(struct session *s, bool no_sandbox, const struct broker_opts *bo, struct broker **b,
    struct err *e);
/* One snapshot now, captured and analysed, outside the schedule (top's first, before curses). */
int session_snapshot(struct session *s, struct snapshot **out, struct err *e);
/* Sleeps until the next tick is due (a signal ends the sleep early): SESSION_SNAPSHOT when it
 * is, else SESSION_QUIT, SESSION_END or SESSION_GONE, checked in that order. */
enum session_event session_wait(struct session *s);
/* For an event loop: milliseconds until the next tick, rounded up; 0 when it is due. */
int session_due_in_ms(struct session *s);
/* Takes the tick: a snapshot in *out (owned by the caller) or SESSION_FAILED / SESSION_GONE. */
enum session_event session_tick(struct session *s, struct snapshot **out);
/* session_wait, then session_tick. */
enum session_event session_next(struct session *s, struct snapshot **out);
/* "snapshot failed: why" for the last SESSION_FAILED. */
const char *session_error(const struct session *s, char *buf, size_t len);

#endif
