/* cmd_top.c - holdup top: options, then the dashboard fed by a session (capture + analysis; the only ptrace user is capture.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "cmd.h"
#include "options.h"
#include "session.h"
#include "signals.h"
#include "top.h"

#define CMD_TOP_BACKLOG 1	/* a late sample is taken at once; whole periods behind are skipped */

static void
cmd_top_help(void)
{
	printf("usage: holdup top [-i SECONDS] [--no-sampling] [--no-sandbox] PID\n\n"
	    "A live dashboard of the target's threads: states, time in state, CPU%%, the lock each\n"
	    "waits for and its holder, locks by waiters, wait chains and deadlocks, and stacks.\n\n"
	    "  -i, --interval SECONDS  time between samples (default 1, 0.1 to 60)\n"
	    "  --no-sampling           stop running threads with ptrace for each sample instead of\n"
	    "                          reading their registers and stacks from perf_event samples\n"
	    "  --no-sandbox            analyse with holdup's full privileges (by default holdup keeps\n"
	    "                          only what capturing needs; its saves go through a broker)\n\n"
	    "Press h inside for the keys, q to quit. exit status: 0 ok, 1 error, 2 usage\n");
}

int
cmd_top(int argc, char **argv)
{
	struct session_opts so;
	struct session *ses = NULL;
	struct top t;
	struct snapshot *snap = NULL;
	struct err e = { "" };
	double interval = 1.0;
	bool no_sampling = false, no_sandbox = false;
	struct broker *broker = NULL;
	/* s and S save into the working directory, or /tmp when it is not writable */
	const struct broker_opts bo = { .dirs = { ".", "/tmp" } };
	int rc = EXIT_ERROR;
	pid_t pid;
	const struct options_spec specs[] = {
		{ "interval", 'i', OPTIONS_SECONDS, &interval, .min = 0.1, .max = 60,
		    .error = "-i wants seconds between 0.1 and 60" },
		{ "no-sampling", 0, OPTIONS_FLAG, &no_sampling },
		{ "no-sandbox", 0, OPTIONS_FLAG, &no_sandbox },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	switch (options_parse(argc, argv, specs, &pid)) {
	case OPTIONS_HELP:
		cmd_top_help();
		return EXIT_OK;
	case OPTIONS_USAGE:
		return EXIT_USAGE;
	default:
		break;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "holdup: top needs a terminal; 'holdup dump %d' prints one snapshot\n", (int)pid);
		return EXIT_ERROR;
	}

	memset(&so, 0, sizeof so);
	capture_opts_default(&so.capture);
	so.period_ns = (uint64_t)(interval * 1e9);
	if (!no_sampling)
		so.capture.sample_ns = capture_sample_ns_for(so.period_ns);
	so.backlog = CMD_TOP_BACKLOG;
	if (session_open(pid, &so, &ses, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return EXIT_ERROR;
	}
	if (session_confine(ses, no_sandbox, &bo, &broker, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	/* The first sample before curses starts, so errors print plainly. */
	if (session_snapshot(ses, &snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.pid = pid;
	t.interval_s = interval;
	t.session = ses;
	t.broker = broker;
	if (top_run(&t, snap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		goto out;
	}
	rc = EXIT_OK;
	if (signals_quit_requested())
		fprintf(stderr, "holdup: interrupted; detached from %d\n", (int)pid);
out:
	broker_free(broker, 0);
	session_close(ses);
	return rc;
}
