/* corenote.h - holdup's own note in a core file (name "HOLDUP"): the /proc facts a standard core does not hold. */
#ifndef HOLDUP_CORENOTE_H
#define HOLDUP_CORENOTE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "util.h"

/* Encodes s's per-thread /proc facts (names, states, wait channels, syscall lines, run counts) as a note desc, *out malloc'd. Returns 0. */
int corenote_encode(const struct snapshot *s, uint8_t **out, size_t *len);

/* Applies a "HOLDUP" note's desc to s, read from the core's standard notes (threads exist): may set thread names, states and other /proc facts. Returns 0, or -1 with e set (shown as a note, not fatal). */
int corenote_apply(struct snapshot *s, const void *desc, size_t len, struct err *e);

#endif
