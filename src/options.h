/* options.h - the option and number parser every command shares: flags, strings, seconds, counts, the PID. */
#ifndef HOLDUP_OPTIONS_H
#define HOLDUP_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "util.h"

enum options_type {
	OPTIONS_END = 0,	/* ends a table */
	OPTIONS_FLAG,		/* bool *dest = true */
	OPTIONS_CHOICE,		/* int *dest = value (--color / --no-color) */
	OPTIONS_STRING,		/* const char **dest = the argument */
	OPTIONS_SECONDS,	/* double *dest: a number (of seconds) in [min, max], (min, max] if min_open */
	OPTIONS_COUNT,		/* long *dest: a decimal integer in [min, max] */
};

/* One option of a command. --help and -h are always there. */
struct options_spec {
	const char *name;	/* the long name, without "--" */
	int short_name;		/* 'r' for -r, 0 for none */
	enum options_type type;
	void *dest;		/* borrowed; see enum options_type */
	int value;		/* OPTIONS_CHOICE */
	double min, max;	/* OPTIONS_SECONDS, OPTIONS_COUNT */
	bool min_open;		/* OPTIONS_SECONDS: min itself is not allowed */
	const char *error;	/* printed after "holdup: " for a bad value */
};

enum options_result {
	OPTIONS_OK = 0,
	OPTIONS_HELP = 1,	/* -h or --help: the caller prints its help, exits 0 */
	OPTIONS_USAGE = -1,	/* a usage error, already reported on stderr: exit 2 */
};

/* Parses argv (argv[0] is the command's name) against the table ending in OPTIONS_END, then
 * exactly one PID. Bad values print the spec's message, a missing or extra argument the command's
 * usage line, a bad PID "'X' is not a process ID". */
enum options_result options_parse(int argc, char **argv, const struct options_spec *specs, pid_t *pid);

/* What a command is to look at: PIDs, or in launch mode a command to start. */
struct options_targets {
	pid_t *pids;		/* owned (options_targets_free); in the order given */
	size_t npids, pids_cap;
	char **command;		/* borrowed from argv, NULL-terminated: CMD ARGS after "--"; NULL if none */
	const char *path;	/* borrowed from argv: with OPTIONS_TARGET_FILE, the file given instead of PIDs */
};

#define OPTIONS_TARGET_MANY	1u	/* several PIDs: positional, -p repeated, -p 12,13 */
#define OPTIONS_TARGET_COMMAND	2u	/* "-- CMD ARGS..." instead of a PID (launch mode) */
#define OPTIONS_TARGET_FILE	4u	/* one argument that is not a number: a file's path (a core file) */

/* options_parse for commands that take more: the PIDs allow permits (at least one), or with
 * OPTIONS_TARGET_COMMAND "-- CMD ARGS..." instead (everything after the first "--" is the
 * command's, never holdup's). On OPTIONS_OK free t with options_targets_free. */
enum options_result options_parse_targets(int argc, char **argv, const struct options_spec *specs, unsigned allow,
    struct options_targets *t);
void options_targets_free(struct options_targets *t);

/* The number parsers, 0 or -1 (nothing printed): the whole of arg, finite, within the range. */
int options_seconds(const char *arg, double min, bool min_open, double max, double *out);
int options_count(const char *arg, long min, long max, long *out);
/* A PID (1 to 4194304); on error prints why and returns -1. */
int options_pid(const char *arg, pid_t *pid);
/* Opens -o's file for writing (created 0644 or truncated). A symbolic link there is followed only
 * when it belongs to root or to the user holdup runs as: root holdup must never truncate the
 * file another user's planted link points to. Returns the stream, or NULL with e set. */
FILE *options_open_output(const char *path, struct err *e);

#endif
