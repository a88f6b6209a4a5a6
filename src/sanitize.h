/* sanitize.h - makes untrusted strings from the target safe to put on a terminal. */
#ifndef HOLDUP_SANITIZE_H
#define HOLDUP_SANITIZE_H

#include <stddef.h>
#include <stdio.h>

/* Copies s into buf (always NUL-terminated), replacing control bytes, DEL and invalid UTF-8 with
 * \xNN escapes so no escape sequence reaches a terminal. NULL becomes "?". Returns buf. */
char *sanitize_str(const char *s, char *buf, size_t len);
/* Writes s to f the same way, without a length limit. */
void sanitize_fputs(const char *s, FILE *f);
/* For names in files other tools read (pprof): NULL when s holds no C0 or C1 control, DEL or
 * invalid UTF-8 (use s as it is), else an owned copy with each of those replaced by '_'. */
char *sanitize_name(const char *s);

#endif
