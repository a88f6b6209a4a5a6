/* uistr.h - pure string helpers for the dashboard: terminal-safe copies of untrusted text, durations. */
#ifndef HOLDUP_UISTR_H
#define HOLDUP_UISTR_H

#include <stddef.h>

/* Copies untrusted bytes into dst (size dstsz, always NUL-terminated): control bytes and invalid
 * UTF-8 become \xNN (sanitize.h), then whatever the current locale cannot print becomes '?'. At most
 * maxcols display columns are copied (maxcols < 0: no limit). Returns the columns used. */
int uistr_sanitize(char *dst, size_t dstsz, const char *src, int maxcols);
/* Formats a duration in seconds compactly ("850ms", "42s", "12m05s", "3h07m", "2d04h"); "-" if negative. */
void uistr_duration(char *buf, size_t len, double secs);

#endif
