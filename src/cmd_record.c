/* cmd_record.c - holdup record: samples every thread's stack and wait state at a steady rate into a profile. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cmd.h"
#include "launch.h"
#include "options.h"
#include "output.h"
#include "profile.h"
#include "session.h"
#include "util.h"

#define CMD_RECORD_BACKLOG 3	/* late ticks still taken, in periods */

/* One recording: what the options asked for, where it goes, and what the status line reports. */
struct cmd_record {
	const char *outpath, *format;
	double duration;
	long rate;
	bool stop_all, no_sampling, subprocesses, no_sandbox;
	struct options_targets targets;
	struct launch launch;		/* launch mode: the command started */
	bool launched;
	const struct output_format *fmt;
	struct output_opts oopts;
	void *fmtstate;			/* fmt's state between begin and end */
	FILE *out;
	struct session *session;	/* owned */
	struct profile *summary;	/* owned */
	bool status;			/* a live status line on stderr */
	bool unusable;			/* nothing could be captured (permission, ...) */
	uint64_t samples;
	uint64_t pause_sum_us, pause_max_us;
	size_t threads;			/* in the last snapshot */
};

static void
cmd_record_help(void)
{
	printf("usage: holdup record [OPTIONS] PID\n"
	    "       holdup record [OPTIONS] -- COMMAND [ARGS...]\n\n"
	    "Samples every thread of PID (running, runnable, blocked, waiting, sleeping, io: all of them)\n"
	    "and writes a wait profile: where threads spend their time and on which locks.\n"
	    "With -- COMMAND, starts COMMAND, records it until it exits and exits with its status.\n\n"
	    "  -r, --rate HZ         snapshots per second (default 10, at most 1000)\n"
	    "  -d, --duration SECS   stop after SECS seconds (default: until Ctrl-C or the target exits)\n"
	    "  -o, --output FILE     write to FILE (default: standard output)\n"
	    "  -f, --format FORMAT   pprof, folded, json, json-array or speedscope; default pprof for FILE\n"
	    "                        ending in .pb.gz or .pprof, json for .jsonl, speedscope for\n"
	    "                        .speedscope.json, json-array for other .json, folded otherwise\n"
	    "  --subprocesses        the target's descendants too, as they come and go; each stack's\n"
	    "                        root names its process (folded: \"PID COMM\"; pprof: labels)\n"
	    "  --stop-all            stop every thread per sample, even those blocked in the kernel\n"
	    "  --no-sampling         stop running threads with ptrace for each snapshot instead of\n"
	    "                        reading their registers and stacks from perf_event samples\n"
	    "  --no-sandbox          analyse with holdup's full privileges (by default, once the output\n"
	    "                        is open, holdup keeps only what capturing needs; see holdup(1))\n\n"
	    "pprof: gzipped profile.proto for go tool pprof; sample types samples/count and wall/nanoseconds;\n"
	    "  labels state, wait, lock (\"mutex accounts_lock\"), thread, tid.\n"
	    "folded: \"state;outermost;...;innermost[;[lock]] count\" lines for flamegraph.pl or speedscope.\n"
	    "json: one JSON object per snapshot per line (JSON Lines), as holdup dump --json writes it.\n"
	    "json-array: one JSON document, an array of those objects.\n"
	    "speedscope: speedscope's file format, one timeline per thread (when each began to wait).\n"
	    "A summary of the locks with the most waiting goes to standard error (standard output with -o).\n");
}

static bool
cmd_record_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *
cmd_record_default_format(const char *path)
{
	if (path == NULL)
		return "folded";
	if (cmd_record_suffix(path, ".pb.gz") || cmd_record_suffix(path, ".pprof") || cmd_record_suffix(path, ".pb"))
		return "pprof";
	/* .jsonl is JSON Lines; .json one JSON document (an array of snapshots), never JSON Lines */
	if (cmd_record_suffix(path, ".jsonl"))
		return "json";
	if (cmd_record_suffix(path, ".json"))
		return cmd_record_suffix(path, ".speedscope.json") ? "speedscope" : "json-array";
	return "folded";
}

static void
cmd_record_status(const struct cmd_record *r, bool final)
{
	const struct session *s = r->session;
	double el = (double)(util_now_ns() - s->ticker.start_ns) / 1e9;

	fprintf(stderr, "\r%" PRIu64 " samples  %.1fs  pause mean %" PRIu64 " us, worst %" PRIu64 " us  %zu threads",
	    r->samples, el, r->samples ? r->pause_sum_us / r->samples : 0, r->pause_max_us, r->threads);
	if (s->ticker.missed > 0)
		fprintf(stderr, "  %" PRIu64 " ticks missed", s->ticker.missed);
	fputs(final ? "\033[K\n" : "\033[K", stderr);
	fflush(stderr);
}

/* The options and the PID (or command); false when the command is done, returning *rc. */
static bool
cmd_record_options(int *rc, struct cmd_record *r, int argc, char **argv)
{
	const struct options_spec specs[] = {
		{ "rate", 'r', OPTIONS_COUNT, &r->rate, .min = 1, .max = 1000,
		    .error = "--rate wants snapshots per second, 1-1000" },
		{ "duration", 'd', OPTIONS_SECONDS, &r->duration, .min = 0, .min_open = true, .max = 1e7,
		    .error = "--duration wants a positive number of seconds" },
		{ "output", 'o', OPTIONS_STRING, &r->outpath },
		{ "format", 'f', OPTIONS_STRING, &r->format },
		{ "stop-all", 0, OPTIONS_FLAG, &r->stop_all },
		{ "no-sampling", 0, OPTIONS_FLAG, &r->no_sampling },
		{ "subprocesses", 0, OPTIONS_FLAG, &r->subprocesses },
		{ "no-sandbox", 0, OPTIONS_FLAG, &r->no_sandbox },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	switch (options_parse_targets(argc, argv, specs, OPTIONS_TARGET_COMMAND, &r->targets)) {
	case OPTIONS_HELP:
		cmd_record_help();
		*rc = EXIT_OK;
		return false;
	case OPTIONS_USAGE:
		*rc = EXIT_USAGE;
		return false;
	default: break;
	}
	if (r->format == NULL)
		r->format = cmd_record_default_format(r->outpath);
	if (strcmp(r->format, "pprof") != 0 && strcmp(r->format, "folded") != 0 && strcmp(r->format, "json") != 0 &&
	    strcmp(r->format, "json-array") != 0 && strcmp(r->format, "speedscope") != 0) {
		fprintf(stderr, "holdup: --format wants pprof, folded, json, json-array or speedscope\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if (strcmp(r->format, "json") == 0 && r->outpath != NULL && cmd_record_suffix(r->outpath, ".json")) {
		/* a .json file that is not one JSON document would fail every JSON reader */
		fprintf(stderr, "holdup: --format json writes JSON Lines: name the file .jsonl, or use "
		    "--format json-array for one JSON document\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if ((r->fmt = output_find(r->format)) == NULL) {
		fprintf(stderr, "holdup: format %s is not available\n", r->format);
		*rc = EXIT_ERROR;
		return false;
	}
	if (r->outpath == NULL && strcmp(r->format, "pprof") == 0 && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "holdup: pprof output is binary; use -o FILE\n");
		*rc = EXIT_USAGE;
		return false;
	}
	return true;
}

/* Opens -o's file; 0, or -1 after saying why. */
static int
cmd_record_output(struct cmd_record *r)
{
	struct err oe;

	if ((r->out = options_open_output(r->outpath, &oe)) == NULL) {
		r->out = stdout;
		fprintf(stderr, "holdup: %s\n", oe.msg);
		return -1;
	}
	return 0;
}

/* Attaches and opens the output; 0, or -1 after saying why. */
static int
cmd_record_open(struct cmd_record *r, pid_t pid)
{
	struct session_opts so;
	struct err e = { "" };

	memset(&so, 0, sizeof so);
	capture_opts_default(&so.capture);
	so.capture.stop_all = r->stop_all;
	so.period_ns = 1000000000ULL / (uint64_t)r->rate;
	if (!r->no_sampling)
		so.capture.sample_ns = capture_sample_ns_for(so.period_ns);
	so.backlog = CMD_RECORD_BACKLOG;
	so.duration_ns = (uint64_t)(r->duration * 1e9);
	so.subprocesses = r->subprocesses;
	so.launch = r->launched ? &r->launch : NULL;
	if (session_open(pid, &so, &r->session, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return -1;
	}
	/* Opened before the first snapshot so a bad path fails at once, not after an hour (in launch
	 * mode before the command starts: cmd_record_output). */
	if (r->outpath != NULL && r->out == stdout && cmd_record_output(r) < 0)
		return -1;
	/* record writes nothing but its output: no broker */
	if (session_confine(r->session, r->no_sandbox, NULL, NULL, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return -1;
	}
	r->oopts.rate_hz = (int)r->rate;
	r->oopts.processes = r->subprocesses;
	r->oopts.duration_s = r->duration;
	r->fmtstate = r->fmt->begin(r->out, &r->oopts);
	r->summary = profile_new();
	r->status = isatty(STDERR_FILENO);
	return 0;
}

/* Takes one snapshot into the profile; -1 when the output cannot be written any more. */
static int
cmd_record_add(struct cmd_record *r, const struct snapshot *snap)
{
	if (r->fmt->add(r->fmtstate, snap) < 0) {
		/* A closed pipe or a full disk: nothing more can be written. */
		fprintf(stderr, "%sholdup: writing %s: %s\n", r->status ? "\n" : "",
		    r->outpath ? r->outpath : "output", strerror(errno));
		return -1;
	}
	profile_add(r->summary, snap);
	r->samples++;
	r->pause_sum_us += snap->pause_us;
	if (snap->pause_us > r->pause_max_us)
		r->pause_max_us = snap->pause_us;
	r->threads = snap->nthreads;
	return 0;
}

/* Samples until the duration, a quit signal, the target's exit or a write error; why it stopped. */
static const char *
cmd_record_loop(struct cmd_record *r, bool *write_failed)
{
	bool warm = false;
	char msg[600];

	for (;;) {
		struct snapshot *snap = NULL;

		switch (session_next(r->session, &snap)) {
		case SESSION_QUIT: return "interrupted";
		case SESSION_END: return "duration reached";
		case SESSION_GONE: return r->launched ? "the command exited" : "the target exited";
		case SESSION_IDLE: break;
		case SESSION_UNUSABLE:
			fprintf(stderr, "%sholdup: %s\n", r->status ? "\n" : "", session_error(r->session, msg, sizeof msg));
			r->unusable = true;
			return "nothing could be captured";
		case SESSION_FAILED:
			/* A transient failure loses one sample, not the recording. */
			if (r->session->first_failure)
				fprintf(stderr, "%sholdup: %s\n", r->status ? "\n" : "",
				    session_error(r->session, msg, sizeof msg));
			break;
		case SESSION_SNAPSHOT:
			if (cmd_record_add(r, snap) < 0) {
				snapshot_free(snap);
				*write_failed = true;
				return "stopped";
			}
			break;
		}
		snapshot_free(snap);
		if (r->status)
			cmd_record_status(r, false);
		if (r->samples == 1 && !warm) {
			/* The first analysis loads symbols and debug info (often most of a second): the
			 * schedule starts once it is done, so it costs neither ticks nor duration. */
			warm = true;
			session_ticker_restart(&r->session->ticker);
		}
	}
}

/* Ends the output and prints the summary; the exit status. */
static int
cmd_record_finish(struct cmd_record *r, const char *why, bool write_failed)
{
	const struct session *s = r->session;
	/* a profile of nothing is no answer: say so in the exit status too (a launched command
	 * that was done before the first sample is no failure of holdup's) */
	int rc = write_failed || r->unusable || (r->samples == 0 && !r->launched) ? EXIT_ERROR : EXIT_OK;
	FILE *sumf;

	if (r->status)
		cmd_record_status(r, true);
	if (r->fmt->end(r->fmtstate) < 0 && !write_failed) {
		fprintf(stderr, "holdup: writing %s: %s\n", r->outpath ? r->outpath : "output", strerror(errno));
		rc = EXIT_ERROR;
	}
	r->fmtstate = NULL;
	fprintf(stderr, "holdup: %s; %" PRIu64 " samples in %.1fs", why, r->samples,
	    (double)(util_now_ns() - s->ticker.start_ns) / 1e9);
	if (s->ticker.missed > 0)
		fprintf(stderr, ", %" PRIu64 " ticks missed (snapshots slower than the rate)", s->ticker.missed);
	if (s->failed > 0)
		fprintf(stderr, ", %" PRIu64 " snapshots failed", s->failed);
	if (s->subprocesses)
		fprintf(stderr, ", %" PRIu64 " descendant%s joined", s->joined, s->joined == 1 ? "" : "s");
	if (r->outpath != NULL)
		fprintf(stderr, "; wrote %s", r->outpath);
	fputc('\n', stderr);
	/* The summary must not mix into profile data on standard output. */
	sumf = r->outpath != NULL ? stdout : stderr;
	profile_write_summary(r->summary, sumf, (int)r->rate, 10, 3);
	fflush(sumf);
	return rc;
}

/* Launch mode: starts the command; -1 (rc set) when it could not be started. */
static int
cmd_record_launch(struct cmd_record *r, pid_t *pid, int *rc)
{
	struct err e = { "" };

	if (r->targets.command == NULL) {
		*pid = r->targets.pids[0];
		return 0;
	}
	/* a bad -o path must not start the command and leave it to run unobserved */
	if (r->outpath != NULL && cmd_record_output(r) < 0) {
		*rc = EXIT_ERROR;
		return -1;
	}
	if (launch_start(r->targets.command, &r->launch, rc, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return -1;
	}
	r->launched = true;
	*pid = r->launch.pid;
	return 0;
}

int
cmd_record(int argc, char **argv)
{
	struct cmd_record r;
	const char *why;
	bool write_failed = false;
	int rc = EXIT_ERROR;
	pid_t pid;

	memset(&r, 0, sizeof r);
	r.rate = 10;
	r.out = stdout;
	if (!cmd_record_options(&rc, &r, argc, argv)) {
		options_targets_free(&r.targets);
		return rc;
	}
	if (cmd_record_launch(&r, &pid, &rc) < 0) {
		if (r.out != stdout)
			fclose(r.out);
		goto done;
	}
	rc = EXIT_ERROR;
	if (cmd_record_open(&r, pid) == 0) {
		fprintf(stderr, "holdup: recording %s %d%s at %ld Hz", r.launched ? "command" : "pid", (int)pid,
		    r.subprocesses ? " and its descendants" : "", r.rate);
		if (r.duration > 0)
			fprintf(stderr, " for %gs", r.duration);
		fprintf(stderr, " into %s (%s); Ctrl-C stops\n", r.outpath != NULL ? r.outpath : "standard output",
		    r.format);
		why = cmd_record_loop(&r, &write_failed);
		rc = cmd_record_finish(&r, why, write_failed);
	}
	if (r.fmtstate != NULL)
		r.fmt->end(r.fmtstate);
	if (r.out != stdout && fclose(r.out) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "holdup: %s: %s\n", r.outpath, strerror(errno));
		rc = EXIT_ERROR;
	}
	profile_free(r.summary);
	session_close(r.session);
	if (r.launched)
		rc = cmd_launch_status(&r.launch, rc);
done:
	options_targets_free(&r.targets);
	return rc;
}
