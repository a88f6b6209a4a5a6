/* session.c - capture + analysis of one target on a fixed schedule: the loop record, watch and top share. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "broker.h"
#include "launch.h"
#include "proctree.h"
#include "sandbox.h"
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

/* Opens pid as a member; 0, or -1 with e set. */
static int
session_add(struct session *s, pid_t pid, const struct capture_opts *copts, struct err *e)
{
	struct session_member *m;
	struct capture *cap;

	if (capture_open(pid, copts, &cap, e) < 0)
		return -1;
	xgrow(&s->members, &s->members_cap, s->nmembers + 1, sizeof *s->members);
	m = &s->members[s->nmembers++];
	memset(m, 0, sizeof *m);
	m->pid = pid;
	m->cap = cap;
	m->an = analyze_new(pid);
	return 0;
}

static void
session_member_free(struct session_member *m)
{
	analyze_free(m->an);
	capture_close(m->cap);
}

int
session_open(pid_t pid, const struct session_opts *o, struct session **out, struct err *e)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->launch = o->launch;
	s->pid = s->launch != NULL ? s->launch->pid : pid;
	s->subprocesses = o->subprocesses;
	s->capture = o->capture;
	s->analysis_timeout_ns = o->analysis_timeout_ns != 0 ? o->analysis_timeout_ns : SESSION_ANALYSIS_TIMEOUT_NS;
	s->record_reads = o->record_reads;
	if (session_add(s, s->pid, &o->capture, e) < 0) {
		/* A command that is done before holdup could look: the session is over, not failed. */
		for (int i = 0; s->launch != NULL && i < 50 && !launch_exited(s->launch); i++)
			nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
		if (s->launch == NULL || !launch_exited(s->launch)) {
			free(s);
			return -1;
		}
		s->gone = true;
	}
	if (s->launch != NULL)
		signals_wake_on_child();
	session_ticker_init(&s->ticker, o->clock, o->period_ns, o->backlog, o->duration_ns);
	*out = s;
	return 0;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nmembers; i++)
		session_member_free(&s->members[i]);
	free(s->members);
	free(s->skip);
	free(s);
}

int
session_confine(struct session *s, bool no_sandbox, const struct broker_opts *bo, struct broker **b,
    struct err *e)
{
	/* no CPU-time limit: a session runs for as long as it is watched (each analysis has its
	 * deadline, SESSION_ANALYSIS_TIMEOUT_NS) */
	struct sandbox_limits l = { .as_bytes = SANDBOX_AS_BYTES, .session = true };

	if (b != NULL)
		*b = NULL;
	if (no_sandbox) {
		if (bo != NULL && b != NULL)
			*b = broker_local(bo);
		return 0;
	}
	if (bo != NULL && b != NULL && (*b = broker_fork(bo, e)) == NULL)
		return -1;
	if (s->launch != NULL && !s->launch->exited)
		l.signal_pid = s->launch->pid;
	if (sandbox_enter(&l, e) < 0)
		return err_prefix(e, "not analysing the target's data with full privileges (--no-sandbox would): ");
	return 0;
}

/* Capture then analysis; on failure *what names the step that failed. */
static int
session_take(struct session *s, struct session_member *m, struct snapshot **out, const char **what,
    struct err *e)
{
	struct snapshot *snap = NULL;

	*what = "snapshot";
	if (capture_snapshot(m->cap, &snap, e) < 0)
		return -1;
	*what = "analysis";
	if (s->record_reads || s->record_next) {
		snapshot_record_reads(snap);
		s->record_next = false;
	}
	snapshot_budget_set(snap, ANALYZE_READ_BUDGET, s->analysis_timeout_ns);
	if (analyze_snapshot(m->an, snap, e) < 0) {
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
	int rc;

	if (s->nmembers == 0)
		return err_set(e, "process %d: no such process (it exited)", (int)s->pid);
	rc = session_take(s, &s->members[0], out, &what, e);
	s->taken += rc == 0;
	s->members[0].taken += rc == 0;
	return rc;
}

static bool
session_skipped(const struct session *s, pid_t pid)
{
	for (size_t i = 0; i < s->nskip; i++)
		if (s->skip[i] == pid)
			return true;
	return false;
}

/* A new round of --subprocesses: exited members go, descendants not yet seen join. The target
 * stays members[0] while it lives. */
static void
session_refresh(struct session *s)
{
	pid_t roots[PROCTREE_MAX], tree[PROCTREE_MAX];
	size_t nroots = 0, kept = 0;
	int n, truncated;
	struct err e;

	for (size_t i = 0; i < s->nmembers; i++) {
		if (s->members[i].gone && (i > 0 || s->members[i].pid != s->pid)) {
			session_member_free(&s->members[i]);
			continue;
		}
		s->members[kept++] = s->members[i];
		if (nroots < PROCTREE_MAX)
			roots[nroots++] = s->members[i].pid;
	}
	s->nmembers = kept;
	/* every live member is a root: a descendant whose parent exited (reparented) is still followed */
	n = proctree_list("/proc", roots, nroots, tree, PROCTREE_MAX, &truncated, &e);
	for (int i = 0; i < n && s->nmembers < PROCTREE_MAX; i++) {
		bool known = false;

		for (size_t j = 0; j < s->nmembers && !known; j++)
			known = s->members[j].pid == tree[i];
		if (known || session_skipped(s, tree[i]))
			continue;
		if (session_add(s, tree[i], &s->capture, &e) == 0)
			s->joined++;
		else {
			/* exiting, a kernel thread, setuid: not tried again every round */
			xgrow(&s->skip, &s->skip_cap, s->nskip + 1, sizeof *s->skip);
			s->skip[s->nskip++] = tree[i];
		}
	}
}

/* In launch mode: a first quit signal goes on to the command, and the session waits for it. */
static bool
session_quit(struct session *s)
{
	int sig = signals_quit_requested();

	if (sig == 0)
		return false;
	if (s->launch == NULL || s->launch->forwarded > 0 || launch_exited(s->launch))
		return true;
	launch_forward(s->launch, sig, signals_quit_from_kernel());
	if (s->launch->forwarded == 0)
		s->launch->forwarded = 1;	/* the terminal sent it to the command itself */
	signals_quit_clear();
	return false;
}

enum session_event
session_wait(struct session *s)
{
	for (;;) {
		uint64_t ns;
		struct timespec ts;

		if (session_quit(s))
			return SESSION_QUIT;
		if (s->next > 0)
			return SESSION_SNAPSHOT;	/* the round goes on */
		if (s->launch != NULL && launch_exited(s->launch))
			return SESSION_GONE;
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

/* One member's snapshot. *done is set when the member is out of this round for good. */
static enum session_event
session_tick_member(struct session *s, size_t i, struct snapshot **out)
{
	struct session_member *m = &s->members[i];
	struct err e = { "" };
	const char *what;

	if (session_take(s, m, out, &what, &e) == 0) {
		s->taken++;
		m->taken++;
		s->round_output = true;
		return SESSION_SNAPSHOT;
	}
	/* A capture failure of a process that is gone: the target's ends the session, a descendant's
	 * only drops it. */
	if (strcmp(what, "snapshot") == 0 && !capture_target_alive(m->cap)) {
		m->gone = true;
		if (i == 0 && m->pid == s->pid)
			s->gone = true;
		return SESSION_GONE;
	}
	/* capture_snapshot fails only when it got nothing at all: if it never got anything, it never will */
	if (strcmp(what, "snapshot") == 0 && m->taken == 0 && (i > 0 || m->pid != s->pid)) {
		m->gone = true;
		return SESSION_GONE;
	}
	s->first_failure = s->failed++ == 0;
	s->error_what = what;
	s->error = e;
	if (strcmp(what, "snapshot") == 0 && s->taken == 0) {
		s->gone = true;
		s->unusable = true;
		return SESSION_UNUSABLE;
	}
	return SESSION_FAILED;
}

enum session_event
session_tick(struct session *s, struct snapshot **out)
{
	enum session_event ev = SESSION_IDLE;

	*out = NULL;
	if (s->gone)
		return s->unusable ? SESSION_UNUSABLE : SESSION_GONE;
	if (s->next == 0) {
		s->round_output = false;
		if (s->subprocesses)
			session_refresh(s);
	}
	while (s->next < s->nmembers) {
		ev = session_tick_member(s, s->next++, out);
		if (s->gone)
			break;
		if (ev == SESSION_GONE)
			continue;	/* a descendant exited: the next one */
		break;
	}
	if (s->gone || s->next >= s->nmembers) {
		s->next = 0;
		session_ticker_advance(&s->ticker);
	}
	if (ev == SESSION_GONE && !s->gone)
		ev = SESSION_IDLE;
	return ev;
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
