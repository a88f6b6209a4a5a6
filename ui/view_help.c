/* view_help.c - the key list shown by h, one line per row of top.c's key table, and what the columns mean. */
#include "view.h"

#include <curses.h>
#include <stdio.h>

static const char *const view_help_footer[] = {
	"",
	"Columns: TIME = time in this state (+: already so when holdup started), CPU% = since the last sample,",
	"WAITS ON = lock or event, HOLDER = thread holding that lock, WHERE = innermost frame outside libc.",
	"D in the first column: the thread is part of a deadlock cycle.",
};

void
view_help_draw(const struct top *t, int y, int h)
{
	char line[256];
	int row = 0;

	(void)t;
	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	if (row < h)
		term_put(y + row++, 2, COLS - 2, "holdup top - keys", term_style(TERM_TITLE));
	row++;
	for (size_t i = 0; i < top_nbindings && row < h; i++) {
		snprintf(line, sizeof line, "  %-17s%s", top_bindings[i].label, top_bindings[i].help);
		term_put(y + row++, 2, COLS - 2, line, term_style(TERM_NORMAL));
	}
	for (size_t i = 0; i < sizeof view_help_footer / sizeof view_help_footer[0] && row < h; i++)
		term_put(y + row++, 2, COLS - 2, view_help_footer[i], term_style(TERM_NORMAL));
}
