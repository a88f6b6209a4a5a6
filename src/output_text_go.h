/* output_text_go.h - the Go part of the text dump (s->go), written by the text output. */
#ifndef HOLDUP_OUTPUT_TEXT_GO_H
#define HOLDUP_OUTPUT_TEXT_GO_H

#include <stdio.h>

#include "output.h"
#include "snapshot.h"

/* Writes the goroutines and Go locks of s; nothing when s->go is NULL. o may be NULL. */
void output_text_go_print(FILE *f, const struct snapshot *s, const struct output_opts *o);
/* A lock's probable holders, one a line after indent (output_text.c; the Go part uses it too). */
void output_text_probable(FILE *f, const struct snapshot *s, const struct lock *l, const char *indent);

#endif
