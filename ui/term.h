/* term.h - the curses terminal: setup, the one idempotent restore, colours with monochrome fallbacks,
 * and drawing of untrusted text. */
#ifndef HOLDUP_TERM_H
#define HOLDUP_TERM_H

#include <stdbool.h>

enum term_style {
	TERM_NORMAL = 0,
	TERM_HEADER,	/* header lines */
	TERM_TITLE,	/* column titles */
	TERM_SELECTED,	/* the cursor row */
	TERM_BANNER,	/* deadlock / target exited */
	TERM_BAD,	/* blocked, in a deadlock */
	TERM_WARN,	/* waiting, sleeping, io */
	TERM_GOOD,	/* running */
	TERM_DIM,	/* secondary text */
	TERM_STATUS,	/* the bottom line */
	TERM_STYLE_COUNT
};

/* Puts the terminal in curses mode (input without echo, keypad, mouse, colours if any) and
 * registers term_restore() with util_at_fatal. */
int term_init(void);
/* Leaves curses mode; safe to call any number of times, from a crash handler too. */
void term_restore(void);
/* Curses attributes for a style: colour where the terminal has it, bold/reverse/underline always. */
int term_style(enum term_style st);
/* Draws untrusted text at (y, x) in at most w columns; returns the columns used. */
int term_put(int y, int x, int w, const char *s, int attr);
/* Clears line y and fills it with attr (for bars). */
void term_bar(int y, int attr);

#endif
