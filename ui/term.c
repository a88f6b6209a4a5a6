/* term.c - curses setup and the single idempotent terminal restore every exit path (and crash) goes through. */
#include "term.h"

#include <curses.h>
#include <locale.h>
#include <signal.h>

#include "uistr.h"
#include "util.h"

static volatile sig_atomic_t term_active;
static bool term_color;

static void
term_on_fatal(void)
{
	term_restore();
}

int
term_init(void)
{
	setlocale(LC_CTYPE, "");
	if (initscr() == NULL)
		return -1;
	term_active = 1;
	util_at_fatal(term_on_fatal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Escape alone closes prompts; do not wait a second for a sequence. */
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	/* NO_COLOR: attributes (reverse, bold, underline) only */
	term_color = has_colors() && !util_no_color();
	if (term_color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_WHITE, COLOR_BLUE);		/* header */
		init_pair(2, COLOR_WHITE, COLOR_RED);		/* banner */
		init_pair(3, COLOR_RED, -1);			/* bad */
		init_pair(4, COLOR_YELLOW, -1);			/* warn */
		init_pair(5, COLOR_GREEN, -1);			/* good */
		init_pair(6, COLOR_CYAN, -1);			/* title */
		init_pair(7, COLOR_BLACK, COLOR_CYAN);		/* selected */
	}
	return 0;
}

void
term_restore(void)
{
	/* Called from normal exits and from crash handlers: only the first call does anything. */
	if (!term_active)
		return;
	term_active = 0;
	util_remove_fatal(term_on_fatal);
	endwin();
}

int
term_style(enum term_style st)
{
	/* Each style has a non-colour attribute too, so a monochrome terminal still tells them apart. */
	switch (st) {
	case TERM_HEADER:
		return term_color ? (int)COLOR_PAIR(1) : A_REVERSE;
	case TERM_TITLE:
		return A_BOLD | A_UNDERLINE | (term_color ? (int)COLOR_PAIR(6) : 0);
	case TERM_SELECTED:
		return A_REVERSE;
	case TERM_BANNER:
		return A_BOLD | (term_color ? (int)COLOR_PAIR(2) : A_REVERSE);
	case TERM_BAD:
		return A_BOLD | (term_color ? (int)COLOR_PAIR(3) : 0);
	case TERM_WARN:
		return term_color ? (int)COLOR_PAIR(4) : 0;
	case TERM_GOOD:
		return term_color ? (int)COLOR_PAIR(5) : 0;
	case TERM_DIM:
		return A_DIM;
	case TERM_STATUS:
		return A_REVERSE;
	default:
		return A_NORMAL;
	}
}

int
term_put(int y, int x, int w, const char *s, int attr)
{
	char buf[4096];
	int cols;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	cols = uistr_sanitize(buf, sizeof buf, s, w);
	attron(attr);
	mvaddstr(y, x, buf);
	attroff(attr);
	return cols;
}

void
term_bar(int y, int attr)
{
	if (y < 0 || y >= LINES)
		return;
	attron(attr);
	mvhline(y, 0, (chtype)' ' | (chtype)attr, COLS);
	attroff(attr);
}
