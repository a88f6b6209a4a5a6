/* top.c - the dashboard loop: sample on a deadline, never block input, dispatch keys, redraw. */
#include "top.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "output.h"
#include "output_core.h"
#include "session.h"
#include "signals.h"
#include "term.h"
#include "view.h"

#define TOP_MIN_INTERVAL 0.1
#define TOP_MAX_INTERVAL 60.0
#define TOP_INPUT_SLICE_MS 200	/* longest getch wait, so quit signals are seen promptly */

static void
top_message(struct top *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
top_message(struct top *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_until_us = util_now_us() + 5000000;
}

void
top_rebuild(struct top *t)
{
	free(t->rows);
	free(t->lock_rows);
	free(t->tree);
	free(t->go_rows);
	t->ngo_rows = model_goroutines(t->snap, t->filter, &t->go_rows);
	t->nrows = model_threads(t->snap, t->hist, t->filter, t->sort, t->reverse, &t->rows);
	t->nlock_rows = model_locks(t->snap, &t->lock_rows);
	t->ntree = model_tree(t->snap, &t->tree);
	/* Keep the cursor on the same thread across samples and re-sorts. */
	if (t->sel_tid > 0) {
		for (size_t i = 0; i < t->nrows; i++) {
			if (t->snap->threads[t->rows[i]].tid == t->sel_tid) {
				t->sel[TOP_VIEW_THREADS] = (int)i;
				break;
			}
		}
	}
}

/* Remembers which thread the thread-table cursor is on. */
static void
top_note_selection(struct top *t)
{
	int sel = t->sel[TOP_VIEW_THREADS];

	if (sel >= 0 && (size_t)sel < t->nrows)
		t->sel_tid = t->snap->threads[t->rows[sel]].tid;
}

/* The goroutine view is offered only for Go targets. */
static bool
top_view_available(const struct top *t, enum top_view v)
{
	return v != TOP_VIEW_GOROUTINES || t->snap->go != NULL;
}

static void top_save_core(struct top *t, struct snapshot *s);

static void
top_take(struct top *t, struct snapshot *s)
{
	if (t->save_core && s->readlog != NULL)
		top_save_core(t, s);
	snapshot_free(t->snap);
	t->snap = s;
	t->nsamples++;
	history_update(t->hist, s);
	if (!top_view_available(t, t->view))
		t->view = TOP_VIEW_THREADS;
	top_rebuild(t);
}

/* Takes the session's tick: a new snapshot on screen, a failure in the header, or the target gone. */
static void
top_sample(struct top *t)
{
	struct snapshot *s = NULL;

	switch (session_tick(t->session, &s)) {
	case SESSION_SNAPSHOT:
		t->sample_error[0] = '\0';
		top_take(t, s);
		break;
	case SESSION_GONE:
		t->gone = true;
		break;
	default:
		snprintf(t->sample_error, sizeof t->sample_error, "%.255s", t->session->error.msg);
		break;
	}
}

/* A new file dir/name (0600) from the broker, which keeps the right to make it when top is confined. */
static FILE *
top_create(struct top *t, const char *dir, const char *name)
{
	int fd = broker_create(t->broker, dir, name);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);
	return f;
}

/* Writes a text dump of the snapshot on screen; says where in the status line. */
static void
top_save(struct top *t)
{
	const struct output_format *fmt = output_find("text");
	struct output_opts oo;
	char name[128], path[PATH_MAX], *abs;
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;
	int rc;

	if (fmt == NULL) {
		top_message(t, "cannot save: no text output format in this build");
		return;
	}
	localtime_r(&now, &tm);
	snprintf(name, sizeof name, "holdup-%d-%04d%02d%02d-%02d%02d%02d-%u.txt", (int)t->pid,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t->nsamples);
	snprintf(path, sizeof path, "%s", name);
	f = top_create(t, ".", name);
	if (f == NULL && errno != EEXIST) {
		/* The working directory may be read-only (/ for a service): fall back on /tmp. */
		snprintf(path, sizeof path, "/tmp/%s", name);
		f = top_create(t, "/tmp", name);
	}
	if (f == NULL) {
		top_message(t, "cannot save %s: %s", path, strerror(errno));
		return;
	}
	memset(&oo, 0, sizeof oo);
	rc = output_write(fmt, f, &oo, t->snap);
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		top_message(t, "error writing %s", path);
		return;
	}
	abs = realpath(path, NULL);
	top_message(t, "saved snapshot #%u (%zu threads) to %s", t->nsamples, t->snap->nthreads, abs ? abs : path);
	free(abs);
}

/* Writes the snapshot just taken, which recorded its reads (S), as a core; says where. */
static void
top_save_core(struct top *t, struct snapshot *s)
{
	char name[128], path[PATH_MAX], *abs;
	const char *dir;
	struct err e = { "" };
	struct tm tm;
	time_t now = time(NULL);
	int fd;

	t->save_core = false;
	localtime_r(&now, &tm);
	snprintf(name, sizeof name, "holdup-%d-%04d%02d%02d-%02d%02d%02d-%u.core", (int)t->pid,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t->nsamples);
	snprintf(path, sizeof path, "%s", name);
	dir = ".";
	fd = broker_create(t->broker, dir, name);
	if (fd < 0 && errno != EEXIST) {
		/* as for the text dump: the working directory may be read-only */
		snprintf(path, sizeof path, "/tmp/%s", name);
		dir = "/tmp";
		fd = broker_create(t->broker, dir, name);
	}
	if (fd < 0) {
		top_message(t, "cannot save a core: %s: %s", path, strerror(errno));
		return;
	}
	if (output_core_save(s, fd, &e) < 0) {
		close(fd);
		broker_unlink(t->broker, dir, name);
		top_message(t, "cannot save a core: %s", e.msg);
		return;
	}
	close(fd);
	abs = realpath(path, NULL);
	top_message(t, "saved core of snapshot #%u to %s", t->nsamples, abs ? abs : path);
	free(abs);
}

static void
top_move(struct top *t, int delta)
{
	t->sel[t->view] += delta;
	if (t->sel[t->view] < 0)
		t->sel[t->view] = 0;
	/* Drawing clamps the upper end, where the row count is known. */
	top_note_selection(t);
}

static int
top_view_rows(const struct top *t)
{
	switch (t->view) {
	case TOP_VIEW_THREADS: return (int)t->nrows;
	case TOP_VIEW_LOCKS: return (int)t->nlock_rows;
	case TOP_VIEW_TREE: return (int)t->ntree;
	case TOP_VIEW_GOROUTINES: return (int)t->ngo_rows;
	default: return 0;
	}
}

static void
top_key_filter(struct top *t, int ch)
{
	size_t n = strlen(t->edit);

	if (ch == 27) {
		t->editing = false;
		t->filter[0] = t->edit[0] = '\0';
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n > 0)
			t->edit[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof t->edit) {
		t->edit[n] = (char)ch;
		t->edit[n + 1] = '\0';
	} else
		return;
	/* The filter applies as it is typed. */
	snprintf(t->filter, sizeof t->filter, "%s", t->edit);
	t->sel[TOP_VIEW_THREADS] = t->first[TOP_VIEW_THREADS] = 0;
	top_rebuild(t);
	top_note_selection(t);
}

static void
top_key_mouse(struct top *t)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		if (t->zoom)
			t->stack_first = t->stack_first > 3 ? t->stack_first - 3 : 0;
		else
			top_move(t, -3);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		if (t->zoom)
			t->stack_first += 3;
		else
			top_move(t, 3);
	} else if ((ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) && !t->zoom && !t->help &&
	    ev.y >= t->body_y && ev.y < t->body_y + t->body_h) {
		int r = t->first[t->view] + ev.y - t->body_y;

		if (r < top_view_rows(t)) {
			t->sel[t->view] = r;
			top_note_selection(t);
		}
	}
}

/* Up/Down, j/k and the mouse: the cursor, or the scroll of a zoomed stack. */
static void
top_key_move(struct top *t, int ch)
{
	bool up = ch == KEY_UP || ch == 'k';

	if (ch == KEY_MOUSE)
		top_key_mouse(t);
	else if (t->zoom && up)
		t->stack_first = t->stack_first > 0 ? t->stack_first - 1 : 0;
	else if (t->zoom)
		t->stack_first++;
	else
		top_move(t, up ? -1 : 1);
}

static void
top_key_page(struct top *t, int ch)
{
	if (ch == KEY_PPAGE || ch == KEY_NPAGE) {
		top_move(t, ch == KEY_PPAGE ? -(LINES / 2) : LINES / 2);
		return;
	}
	if (ch == KEY_HOME || ch == 'g')
		t->sel[t->view] = 0;
	else
		t->sel[t->view] = top_view_rows(t) > 0 ? top_view_rows(t) - 1 : 0;
	top_note_selection(t);
}

/* Enter opens (or closes) the full stack; Esc, Left and Backspace close it. */
static void
top_key_zoom(struct top *t, int ch)
{
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->zoom = !t->zoom;
		t->stack_first = 0;
	} else
		t->zoom = false;
}

static void
top_key_view(struct top *t, int ch)
{
	do
		t->view = (enum top_view)((t->view + (ch == '\t' ? 1 : TOP_VIEW_COUNT - 1)) % TOP_VIEW_COUNT);
	while (!top_view_available(t, t->view));
	t->zoom = false;
}

static void
top_key_sort(struct top *t, int ch)
{
	t->sort = (enum model_sort)((t->sort + (ch == '>' ? 1 : MODEL_SORT_COUNT - 1)) % MODEL_SORT_COUNT);
	top_rebuild(t);
}

static void
top_key_reverse(struct top *t, int ch)
{
	(void)ch;
	t->reverse = !t->reverse;
	top_rebuild(t);
}

static void
top_key_edit(struct top *t, int ch)
{
	(void)ch;
	t->editing = true;
	snprintf(t->edit, sizeof t->edit, "%s", t->filter);
}

static void
top_key_pause(struct top *t, int ch)
{
	(void)ch;
	t->paused = !t->paused;
	if (!t->paused)
		session_ticker_due_now(&t->session->ticker);
	top_message(t, t->paused ? "sampling paused (p resumes)" : "sampling resumed");
}

static void
top_key_interval(struct top *t, int ch)
{
	if (ch == '-')
		t->interval_s = t->interval_s / 2 < TOP_MIN_INTERVAL ? TOP_MIN_INTERVAL : t->interval_s / 2;
	else
		t->interval_s = t->interval_s * 2 > TOP_MAX_INTERVAL ? TOP_MAX_INTERVAL : t->interval_s * 2;
	session_ticker_set_period(&t->session->ticker, (uint64_t)(t->interval_s * 1e9));
	top_message(t, "sampling every %.1fs", t->interval_s);
}

static void
top_key_save(struct top *t, int ch)
{
	(void)ch;
	top_save(t);
}

/* The next snapshot records what its analysis reads and is saved as a core when it comes (at
 * once, even when paused). */
static void
top_key_save_core(struct top *t, int ch)
{
	(void)ch;
	if (t->gone) {
		top_message(t, "cannot save a core: the target has exited (s saves the text on screen)");
		return;
	}
	t->session->record_next = true;
	t->save_core = true;
	session_ticker_due_now(&t->session->ticker);
	top_sample(t);
	if (t->save_core) {
		t->save_core = false;
		t->session->record_next = false;
		top_message(t, "cannot save a core: no snapshot (%s)", t->sample_error[0] ? t->sample_error : "the target is gone");
	}
}

static void
top_key_help(struct top *t, int ch)
{
	(void)ch;
	t->help = true;
}

static void
top_key_quit(struct top *t, int ch)
{
	(void)ch;
	t->quit = true;
}

const struct top_binding top_bindings[] = {
	{ { KEY_UP, KEY_DOWN, 'k', 'j', KEY_MOUSE }, "Up/Down, j/k",
	    "move the cursor (mouse wheel too; click selects)", top_key_move },
	{ { KEY_PPAGE, KEY_NPAGE, 'g', 'G', KEY_HOME, KEY_END }, "PgUp/PgDn, g/G",
	    "page up/down, first/last row", top_key_page },
	{ { '\n', '\r', KEY_ENTER, 27, KEY_LEFT, KEY_BACKSPACE }, "Enter",
	    "open the selected thread's full stack with source (Enter/Esc: back)", top_key_zoom },
	{ { '\t', KEY_BTAB }, "Tab, Shift-Tab",
	    "next/previous view: Threads, Locks, Wait chains (and Goroutines for Go)", top_key_view },
	{ { '<', '>' }, "< >", "sort by the previous/next column (threads)", top_key_sort },
	{ { 'r' }, "r", "reverse the sort order", top_key_reverse },
	{ { '/' }, "/", "filter threads by name, state or TID (Enter keeps, Esc clears)", top_key_edit },
	{ { 'p' }, "p", "pause/resume sampling", top_key_pause },
	{ { '+', '=', '-' }, "+ -", "sample less/more often (double/halve the interval)", top_key_interval },
	{ { 's' }, "s", "save a text dump of the snapshot on screen to a file", top_key_save },
	{ { 'S' }, "S", "take a snapshot now and save it as a core file (holdup dump, gdb, eu-stack read it)",
	    top_key_save_core },
	{ { 'h', '?' }, "h, ?", "this help (any key closes it)", top_key_help },
	{ { 'q' }, "q", "quit (detaches; the target runs on)", top_key_quit },
};
const size_t top_nbindings = sizeof top_bindings / sizeof top_bindings[0];

static const struct top_binding *
top_binding_find(int ch)
{
	for (size_t i = 0; i < top_nbindings; i++)
		for (size_t k = 0; k < sizeof top_bindings[i].keys / sizeof top_bindings[i].keys[0] &&
		    top_bindings[i].keys[k] != 0; k++)
			if (top_bindings[i].keys[k] == ch)
				return &top_bindings[i];
	return NULL;
}

/* A key: the filter being typed takes it first, then an open help (any key closes it), then the table. */
static void
top_key(struct top *t, int ch)
{
	const struct top_binding *b;

	if (t->editing) {
		top_key_filter(t, ch);
		return;
	}
	if (ch == KEY_RESIZE) {
		clear();
		return;
	}
	if (t->help) {
		t->help = false;
		if (ch == 'q')
			t->quit = true;
		return;
	}
	if ((b = top_binding_find(ch)) != NULL)
		b->fn(t, ch);
}

static void
top_draw(struct top *t)
{
	int y, body;

	erase();
	if (LINES < 4 || COLS < 20) {
		term_put(0, 0, COLS, "holdup top: window too small", A_BOLD);
		refresh();
		return;
	}
	y = view_header_draw(t);
	body = LINES - 1 - y;
	if (t->help)
		view_help_draw(t, y, body);
	else if (t->zoom)
		view_stack_draw(t, y, body);
	else {
		/* The list gets two thirds; the selected thread's stack the rest when there is room. */
		int stack_h = body >= 14 ? body / 3 : 0, list_h = body - stack_h;

		view_tabs_draw(t, y);
		switch (t->view) {
		case TOP_VIEW_THREADS: view_threads_draw(t, y + 1, list_h - 1); break;
		case TOP_VIEW_LOCKS: view_locks_draw(t, y + 1, list_h - 1); break;
		case TOP_VIEW_TREE: view_tree_draw(t, y + 1, list_h - 1); break;
		case TOP_VIEW_GOROUTINES: view_go_draw(t, y + 1, list_h - 1); break;
		default: break;
		}
		if (stack_h > 0)
			view_stack_draw(t, y + list_h, stack_h);
	}
	view_status_draw(t);
	refresh();
}

int
top_run(struct top *t, struct snapshot *first, struct err *e)
{
	int rc = 0;

	t->hist = history_new();
	t->sort = MODEL_SORT_TID;
	top_take(t, first);
	top_note_selection(t);
	/* The first snapshot was taken just now: the next one is an interval away. */
	session_ticker_restart(&t->session->ticker);
	if (term_init() < 0) {
		rc = err_set(e, "cannot set up the terminal (is TERM set, and is this a terminal?)");
		goto out;
	}
	while (!t->quit && signals_quit_requested() == 0) {
		int wait_ms = TOP_INPUT_SLICE_MS, ch;

		top_draw(t);
		if (!t->paused && !t->gone) {
			int due = session_due_in_ms(t->session);

			wait_ms = due < TOP_INPUT_SLICE_MS ? due : TOP_INPUT_SLICE_MS;
		}
		timeout(wait_ms);
		ch = getch();
		if (ch != ERR) {
			top_key(t, ch);
			/* Drain typed-ahead keys before drawing so holding j stays responsive. */
			timeout(0);
			while (!t->quit && (ch = getch()) != ERR)
				top_key(t, ch);
		}
		if (!t->quit && !t->paused && !t->gone && session_due_in_ms(t->session) == 0)
			top_sample(t);
	}
	term_restore();
out:
	view_stack_free_cache();
	free(t->rows);
	free(t->lock_rows);
	free(t->tree);
	free(t->go_rows);
	t->rows = t->lock_rows = t->go_rows = NULL;
	t->tree = NULL;
	history_free(t->hist);
	t->hist = NULL;
	snapshot_free(t->snap);
	t->snap = NULL;
	return rc;
}
