/* cmd_record.c - holdup record: samples every thread's stack and wait state at a steady rate into a profile. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "capture.h"
#include "cmd.h"
#include "output.h"
#include "profile.h"
#include "signals.h"
#include "util.h"

#define CMD_RECORD_BACKLOG 3	/* late ticks still taken, in periods */

static const struct option cmd_record_options[] = {
	{ "rate", required_argument, NULL, 'r' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "stop-all", no_argument, NULL, 'S' },
	{ "no-sampling", no_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the live status line and the summary report about the recording itself. */
struct cmd_record_stats {
	uint64_t samples;
	uint64_t missed;		/* ticks skipped because a snapshot took longer than the period */
	uint64_t failed;		/* snapshots that could not be taken or analysed */
	uint64_t pause_sum_us, pause_max_us;
	size_t threads;			/* in the last snapshot */
	uint64_t start_ns;
};

static void
cmd_record_help(void)
{
	printf("usage: holdup record [OPTIONS] PID\n\n"
	    "Samples every thread of PID (running, runnable, blocked, waiting, sleeping, io: all of them)\n"
	    "and writes a wait profile: where threads spend their time and on which locks.\n\n"
	    "  -r, --rate HZ         snapshots per second (default 10, at most 1000)\n"
	    "  -d, --duration SECS   stop after SECS seconds (default: until Ctrl-C or the target exits)\n"
	    "  -o, --output FILE     write to FILE (default: standard output)\n"
	    "  -f, --format FORMAT   pprof, folded or json; default pprof for FILE ending in .pb.gz or\n"
	    "                        .pprof, json for .json/.jsonl, folded otherwise\n"
	    "  --stop-all            stop every thread per sample, even those blocked in the kernel\n"
	    "  --no-sampling         stop running threads with ptrace for each snapshot instead of\n"
	    "                        reading their registers and stacks from perf_event samples\n\n"
	    "pprof: gzipped profile.proto for go tool pprof; sample types samples/count and wall/nanoseconds;\n"
	    "  labels state, wait, lock (\"mutex accounts_lock\"), thread, tid.\n"
	    "folded: \"state;outermost;...;innermost[;[lock]] count\" lines for flamegraph.pl or speedscope.\n"
	    "json: one JSON object per snapshot per line (JSON Lines), as holdup dump --json writes it.\n"
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
	if (cmd_record_suffix(path, ".json") || cmd_record_suffix(path, ".jsonl"))
		return "json";
	return "folded";
}

static void
cmd_record_status(const struct cmd_record_stats *st, bool final)
{
	double el = (double)(util_now_ns() - st->start_ns) / 1e9;

	fprintf(stderr, "\r%" PRIu64 " samples  %.1fs  pause mean %" PRIu64 " us, worst %" PRIu64 " us  %zu threads",
	    st->samples, el, st->samples ? st->pause_sum_us / st->samples : 0, st->pause_max_us, st->threads);
	if (st->missed > 0)
		fprintf(stderr, "  %" PRIu64 " ticks missed", st->missed);
	fputs(final ? "\033[K\n" : "\033[K", stderr);
	fflush(stderr);
}

/* Sleeps until the absolute monotonic time t (ns); returns early on a signal. */
static void
cmd_record_sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000), (long)(t % 1000000000) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int
cmd_record(int argc, char **argv)
{
	struct capture_opts copts;
	struct output_opts oopts;
	struct cmd_record_stats st;
	struct capture *cap = NULL;
	struct analyzer *an = NULL;
	struct profile *summary = NULL;
	const struct output_format *fmt = NULL;
	void *fmtstate = NULL;
	struct err e = { "" };
	const char *outpath = NULL, *format = NULL, *why = "stopped";
	double duration = 0;
	long rate = 10;
	uint64_t period_ns, end_ns = 0, next;
	bool json, status, target_gone = false, warm = false, write_failed = false, stop_all = false;
	bool sampling = true;
	int c, rc = EXIT_ERROR;
	char *endp;
	pid_t pid;
	FILE *out = stdout, *sumf;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:o:f:h", cmd_record_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			errno = 0;
			rate = strtol(optarg, &endp, 10);
			if (errno != 0 || endp == optarg || *endp != '\0' || rate < 1 || rate > 1000) {
				fprintf(stderr, "holdup: --rate wants snapshots per second, 1-1000\n");
				return EXIT_USAGE;
			}
			break;
		case 'd':
			errno = 0;
			duration = strtod(optarg, &endp);
			if (errno != 0 || endp == optarg || *endp != '\0' || !(duration > 0) || duration > 1e7) {
				fprintf(stderr, "holdup: --duration wants a positive number of seconds\n");
				return EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case 'f': format = optarg; break;
		case 'S': stop_all = true; break;
		case 'P': sampling = false; break;
		case 'h': cmd_record_help(); return EXIT_OK;
		default: return cmd_usage("record");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("record");
	if (cmd_parse_pid(argv[optind], &pid) < 0)
		return EXIT_USAGE;
	if (format == NULL)
		format = cmd_record_default_format(outpath);
	if (strcmp(format, "pprof") != 0 && strcmp(format, "folded") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "holdup: --format wants pprof, folded or json\n");
		return EXIT_USAGE;
	}
	json = strcmp(format, "json") == 0;
	fmt = output_find(format);
	if (fmt == NULL) {
		fprintf(stderr, "holdup: format %s is not available\n", format);
		return EXIT_ERROR;
	}
	if (outpath == NULL && strcmp(format, "pprof") == 0 && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "holdup: pprof output is binary; use -o FILE\n");
		return EXIT_USAGE;
	}

	capture_opts_default(&copts);
	copts.stop_all = stop_all;
	if (sampling)
		copts.sample_ns = capture_sample_ns_for(1000000000ULL / (uint64_t)rate);
	if (capture_open(pid, &copts, &cap, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		return EXIT_ERROR;
	}
	/* Opened before the first snapshot so a bad path fails at once, not after an hour. */
	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "holdup: %s: %s\n", outpath, strerror(errno));
		out = stdout;
		goto out;
	}
	memset(&oopts, 0, sizeof oopts);
	oopts.rate_hz = (int)rate;
	oopts.duration_s = duration;
	if (!json)
		fmtstate = fmt->begin(out, &oopts);
	summary = profile_new();
	an = analyze_new(pid);
	status = isatty(STDERR_FILENO);
	memset(&st, 0, sizeof st);
	period_ns = 1000000000ULL / (uint64_t)rate;
	st.start_ns = next = util_now_ns();
	if (duration > 0)
		end_ns = st.start_ns + (uint64_t)(duration * 1e9);
	fprintf(stderr, "holdup: recording pid %d at %ld Hz", (int)pid, rate);
	if (duration > 0)
		fprintf(stderr, " for %gs", duration);
	fprintf(stderr, " into %s (%s); Ctrl-C stops\n", outpath != NULL ? outpath : "standard output", format);

	for (;;) {
		struct snapshot *snap = NULL;
		uint64_t now;

		if (signals_quit_requested()) {
			why = "interrupted";
			break;
		}
		if (end_ns != 0 && next >= end_ns) {
			why = "duration reached";
			break;
		}
		now = util_now_ns();
		if (now < next) {
			cmd_record_sleep_until(next);
			continue;	/* re-check quit and the end after a signal */
		}
		if (capture_snapshot(cap, &snap, &e) < 0) {
			if (!capture_target_alive(cap)) {
				target_gone = true;
				break;
			}
			/* A transient failure loses one sample, not the recording. */
			if (st.failed++ == 0)
				fprintf(stderr, "%sholdup: snapshot failed: %s\n", status ? "\n" : "", e.msg);
		} else if (analyze_snapshot(an, snap, &e) < 0) {
			if (st.failed++ == 0)
				fprintf(stderr, "%sholdup: analysis failed: %s\n", status ? "\n" : "", e.msg);
		} else {
			if (json && output_write(fmt, out, &oopts, snap) < 0) {
				/* A closed pipe or a full disk: nothing more can be written. */
				fprintf(stderr, "%sholdup: writing %s: %s\n", status ? "\n" : "",
				    outpath ? outpath : "output", strerror(errno));
				snapshot_free(snap);
				write_failed = true;
				break;
			}
			if (!json)
				fmt->add(fmtstate, snap);
			profile_add(summary, snap);
			st.samples++;
			st.pause_sum_us += snap->pause_us;
			if (snap->pause_us > st.pause_max_us)
				st.pause_max_us = snap->pause_us;
			st.threads = snap->nthreads;
		}
		snapshot_free(snap);
		if (status)
			cmd_record_status(&st, false);
		if (st.samples == 1 && !warm) {
			/* The first analysis loads symbols and debug info (often most of a second): the
			 * schedule starts once it is done, so it costs neither ticks nor duration. */
			warm = true;
			now = util_now_ns();
			st.start_ns = now;
			next = now + period_ns;
			if (duration > 0)
				end_ns = now + (uint64_t)(duration * 1e9);
			continue;
		}
		/* A fixed schedule keeps the rate. A tick that came late (a woken holdup may wait
		 * milliseconds for a busy CPU) is taken at once; only ticks more than CMD_RECORD_BACKLOG
		 * periods behind are skipped, so a stall does not turn into a burst of snapshots. */
		next += period_ns;
		now = util_now_ns();
		if (next + CMD_RECORD_BACKLOG * period_ns <= now) {
			uint64_t behind = (now - next) / period_ns - (CMD_RECORD_BACKLOG - 1);

			st.missed += behind;
			next += behind * period_ns;
		}
	}
	if (status)
		cmd_record_status(&st, true);
	if (target_gone)
		why = "the target exited";

	rc = write_failed ? EXIT_ERROR : EXIT_OK;
	if (!json) {
		int wrc = fmt->end(fmtstate);

		fmtstate = NULL;
		if (wrc < 0) {
			fprintf(stderr, "holdup: writing %s: %s\n", outpath ? outpath : "output", strerror(errno));
			rc = EXIT_ERROR;
		}
	} else if (!write_failed && (fflush(out) != 0 || ferror(out))) {
		fprintf(stderr, "holdup: writing %s: %s\n", outpath ? outpath : "output", strerror(errno));
		rc = EXIT_ERROR;
	}
	fprintf(stderr, "holdup: %s; %" PRIu64 " samples in %.1fs", why, st.samples,
	    (double)(util_now_ns() - st.start_ns) / 1e9);
	if (st.missed > 0)
		fprintf(stderr, ", %" PRIu64 " ticks missed (snapshots slower than the rate)", st.missed);
	if (st.failed > 0)
		fprintf(stderr, ", %" PRIu64 " snapshots failed", st.failed);
	if (outpath != NULL)
		fprintf(stderr, "; wrote %s", outpath);
	fputc('\n', stderr);
	/* The summary must not mix into profile data on standard output. */
	sumf = outpath != NULL ? stdout : stderr;
	profile_write_summary(summary, sumf, (int)rate, 10, 3);
	fflush(sumf);
out:
	if (fmtstate != NULL)
		fmt->end(fmtstate);
	if (out != stdout && fclose(out) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "holdup: %s: %s\n", outpath, strerror(errno));
		rc = EXIT_ERROR;
	}
	profile_free(summary);
	analyze_free(an);
	capture_close(cap);
	return rc;
}
