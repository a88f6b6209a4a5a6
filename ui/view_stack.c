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

/* A title line, then capture facts and frames, scrolled by stack_first when zoomed. */
void
view_stack_draw(struct top *t, int y, int h)
{
	const struct snapshot *s = t->snap;
	int ti = top_selected_thread(t), line = 0, x;
	const struct thread *th;
	char buf[1024], wait[512], holder[128];

	if (h < 1)
		return;
	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	if (ti < 0) {
		term_bar(y, term_style(TERM_HEADER));
		term_put(y, 1, COLS - 1, "stack: no thread selected", term_style(TERM_HEADER));
		return;
	}
	th = &s->threads[ti];
	term_bar(y, term_style(TERM_HEADER));
	snprintf(buf, sizeof buf, "Stack of %d ", (int)th->tid);
	x = term_put(y, 1, COLS - 1, buf, term_style(TERM_HEADER) | A_BOLD) + 1;
	x += term_put(y, x, COLS - x, th->name ? th->name : "?", term_style(TERM_HEADER) | A_BOLD);
	model_wait_text(s, th, wait, sizeof wait);
	model_holder_text(s, th, holder, sizeof holder);
	snprintf(buf, sizeof buf, "  %s%s%s%s%s%s  %s", snapshot_state_name(th->state),
	    wait[0] ? ", waits on " : "", wait, holder[0] ? " held by " : "", holder,
	    th->wait.in_deadlock ? "  DEADLOCK" : "",
	    t->zoom ? "(Enter/Esc: back, j/k scroll)" : "(Enter: full screen)");
	term_put(y, x, COLS - x, buf, term_style(TERM_HEADER));
	y++;
	h--;

	/* Everything below the title is one list of lines, scrolled by stack_first when zoomed. */
	if (!t->zoom)
		t->stack_first = 0;
	{
		int total = 0, skip = t->stack_first;

#define VIEW_STACK_LINE(text, attr) do { \
		if (total++ >= skip && line < h) \
			term_put(y + line++, 1, COLS - 1, (text), (attr)); \
	} while (0)

		if (th->status != CAPTURE_OK || th->error != NULL) {
			snprintf(buf, sizeof buf, "capture: %s%s%s", snapshot_capture_status_name(th->status),
			    th->error ? ": " : "", th->error ? th->error : "");
			VIEW_STACK_LINE(buf, term_style(TERM_DIM));
		}
		if (th->wchan != NULL || th->syscall >= 0) {
			snprintf(buf, sizeof buf, "proc state %c  wchan %s  syscall %ld", th->proc_state ? th->proc_state : '?',
			    th->wchan ? th->wchan : "-", th->syscall);
			VIEW_STACK_LINE(buf, term_style(TERM_DIM));
		}
		if (th->nframes == 0)
			VIEW_STACK_LINE("no frames (not unwound)", term_style(TERM_DIM));
		for (size_t i = 0; i < th->nframes; i++) {
			const struct frame *f = &th->frames[i];
			char fr[768], src[512];

			model_frame_text(f, fr, sizeof fr);
			snprintf(buf, sizeof buf, "#%-3zu %s%s%s%s", i, fr, f->inlined ? " (inlined)" : "",
			    f->module && f->function ? "  in " : "", f->module && f->function ? util_basename(f->module) : "");
			VIEW_STACK_LINE(buf, f == model_interesting_frame(th) ? (int)A_BOLD : term_style(TERM_NORMAL));
			if (t->zoom && f->file != NULL && f->line > 0 &&
			    view_stack_source(f->file, f->line, src, sizeof src)) {
				snprintf(buf, sizeof buf, "       %d| %s", f->line, src);
				VIEW_STACK_LINE(buf, term_style(TERM_DIM));
			}
		}
		if (th->unwind_error != NULL) {
			snprintf(buf, sizeof buf, "(unwinding stopped: %s)", th->unwind_error);
			VIEW_STACK_LINE(buf, term_style(TERM_DIM));
		}
#undef VIEW_STACK_LINE
		if (t->stack_first > 0 && t->stack_first >= total)
			t->stack_first = total > 0 ? total - 1 : 0;
	}
}
