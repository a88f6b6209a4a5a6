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
/* The same, for a command that also reads a file: an argument that is not a number is a path,
 * put in *path (*pid 0); a number is a PID (*path NULL). */
enum options_result options_parse_target(int argc, char **argv, const struct options_spec *specs, pid_t *pid,
    const char **path);

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
