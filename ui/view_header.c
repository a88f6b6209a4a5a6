/* view_header.c - the dashboard's header (process, threads by state, sampling, banners) and status line. */
#include "view.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

static const char view_header_hints[] =
    "h help  q quit  Tab view  Enter stack  / filter  < > sort  p pause  +/- interval  s save";

/* "DEADLOCK: 12 a -> 13 b -> 12" for cycle d, into buf. */
static void
view_header_cycle(const struct snapshot *s, size_t d, char *buf, size_t len)
{
	const struct deadlock *dl = &s->deadlocks[d];
	size_t o;

	snprintf(buf, len, "%sDEADLOCK (%zu of %zu): ", dl->probable ? "PROBABLE " : "", d + 1, s->ndeadlocks);
	o = strlen(buf);
	/* a cycle of goroutines (through probable holders) names goroutines, not threads */
	for (size_t i = 0; dl->nthreads == 0 && i <= dl->ngoroutines && dl->ngoroutines > 0 && o + 1 < len; i++) {
		int n = snprintf(buf + o, len - o, i == dl->ngoroutines ? "g%" PRIu64 : "g%" PRIu64 " -> ",
		    dl->goroutines[i % dl->ngoroutines]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
	for (size_t i = 0; dl->nthreads > 0 && i <= dl->nthreads && o + 1 < len; i++) {
		int ti = dl->threads[i % dl->nthreads];
		const struct thread *th;
		int n;

		if (ti < 0 || (size_t)ti >= s->nthreads)
			continue;
		th = &s->threads[ti];
		if (i == dl->nthreads)
			n = snprintf(buf + o, len - o, "%d", (int)th->tid);
		else
			n = snprintf(buf + o, len - o, "%d %s -> ", (int)th->tid, th->name ? th->name : "?");
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

int
view_header_draw(const struct top *t)
{
	const struct snapshot *s = t->snap;
	size_t counts[STATE_COUNT] = { 0 };
	char buf[1024];
	size_t o;
	int y = 0, x;

	term_bar(y, term_style(TERM_HEADER));
	snprintf(buf, sizeof buf, " holdup top  pid %d  ", (int)t->pid);
	x = term_put(y, 0, COLS, buf, term_style(TERM_HEADER) | A_BOLD);
	x += term_put(y, x, COLS - x - 1, s->exe ? util_basename(s->exe) : "?", term_style(TERM_HEADER));
	if (s->cmdline != NULL) {
		x += term_put(y, x, COLS - x, "  ", term_style(TERM_HEADER));
		term_put(y, x, COLS - x, s->cmdline, term_style(TERM_HEADER));
	}
	y++;

	for (size_t i = 0; i < s->nthreads; i++)
		if ((unsigned)s->threads[i].state < STATE_COUNT)
			counts[s->threads[i].state]++;
	snprintf(buf, sizeof buf, "threads %zu:", s->nthreads);
	o = strlen(buf);
	for (int st = 0; st < STATE_COUNT && o + 1 < sizeof buf; st++) {
		int n;

		if (counts[st] == 0)
			continue;
		n = snprintf(buf + o, sizeof buf - o, " %s %zu", snapshot_state_name((enum thread_state)st), counts[st]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	snprintf(buf + o, sizeof buf - o, "  |  every %.1fs  pause %lluus  locks %zu  sample #%u%s",
	    t->interval_s, (unsigned long long)s->pause_us, s->nlocks, t->nsamples,
	    t->paused ? "  [PAUSED]" : "");
	move(y, 0);
	clrtoeol();
	term_put(y, 0, COLS, buf, A_BOLD);
	y++;

	/* Banners: the things a person must not miss, one line each. */
	for (size_t d = 0; d < s->ndeadlocks && d < 3 && y < LINES - 2; d++) {
		view_header_cycle(s, d, buf, sizeof buf);
		term_bar(y, term_style(TERM_BANNER));
		term_put(y, 1, COLS - 1, buf, term_style(TERM_BANNER));
		y++;
	}
	if (t->gone && y < LINES - 2) {
		char when[32];
		struct tm tm;
		time_t sec = s->taken.tv_sec;

		localtime_r(&sec, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		snprintf(buf, sizeof buf, "TARGET EXITED: process %d is gone; showing the last snapshot (taken %s)",
		    (int)t->pid, when);
		term_bar(y, term_style(TERM_BANNER));
		term_put(y, 1, COLS - 1, buf, term_style(TERM_BANNER));
		y++;
	} else if (t->sample_error[0] != '\0' && y < LINES - 2) {
		snprintf(buf, sizeof buf, "sampling failed: %s", t->sample_error);
		move(y, 0);
		clrtoeol();
		term_put(y, 1, COLS - 1, buf, term_style(TERM_BAD));
		y++;
	}
	return y;
}

void
view_status_draw(const struct top *t)
{
	char buf[256];
	int y = LINES - 1;

	if (y < 1)
		return;
	term_bar(y, term_style(TERM_STATUS));
	if (t->editing) {
		snprintf(buf, sizeof buf, "filter (name, state or tid; Enter keeps, Esc clears): %s_", t->edit);
		term_put(y, 0, COLS, buf, term_style(TERM_STATUS) | A_BOLD);
	} else if (t->msg[0] != '\0' && util_now_us() < t->msg_until_us) {
		term_put(y, 0, COLS, t->msg, term_style(TERM_STATUS) | A_BOLD);
	} else {
		term_put(y, 0, COLS, view_header_hints, term_style(TERM_STATUS));
	}
}
