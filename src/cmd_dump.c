/* cmd_dump.c - holdup dump: one snapshot of every thread, analysed and printed as text or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "capture.h"
#include "cmd.h"
#include "options.h"
#include "output.h"
#include "output_select.h"
#include "signals.h"

static void
cmd_dump_help(void)
{
	printf("usage: holdup dump [OPTIONS] PID\n\n"
	    "Prints every thread's state, stack, the locks it holds and waits for, and deadlocks.\n\n"
	    "  --json              JSON instead of text (schema: doc/json-schema.md)\n"
	    "  --format FORMAT     text, json or dot (the wait-for graph for Graphviz:\n"
	    "                      holdup dump --format dot PID | dot -Tsvg > wait.svg)\n"
	    "  -o, --output FILE   write to FILE instead of standard output\n"
	    "  --stop-all          stop every thread, even those blocked in the kernel\n"
	    "  --stack-bytes N     bytes of each stack copied while stopped (default 32768)\n"
	    "  --stop-timeout MS   give up on a thread that does not stop within MS (default 200)\n"
	    "  --group             fold threads (and goroutines) with the same state, wait and stack into\n"
	    "                      one entry listing them; text does so by default above 32 threads\n"
	    "  --no-group          list every thread even when there are many\n"
	    "  --state S[,S...]    only threads in these states (blocked, waiting, running, ...)\n"
	    "  --tid T[,T...]      only these threads\n"
	    "  --lock ADDR|NAME    only threads waiting on or holding this lock (0x... or its name)\n"
	    "                      (the header still counts every thread and says a filter is on)\n"
	    "  --color, --no-color colour in text output (default: when writing to a terminal)\n\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 a deadlock was found\n");
}

/* The options and the PID; false when the command is done, returning *rc. *format gets the output format. */
static bool
cmd_dump_options(int *rc, int argc, char **argv, struct capture_opts *copts, struct output_opts *oopts,
    const char **outpath, const char **format, int *color, pid_t *pid)
{
	long stack_bytes = (long)copts->stack_bytes, stop_timeout = copts->stop_timeout_ms;
	bool json = false;
	const char *fmt = NULL, *fstate = NULL, *ftid = NULL, *flock = NULL;
	static struct output_filter filter;	/* lives as long as the dump: oopts borrows it */
	struct err fe;
	const struct options_spec specs[] = {
		{ "json", 'j', OPTIONS_FLAG, &json },
		{ "format", 'f', OPTIONS_STRING, &fmt },
		{ "output", 'o', OPTIONS_STRING, outpath },
		{ "stop-all", 0, OPTIONS_FLAG, &copts->stop_all },
		{ "stack-bytes", 0, OPTIONS_COUNT, &stack_bytes, .min = 0, .max = 8 << 20,
		    .error = "--stack-bytes wants a number of bytes up to 8 MiB" },
		{ "stop-timeout", 0, OPTIONS_COUNT, &stop_timeout, .min = 1, .max = 60000,
		    .error = "--stop-timeout wants milliseconds (1-60000)" },
		{ "group", 0, OPTIONS_FLAG, &oopts->group },
		{ "no-group", 0, OPTIONS_FLAG, &oopts->no_group },
		{ "state", 0, OPTIONS_STRING, &fstate },
		{ "tid", 0, OPTIONS_STRING, &ftid },
		{ "lock", 0, OPTIONS_STRING, &flock },
		{ "color", 0, OPTIONS_CHOICE, color, .value = 1 },
		{ "no-color", 0, OPTIONS_CHOICE, color, .value = 0 },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	switch (options_parse(argc, argv, specs, pid)) {
	case OPTIONS_HELP:
		cmd_dump_help();
		*rc = EXIT_OK;
		return false;
	case OPTIONS_USAGE:
		*rc = EXIT_USAGE;
		return false;
	default: break;
	}
	copts->stack_bytes = (size_t)stack_bytes;
	copts->stop_timeout_ms = (int)stop_timeout;
	*format = json ? "json" : "text";
	if (fmt != NULL && ((strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "dot") != 0) ||
	    (json && strcmp(fmt, "json") != 0))) {
		fprintf(stderr, "holdup: --format wants text, json or dot (and --json only goes with json)\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if (fmt != NULL)
		*format = fmt;
	if (output_filter_parse(&filter, fstate, ftid, flock, &fe) < 0) {
		fprintf(stderr, "holdup: %s\n", fe.msg);
		*rc = EXIT_USAGE;
		return false;
	}
	oopts->filter = &filter;
	return true;
}

int
cmd_dump(int argc, char **argv)
{
	struct capture_opts copts;
	struct output_opts oopts;
	struct capture *cap = NULL;
	struct analyzer *an = NULL;
	struct snapshot *snap = NULL;
	struct err e = { "" };
	const char *outpath = NULL, *format = "text";
	int color = -1, rc;
	pid_t pid;
	FILE *out = stdout;

	capture_opts_default(&copts);
	memset(&oopts, 0, sizeof oopts);
	if (!cmd_dump_options(&rc, argc, argv, &copts, &oopts, &outpath, &format, &color, &pid))
		return rc;
	rc = EXIT_ERROR;

	if (capture_open(pid, &copts, &cap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return EXIT_ERROR;
	}
	if (capture_snapshot(cap, &snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	/* The target runs again from here on; everything below works on the copies. */
	capture_close(cap);
	cap = NULL;
	if (signals_quit_requested()) {
		fprintf(stderr, "holdup: interrupted\n");
		goto out;
	}
	an = analyze_new(pid);
	if (analyze_snapshot(an, snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	if (outpath != NULL) {
		struct err oe;

		if ((out = options_open_output(outpath, &oe)) == NULL) {
			fprintf(stderr, "holdup: %s\n", oe.msg);
			out = stdout;
			goto out;
		}
	}
	/* --color forces it; otherwise a terminal gets colour unless NO_COLOR says no */
	oopts.color = color == 1 || (color == -1 && strcmp(format, "text") == 0 && isatty(fileno(out)) &&
	    !util_no_color());
	if (output_write(output_find(format), out, &oopts, snap) < 0) {
		fprintf(stderr, "holdup: writing %s: %s\n", outpath ? outpath : "output", strerror(errno));
		goto out;
	}
	rc = snap->ndeadlocks > 0 ? EXIT_DEADLOCK : EXIT_OK;
out:
	if (out != stdout && out != NULL && fclose(out) != 0 && rc != EXIT_ERROR) {
		fprintf(stderr, "holdup: %s: %s\n", outpath, strerror(errno));
		rc = EXIT_ERROR;
	}
	snapshot_free(snap);
	analyze_free(an);
	capture_close(cap);
	return rc;
}
