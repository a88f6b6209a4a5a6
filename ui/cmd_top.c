/* cmd_top.c - holdup top: options, then the dashboard fed by capture + analysis (the only ptrace user is capture.c). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "capture.h"
#include "cmd.h"
#include "signals.h"
#include "top.h"

/* What the dashboard's sample callback needs: one capture session and one analyzer for all samples. */
struct cmd_top_source {
	struct capture *cap;
	struct analyzer *an;
};

static const struct option cmd_top_options[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "no-sampling", no_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
cmd_top_help(void)
{
	printf("usage: holdup top [-i SECONDS] [--no-sampling] PID\n\n"
	    "A live dashboard of the target's threads: states, time in state, CPU%%, the lock each\n"
	    "waits for and its holder, locks by waiters, wait chains and deadlocks, and stacks.\n\n"
	    "  -i, --interval SECONDS  time between samples (default 1, 0.1 to 60)\n"
	    "  --no-sampling           stop running threads with ptrace for each sample instead of\n"
	    "                          reading their registers and stacks from perf_event samples\n\n"
	    "Press h inside for the keys, q to quit. exit status: 0 ok, 1 error, 2 usage\n");
}

static int
cmd_top_sample(void *ctx, struct snapshot **out, struct err *e)
{
	struct cmd_top_source *src = ctx;
	struct snapshot *s = NULL;

	if (capture_snapshot(src->cap, &s, e) < 0)
		return -1;
	if (analyze_snapshot(src->an, s, e) < 0) {
		snapshot_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static bool
cmd_top_alive(void *ctx)
{
	struct cmd_top_source *src = ctx;

	return capture_target_alive(src->cap);
}

int
cmd_top(int argc, char **argv)
{
	struct capture_opts copts;
	struct cmd_top_source src = { NULL, NULL };
	struct top t;
	struct snapshot *snap = NULL;
	struct err e = { "" };
	double interval = 1.0;
	bool sampling = true;
	char *end;
	int c, rc = EXIT_ERROR;
	pid_t pid;

	capture_opts_default(&copts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:h", cmd_top_options, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !isfinite(interval) ||
			    interval < 0.1 || interval > 60) {
				fprintf(stderr, "holdup: -i wants seconds between 0.1 and 60\n");
				return EXIT_USAGE;
			}
			break;
		case 'P': sampling = false; break;
		case 'h': cmd_top_help(); return EXIT_OK;
		default: return cmd_usage("top");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("top");
	if (cmd_parse_pid(argv[optind], &pid) < 0)
		return EXIT_USAGE;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "holdup: top needs a terminal; 'holdup dump %d' prints one snapshot\n", (int)pid);
		return EXIT_ERROR;
	}

	if (sampling)
		copts.sample_ns = capture_sample_ns_for((uint64_t)(interval * 1e9));
	if (capture_open(pid, &copts, &src.cap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return EXIT_ERROR;
	}
	src.an = analyze_new(pid);
	/* The first sample before curses starts, so errors print plainly. */
	if (cmd_top_sample(&src, &snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.pid = pid;
	t.interval_s = interval;
	t.src.sample = cmd_top_sample;
	t.src.alive = cmd_top_alive;
	t.src.ctx = &src;
	if (top_run(&t, snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	rc = EXIT_OK;
	if (signals_quit_requested())
		fprintf(stderr, "holdup: interrupted; detached from %d\n", (int)pid);
out:
	analyze_free(src.an);
	capture_close(src.cap);
	return rc;
}
