/* view_stack.c - the selected thread's full stack with source locations (and source text when zoomed). */
#include "view.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "util.h"

#define VIEW_STACK_NFILES 16
#define VIEW_STACK_MAXFILE (4 << 20)

/* Source files read for the zoomed view, kept so redraws do not reread them. */
static struct view_stack_file {
	char *path;
	char *text;		/* NULL if unreadable */
	size_t len;
} view_stack_files[VIEW_STACK_NFILES];
static size_t view_stack_next;

/* Line `line` of path (no newline) into buf; false if unavailable. */
static bool
view_stack_source(const char *path, int line, char *buf, size_t len)
{
	struct view_stack_file *f = NULL;
	const char *p, *end;
	struct stat st;

	for (size_t i = 0; i < VIEW_STACK_NFILES; i++)
		if (view_stack_files[i].path != NULL && strcmp(view_stack_files[i].path, path) == 0)
			f = &view_stack_files[i];
	if (f == NULL) {
		f = &view_stack_files[view_stack_next++ % VIEW_STACK_NFILES];
		free(f->path);
		free(f->text);
		f->path = xstrdup(path);
		f->text = NULL;
		f->len = 0;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < VIEW_STACK_MAXFILE)
			f->text = util_read_file(path, &f->len);
	}
	if (f->text == NULL || line <= 0)
		return false;
	p = f->text;
	for (int l = 1; l < line; l++) {
		p = memchr(p, '\n', f->len - (size_t)(p - f->text));
		if (p == NULL)
			return false;
		p++;
	}
	end = memchr(p, '\n', f->len - (size_t)(p - f->text));
	if (end == NULL)
		end = f->text + f->len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	snprintf(buf, len, "%.*s", (int)(end - p), p);
	return true;
}

void
view_stack_free_cache(void)
{
	for (size_t i = 0; i < VIEW_STACK_NFILES; i++) {
		free(view_stack_files[i].path);
		free(view_stack_files[i].text);
		view_stack_files[i].path = view_stack_files[i].text = NULL;
	}
}

/* Lines below the title, skipping the first `skip` (scrolling when zoomed). */
struct view_stack_sink {
	int y, h, line, total, skip;
};

static void
view_stack_line(struct view_stack_sink *k, const char *text, int attr)
{
	if (k->total++ >= k->skip && k->line < k->h)
		term_put(k->y + k->line++, 1, COLS - 1, text, attr);
}

/* Frames (innermost first), with source text under them when zoomed. */
static void
view_stack_frames(struct top *t, struct view_stack_sink *k, const struct frame *frames, size_t n,
    const struct frame *interesting, const char *unwind_error)
{
	char buf[1024], fr[768], src[512];

	if (n == 0)
		view_stack_line(k, "no frames (not unwound)", term_style(TERM_DIM));
	for (size_t i = 0; i < n; i++) {
		const struct frame *f = &frames[i];

		model_frame_text(f, fr, sizeof fr);
		snprintf(buf, sizeof buf, "#%-3zu %s%s%s%s", i, fr, f->inlined ? " (inlined)" : "",
		    f->module && f->function ? "  in " : "", f->module && f->function ? util_basename(f->module) : "");
		view_stack_line(k, buf, f == interesting ? (int)A_BOLD : term_style(TERM_NORMAL));
		if (t->zoom && f->file != NULL && f->line > 0 && view_stack_source(f->file, f->line, src, sizeof src)) {
			snprintf(buf, sizeof buf, "       %d| %s", f->line, src);
			view_stack_line(k, buf, term_style(TERM_DIM));
		}
	}
	if (unwind_error != NULL) {
		snprintf(buf, sizeof buf, "(unwinding stopped: %s)", unwind_error);
		view_stack_line(k, buf, term_style(TERM_DIM));
	}
	if (t->stack_first > 0 && t->stack_first >= k->total)
		t->stack_first = k->total > 0 ? k->total - 1 : 0;
}

static void
view_stack_title(int y, const char *bold, const char *name, const char *rest)
{
	int x;

	term_bar(y, term_style(TERM_HEADER));
	x = 1 + term_put(y, 1, COLS - 1, bold, term_style(TERM_HEADER) | A_BOLD) + 1;
	if (name != NULL)
		x += term_put(y, x, COLS - x, name, term_style(TERM_HEADER) | A_BOLD);
	term_put(y, x, COLS - x, rest, term_style(TERM_HEADER));
}

static void
view_stack_go(struct top *t, int y, int h, const struct goroutine *g)
{
	struct view_stack_sink k = { y + 1, h - 1, 0, 0, t->stack_first };
	char head[64], buf[1024], fr[512];

	snprintf(head, sizeof head, "Goroutine %llu", (unsigned long long)g->id);
	snprintf(buf, sizeof buf, "  %s%s%s  %s", snapshot_state_name(g->state), g->wait_reason ? ": " : "",
	    g->wait_reason ? g->wait_reason : "", t->zoom ? "(Enter/Esc: back, j/k scroll)" : "(Enter: full screen)");
	view_stack_title(y, head, NULL, buf);
	if (g->tid > 0) {
		snprintf(buf, sizeof buf, "on thread %d", (int)g->tid);
		view_stack_line(&k, buf, term_style(TERM_DIM));
	}
	if (g->created_by.pc != 0) {
		model_frame_text(&g->created_by, fr, sizeof fr);
		snprintf(buf, sizeof buf, "created by %s", fr);
		view_stack_line(&k, buf, term_style(TERM_DIM));
	}
	view_stack_frames(t, &k, g->frames, g->nframes, model_go_frame(g), g->unwind_error);
}

void
view_stack_draw(struct top *t, int y, int h)
{
	const struct snapshot *s = t->snap;
	int ti = topstate_selected_thread(t), gi = topstate_selected_goroutine(t);
	struct view_stack_sink k = { y + 1, h - 1, 0, 0, 0 };
	const struct thread *th;
	char head[64], buf[1024], wait[512], holder[128];

	if (h < 1)
		return;
	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	if (!t->zoom)
		t->stack_first = 0;
	k.skip = t->stack_first;
	if (gi >= 0) {
		view_stack_go(t, y, h, &s->go->gs[gi]);
		return;
	}
	if (ti < 0) {
		view_stack_title(y, "stack: nothing selected", NULL, "");
		return;
	}
	th = &s->threads[ti];
	model_wait_text(s, th, wait, sizeof wait);
	model_holder_text(s, th, holder, sizeof holder);
	snprintf(head, sizeof head, "Stack of %d", (int)th->tid);
	snprintf(buf, sizeof buf, "  %s%s%s%s%s%s  %s", snapshot_state_name(th->state),
	    wait[0] ? ", waits on " : "", wait, holder[0] ? " held by " : "", holder,
	    th->wait.in_deadlock ? "  DEADLOCK" : "",
	    t->zoom ? "(Enter/Esc: back, j/k scroll)" : "(Enter: full screen)");
	view_stack_title(y, head, th->name ? th->name : "?", buf);
	if (th->status != CAPTURE_OK || th->error != NULL) {
		snprintf(buf, sizeof buf, "capture: %s%s%s", snapshot_capture_status_name(th->status),
		    th->error ? ": " : "", th->error ? th->error : "");
		view_stack_line(&k, buf, term_style(TERM_DIM));
	}
	if (th->wchan != NULL || th->syscall >= 0) {
		snprintf(buf, sizeof buf, "proc state %c  wchan %s  syscall %ld", th->proc_state ? th->proc_state : '?',
		    th->wchan ? th->wchan : "-", th->syscall);
		view_stack_line(&k, buf, term_style(TERM_DIM));
	}
	view_stack_frames(t, &k, th->frames, th->nframes, model_interesting_frame(th), th->unwind_error);
}
