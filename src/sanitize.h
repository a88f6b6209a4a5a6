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

#endif
