/* view_help.c - the key list shown by h; top.c's key handler is the other half of this table. */
#include "view.h"

#include <curses.h>

static const char *const view_help_lines[] = {
	"holdup top - keys",
	"",
	"  Up/Down, j/k     move the cursor (mouse wheel too; click selects)",
	"  PgUp/PgDn, g/G   page up/down, first/last row",
	"  Enter            open the selected thread's full stack with source (Enter/Esc: back)",
	"  Tab, Shift-Tab   next/previous view: Threads, Locks, Wait chains (and Goroutines for Go)",
	"  < >              sort by the previous/next column (threads)",
	"  r                reverse the sort order",
	"  /                filter threads by name, state or TID (Enter keeps, Esc clears)",
	"  p                pause/resume sampling",
	"  + -              sample less/more often (double/halve the interval)",
	"  s                save a text dump of the snapshot on screen to a file",
	"  h, ?             this help (any key closes it)",
	"  q                quit (detaches; the target runs on)",
	"",
	"Columns: TIME = time in this state (+: already so when holdup started), CPU% = since the last sample,",
	"WAITS ON = lock or event, HOLDER = thread holding that lock, WHERE = innermost frame outside libc.",
	"D in the first column: the thread is part of a deadlock cycle.",
};

void
view_help_draw(const struct top *t, int y, int h)
{
	(void)t;
	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	for (size_t i = 0; i < sizeof view_help_lines / sizeof view_help_lines[0] && (int)i < h; i++)
		term_put(y + (int)i, 2, COLS - 2, view_help_lines[i], i == 0 ? term_style(TERM_TITLE) : term_style(TERM_NORMAL));
}
