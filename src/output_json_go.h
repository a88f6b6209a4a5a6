/* output_json_go.h - the Go part of the JSON dump (s->go), written by the JSON output. */
#ifndef HOLDUP_OUTPUT_JSON_GO_H
#define HOLDUP_OUTPUT_JSON_GO_H

#include "json.h"
#include "snapshot.h"

/* Writes the "go" and "goroutines" members of the snapshot object being written; nothing when s->go is NULL. */
void output_json_go_print(struct jw *w, const struct snapshot *s);

#endif
