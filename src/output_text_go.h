/* output_text_go.h - the Go part of the text dump (s->go), written by the text output. */
#ifndef HOLDUP_OUTPUT_TEXT_GO_H
#define HOLDUP_OUTPUT_TEXT_GO_H

#include <stdio.h>

#include "output.h"
#include "snapshot.h"

/* Writes the goroutines and Go locks of s; nothing when s->go is NULL. o may be NULL. */
void output_text_go_print(FILE *f, const struct snapshot *s, const struct output_opts *o);

#endif
