/* output.h - one small interface for every output format (text, json, folded, pprof), writing to a FILE. */
#ifndef HOLDUP_OUTPUT_H
#define HOLDUP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

struct output_filter;

struct output_opts {
	bool color;		/* ANSI colour in text output */
	bool group;		/* group identical stacks (goroutines, threads) */
	bool verbose;
	double duration_s;	/* profiles: the recording's length, 0 if unknown */
	int rate_hz;		/* profiles: sampling rate */
	bool no_group;		/* text: do not fold threads even when there are many (--no-group) */
	const struct output_filter *filter;	/* borrowed; dump's thread filters (output_select.h), NULL for none */
	bool processes;		/* profiles of several processes: each stack's root names its process */
};

/* A format is a begin/snapshot/end triple: a dump writes one snapshot, a profile aggregates many. */
struct output_format {
	const char *name;
	void *(*begin)(FILE *f, const struct output_opts *o);
	int (*add)(void *state, const struct snapshot *s);	/* 0, or -1 with errno on a write error */
	int (*end)(void *state);	/* writes what is left, frees state; 0 or -1 on a write error */
};

/* The format called name ("text", "json", "folded", "pprof"), or NULL. */
const struct output_format *output_find(const char *name);
/* Convenience: begin + add + end for one snapshot. */
/* One probable holder in words, sanitized, for text and the ui: "goroutine 6 (read; a deferred
 * unlock in frame #2 main.(*queue).peek() at main.go:48)". Returns buf. */
char *output_probable_describe(const struct snapshot *s, const struct probable_holder *p, char *buf, size_t len);
/* All of a lock's probable holders on one line ("probably held by A, B; ..."), or "" if none. */
char *output_probable_line(const struct snapshot *s, const struct lock *l, char *buf, size_t len);
int output_write(const struct output_format *fmt, FILE *f, const struct output_opts *o, const struct snapshot *s);

#endif
