/* cmd_dump.c - holdup dump: one snapshot of every thread, analysed and printed as text or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "capture.h"
#include "cmd.h"
#include "output.h"
#include "signals.h"

static const struct option cmd_dump_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "stop-all", no_argument, NULL, 'S' },
	{ "stack-bytes", required_argument, NULL, 'b' },
	{ "stop-timeout", required_argument, NULL, 't' },
	{ "group", no_argument, NULL, 'g' },
	{ "color", no_argument, NULL, 'c' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
cmd_dump_help(void)
{
	printf("usage: holdup dump [OPTIONS] PID\n\n"
	    "Prints every thread's state, stack, the locks it holds and waits for, and deadlocks.\n\n"
	    "  --json              JSON instead of text (schema: doc/json-schema.md)\n"
	    "  -o, --output FILE   write to FILE instead of standard output\n"
	    "  --stop-all          stop every thread, even those blocked in the kernel\n"
	    "  --stack-bytes N     bytes of each stack copied while stopped (default 32768)\n"
	    "  --stop-timeout MS   give up on a thread that does not stop within MS (default 200)\n"
	    "  --group             group goroutines that share a stack (Go programs)\n"
	    "  --color, --no-color colour in text output (default: when writing to a terminal)\n\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 a deadlock was found\n");
}

static int
cmd_dump_number(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
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
	int color = -1, c, rc = EXIT_ERROR;
	long v;
	pid_t pid;
	FILE *out = stdout;

	capture_opts_default(&copts);
	memset(&oopts, 0, sizeof oopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:h", cmd_dump_options, NULL)) != -1) {
		switch (c) {
		case 'j': format = "json"; break;
		case 'o': outpath = optarg; break;
		case 'S': copts.stop_all = true; break;
		case 'b':
			if (cmd_dump_number(optarg, 0, 8 << 20, &v) < 0) {
				fprintf(stderr, "holdup: --stack-bytes wants a number of bytes up to 8 MiB\n");
				return EXIT_USAGE;
			}
			copts.stack_bytes = (size_t)v;
			break;
		case 't':
			if (cmd_dump_number(optarg, 1, 60000, &v) < 0) {
				fprintf(stderr, "holdup: --stop-timeout wants milliseconds (1-60000)\n");
				return EXIT_USAGE;
			}
			copts.stop_timeout_ms = (int)v;
			break;
		case 'g': oopts.group = true; break;
		case 'c': color = 1; break;
		case 'C': color = 0; break;
		case 'h': cmd_dump_help(); return EXIT_OK;
		default: return cmd_usage("dump");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("dump");
	if (cmd_parse_pid(argv[optind], &pid) < 0)
		return EXIT_USAGE;

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
		out = fopen(outpath, "w");
		if (out == NULL) {
			fprintf(stderr, "holdup: %s: %s\n", outpath, strerror(errno));
			goto out;
		}
	}
	oopts.color = color == 1 || (color == -1 && strcmp(format, "text") == 0 && isatty(fileno(out)));
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
