/* session.c - capture + analysis of one target on a fixed schedule: the loop record, watch and top share. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "signals.h"

static uint64_t
session_clock_default(void *ctx)
{
	(void)ctx;
	return util_now_ns();
}

void
session_ticker_init(struct session_ticker *t, const struct session_clock *clock, uint64_t period_ns,
    unsigned backlog, uint64_t duration_ns)
{
	t->clock.now_ns = clock != NULL && clock->now_ns != NULL ? clock->now_ns : session_clock_default;
	t->clock.ctx = clock != NULL ? clock->ctx : NULL;
	t->period_ns = period_ns > 0 ? period_ns : 1;
	t->backlog = backlog;
	t->duration_ns = duration_ns;
	t->missed = 0;
	t->settle = false;
	t->start_ns = t->next_ns = session_ticker_now(t);
	t->end_ns = duration_ns > 0 ? t->start_ns + duration_ns : 0;
}

uint64_t
session_ticker_now(const struct session_ticker *t)
{
	return t->clock.now_ns(t->clock.ctx);
}

/* The late-tick policy, once per advance: ticks backlog or more periods behind are skipped. */
static void
session_ticker_settle(struct session_ticker *t)
{
	uint64_t now;

	if (!t->settle)
		return;
	t->settle = false;
	now = session_ticker_now(t);
	if (t->next_ns + t->backlog * t->period_ns <= now) {
		/* Leaves the next tick less than backlog periods behind (ahead, for backlog 0). */
		uint64_t behind = (now - t->next_ns) / t->period_ns + 1 - t->backlog;

		t->missed += behind;
		t->next_ns += behind * t->period_ns;
	}
}

uint64_t
session_ticker_due_in(struct session_ticker *t)
{
	uint64_t now;

	session_ticker_settle(t);
	now = session_ticker_now(t);
	return t->next_ns > now ? t->next_ns - now : 0;
}

bool
session_ticker_ended(struct session_ticker *t)
{
	session_ticker_settle(t);
	return t->end_ns != 0 && t->next_ns >= t->end_ns;
}

void
session_ticker_advance(struct session_ticker *t)
{
	t->next_ns += t->period_ns;
	t->settle = true;
}

void
session_ticker_restart(struct session_ticker *t)
{
	t->start_ns = session_ticker_now(t);
	t->next_ns = t->start_ns + t->period_ns;
	t->end_ns = t->duration_ns > 0 ? t->start_ns + t->duration_ns : 0;
	t->settle = false;
}

void
session_ticker_set_period(struct session_ticker *t, uint64_t period_ns)
{
	t->period_ns = period_ns > 0 ? period_ns : 1;
	t->next_ns = session_ticker_now(t) + t->period_ns;
	t->settle = false;
}

void
session_ticker_due_now(struct session_ticker *t)
{
	t->next_ns = session_ticker_now(t);
	t->settle = false;
}

int
session_open(pid_t pid, const struct session_opts *o, struct session **out, struct err *e)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->pid = pid;
	if (capture_open(pid, &o->capture, &s->cap, e) < 0) {
		free(s);
		return -1;
	}
	s->an = analyze_new(pid);
	session_ticker_init(&s->ticker, o->clock, o->period_ns, o->backlog, o->duration_ns);
	*out = s;
	return 0;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	analyze_free(s->an);
	capture_close(s->cap);
	free(s);
}

/* Capture then analysis; on failure *what names the step that failed. */
static int
session_take(struct session *s, struct snapshot **out, const char **what, struct err *e)
{
	struct snapshot *snap = NULL;

	*what = "snapshot";
	if (capture_snapshot(s->cap, &snap, e) < 0)
		return -1;
	*what = "analysis";
	if (analyze_snapshot(s->an, snap, e) < 0) {
		snapshot_free(snap);
		return -1;
	}
	*out = snap;
	return 0;
}

int
session_snapshot(struct session *s, struct snapshot **out, struct err *e)
{
	const char *what;
	int rc = session_take(s, out, &what, e);

	s->taken += rc == 0;
	return rc;
}

enum session_event
session_wait(struct session *s)
{
	for (;;) {
		uint64_t ns;
		struct timespec ts;

		if (signals_quit_requested())
			return SESSION_QUIT;
		if (session_ticker_ended(&s->ticker))
			return SESSION_END;
		if (s->gone)
			return SESSION_GONE;
		if ((ns = session_ticker_due_in(&s->ticker)) == 0)
			return SESSION_SNAPSHOT;
		ts.tv_sec = (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		nanosleep(&ts, NULL);	/* a signal wakes it: quit is checked again */
	}
}

int
session_due_in_ms(struct session *s)
{
	uint64_t ns = session_ticker_due_in(&s->ticker);

	return ns / 1000000 > 1000000 ? 1000000 : (int)((ns + 999999) / 1000000);
}

enum session_event
session_tick(struct session *s, struct snapshot **out)
{
	struct err e = { "" };
	const char *what;

	*out = NULL;
	if (s->gone)
		return s->unusable ? SESSION_UNUSABLE : SESSION_GONE;
	if (session_take(s, out, &what, &e) == 0) {
		s->taken++;
		session_ticker_advance(&s->ticker);
		return SESSION_SNAPSHOT;
	}
	/* A capture failure of a target that is gone ends the session; any other costs one tick. */
	if (strcmp(what, "snapshot") == 0 && !capture_target_alive(s->cap)) {
		s->gone = true;
		return SESSION_GONE;
	}
	s->first_failure = s->failed++ == 0;
	s->error_what = what;
	s->error = e;
	session_ticker_advance(&s->ticker);
	/* capture_snapshot fails only when it got nothing at all: if it never got anything, it never will */
	if (strcmp(what, "snapshot") == 0 && s->taken == 0) {
		s->gone = true;
		s->unusable = true;
		return SESSION_UNUSABLE;
	}
	return SESSION_FAILED;
}

enum session_event
session_next(struct session *s, struct snapshot **out)
{
	enum session_event ev = session_wait(s);

	*out = NULL;
	return ev == SESSION_SNAPSHOT ? session_tick(s, out) : ev;
}

const char *
session_error(const struct session *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s failed: %s", s->error_what != NULL ? s->error_what : "snapshot", s->error.msg);
	return buf;
}
