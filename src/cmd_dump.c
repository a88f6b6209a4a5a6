/* cmd_dump.c - holdup dump: one snapshot of every thread, analysed and printed as text or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "capture.h"
#include "cmd.h"
#include "json.h"
#include "options.h"
#include "output.h"
#include "output_core.h"
#include "outcap.h"
#include "output_select.h"
#include "proctree.h"
#include "sandbox.h"
#include "signals.h"

static void
cmd_dump_help(void)
{
	printf("usage: holdup dump [OPTIONS] PID [PID...]\n"
	    "       holdup dump [OPTIONS] [--exe PATH] [--sysroot DIR] CORE\n\n"
	    "Prints every thread's state, stack, the locks it holds and waits for, and deadlocks,\n"
	    "of running processes or from an ELF core file (gcore, the kernel's, coredumpctl dump).\n"
	    "Several PIDs (or -p 12,13): one snapshot per process, one after another.\n\n"
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
	    "  --subprocesses      each PID's descendants too (pre-fork servers, process trees)\n"
	    "  --exe PATH          a core's executable is PATH (not the path the core names)\n"
	    "  --sysroot DIR       a core's libraries and debug files are under DIR (default /)\n"
	    "  --color, --no-color colour in text output (default: when writing to a terminal)\n"
	    "  --save FILE         also write what was read as an ELF core FILE (one PID only; created\n"
	    "                      0600, never overwritten) that `holdup dump FILE` reads offline;\n"
	    "                      implies --stop-all (a core holds every thread's registers)\n"
	    "  --max-frames N      frames of all threads of one snapshot (default 1000000): threads\n"
	    "                      after it are not unwound, and the dump says so\n"
	    "  --max-output-bytes N  all the dump writes (default 512 MiB): a longer text is cut there,\n"
	    "                      longer JSON replaced by a note (in a file; cut in a pipe, exit 1)\n"
	    "  --no-sandbox        parse with holdup's full privileges (by default, after the last\n"
	    "                      capture a root holdup becomes nobody with only the capabilities\n"
	    "                      reading needs, under a seccomp filter and resource limits)\n\n"
	    "exit status: 0 ok, 1 error (some process could not be read), 2 usage, 3 a deadlock was\n"
	    "found (in any of the processes)\n");
}

/* What dump was asked for. */
struct cmd_dump {
	struct capture_opts copts;
	struct output_opts oopts;
	const char *outpath, *format;
	int color;
	bool subprocesses;
	struct options_targets targets;	/* PIDs, or .path: a core file */
	struct unwind_files files;	/* a core's --sysroot and --exe */
	bool multi;		/* several processes: a header per process, JSON wrapped in "processes" */
	size_t nerrors;		/* processes that could not be read */
	bool deadlock;		/* some process has one */
	bool no_sandbox;	/* --no-sandbox */
	bool out_failed;	/* -o could not be opened (said so) */
	long max_output_bytes;	/* --max-output-bytes: all that is written, at most */
	long max_frames;	/* --max-frames: frames of all threads of one snapshot, at most */
	pid_t last_pid;		/* the last process dumped, for a note replacing cut JSON */
	const char *save;	/* --save FILE: the capture written as an ELF core, or NULL */
};

/* The options and the PIDs; false when the command is done, returning *rc. */
static bool
cmd_dump_options(int *rc, int argc, char **argv, struct cmd_dump *d)
{
	long stack_bytes = (long)d->copts.stack_bytes, stop_timeout = d->copts.stop_timeout_ms;
	bool json = false;
	const char *fmt = NULL, *fstate = NULL, *ftid = NULL, *flock = NULL;
	static struct output_filter filter;	/* lives as long as the dump: oopts borrows it */
	struct err fe;
	const struct options_spec specs[] = {
		{ "json", 'j', OPTIONS_FLAG, &json },
		{ "format", 'f', OPTIONS_STRING, &fmt },
		{ "output", 'o', OPTIONS_STRING, &d->outpath },
		{ "stop-all", 0, OPTIONS_FLAG, &d->copts.stop_all },
		{ "stack-bytes", 0, OPTIONS_COUNT, &stack_bytes, .min = 0, .max = 8 << 20,
		    .error = "--stack-bytes wants a number of bytes up to 8 MiB" },
		{ "stop-timeout", 0, OPTIONS_COUNT, &stop_timeout, .min = 1, .max = 60000,
		    .error = "--stop-timeout wants milliseconds (1-60000)" },
		{ "group", 0, OPTIONS_FLAG, &d->oopts.group },
		{ "no-group", 0, OPTIONS_FLAG, &d->oopts.no_group },
		{ "state", 0, OPTIONS_STRING, &fstate },
		{ "tid", 0, OPTIONS_STRING, &ftid },
		{ "lock", 0, OPTIONS_STRING, &flock },
		{ "color", 0, OPTIONS_CHOICE, &d->color, .value = 1 },
		{ "no-color", 0, OPTIONS_CHOICE, &d->color, .value = 0 },
		{ "subprocesses", 0, OPTIONS_FLAG, &d->subprocesses },
		{ "exe", 0, OPTIONS_STRING, &d->files.exe },
		{ "sysroot", 0, OPTIONS_STRING, &d->files.sysroot },
		{ "no-sandbox", 0, OPTIONS_FLAG, &d->no_sandbox },
		{ "save", 0, OPTIONS_STRING, &d->save },
		{ "max-frames", 0, OPTIONS_COUNT, &d->max_frames, .min = 1, .max = 1L << 40,
		    .error = "--max-frames wants a number of frames (at least 1)" },
		{ "max-output-bytes", 0, OPTIONS_COUNT, &d->max_output_bytes, .min = 4096, .max = 1L << 50,
		    .error = "--max-output-bytes wants a number of bytes (at least 4096)" },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	switch (options_parse_targets(argc, argv, specs, OPTIONS_TARGET_MANY | OPTIONS_TARGET_FILE, &d->targets)) {
	case OPTIONS_HELP:
		cmd_dump_help();
		*rc = EXIT_OK;
		return false;
	case OPTIONS_USAGE:
		*rc = EXIT_USAGE;
		return false;
	default: break;
	}
	if (d->targets.path == NULL && (d->files.exe != NULL || d->files.sysroot != NULL)) {
		fprintf(stderr, "holdup: --exe and --sysroot are for a core file; a live process names its own files\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if (d->targets.path != NULL && d->subprocesses) {
		fprintf(stderr, "holdup: --subprocesses is for a live process, not a core file\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if (d->save != NULL && (d->targets.path != NULL || d->targets.npids != 1 || d->subprocesses)) {
		fprintf(stderr, "holdup: --save writes one live process: give exactly one PID (no core file, no --subprocesses)\n");
		*rc = EXIT_USAGE;
		return false;
	}
	/* a saved core needs every thread's registers: only a stop gives them */
	if (d->save != NULL)
		d->copts.stop_all = true;
	d->copts.stack_bytes = (size_t)stack_bytes;
	d->copts.stop_timeout_ms = (int)stop_timeout;
	d->format = json ? "json" : "text";
	if (fmt != NULL && ((strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "dot") != 0) ||
	    (json && strcmp(fmt, "json") != 0))) {
		fprintf(stderr, "holdup: --format wants text, json or dot (and --json only goes with json)\n");
		*rc = EXIT_USAGE;
		return false;
	}
	if (fmt != NULL)
		d->format = fmt;
	if (output_filter_parse(&filter, fstate, ftid, flock, &fe) < 0) {
		fprintf(stderr, "holdup: %s\n", fe.msg);
		*rc = EXIT_USAGE;
		return false;
	}
	d->oopts.filter = &filter;
	return true;
}

static int cmd_dump_open(struct cmd_dump *d, FILE **out);

/* After the last capture nothing needs ptrace or writes a file but the output: that is opened,
 * then holdup confines itself (sandbox.h) before parsing the target's memory, ELF and DWARF. */
static int
cmd_dump_confine(struct cmd_dump *d, FILE **outp, struct err *e)
{
	struct sandbox_limits l = { .cpu_seconds = SANDBOX_CPU_SECONDS, .as_bytes = SANDBOX_AS_BYTES };

	if (cmd_dump_open(d, outp) < 0) {
		d->out_failed = true;
		return err_set(e, "no output");
	}
	if (sandbox_enter(&l, e) < 0)
		return err_prefix(e, "not parsing the target's data with full privileges (--no-sandbox would): ");
	return 0;
}

/* One process's snapshot, analysed; NULL after saying why (on stderr, and in JSON's "errors").
 * last: no capture follows, so the analysis may run confined. */
static struct snapshot *cmd_dump_take_snap(struct cmd_dump *d, pid_t pid, FILE **outp, bool last, struct err *e);

static struct snapshot *
cmd_dump_take(struct cmd_dump *d, pid_t pid, FILE **outp, bool last, struct err *e)
{
	struct snapshot *snap = NULL;
	int savefd = -1;

	/* created first: an existing file is refused before the target is touched */
	if (d->save != NULL && (savefd = output_core_create(d->save, e)) < 0) {
		err_prefix(e, "--save ");
		return NULL;
	}
	snap = cmd_dump_take_snap(d, pid, outp, last, e);
	if (savefd >= 0) {
		if (snap != NULL && output_core_save(snap, savefd, e) < 0) {
			snapshot_free(snap);
			snap = NULL;
		}
		close(savefd);
	}
	return snap;
}

/* Captures and analyses one process or core; NULL with e set on failure. */
static struct snapshot *
cmd_dump_take_snap(struct cmd_dump *d, pid_t pid, FILE **outp, bool last, struct err *e)
{
	struct capture *cap = NULL;
	struct analyzer *an = NULL;
	struct snapshot *snap = NULL;

	if (d->targets.path != NULL) {
		struct capture_core_opts ko = { .stack_bytes = d->copts.stack_bytes };

		if (capture_open_core(d->targets.path, &ko, &cap, e) < 0)
			return NULL;
		/* a core's files are under the sysroot: found before anything is read */
		if ((an = analyze_new_files(&d->files, e)) == NULL) {
			capture_close(cap);
			return NULL;
		}
	} else if (capture_open(pid, &d->copts, &cap, e) < 0)
		return NULL;
	if (capture_snapshot(cap, &snap, e) < 0) {
		capture_close(cap);
		if (an != NULL)
			analyze_free(an);
		return NULL;
	}
	/* The target runs again from here on; everything below works on the copies. */
	capture_close(cap);
	if (d->save != NULL)
		snapshot_record_reads(snap);
	if (an == NULL)
		an = analyze_new(pid);
	if (analyze_prefetch(an, snap, e) < 0) {
		/* not fatal: the analysis says what it could not find */
		fprintf(stderr, "holdup: debuginfod: %s\n", e->msg);
		e->msg[0] = '\0';
	}
	if (last && !d->no_sandbox && cmd_dump_confine(d, outp, e) < 0) {
		snapshot_free(snap);
		if (an != NULL)
			analyze_free(an);
		return NULL;
	}
	if (signals_quit_requested()) {
		err_set(e, "interrupted");
		snapshot_free(snap);
		if (an != NULL)
			analyze_free(an);
		return NULL;
	}
	snapshot_budget_set(snap, ANALYZE_READ_BUDGET, 0);
	snap->budget->frame_max = (uint64_t)d->max_frames;
	if (analyze_snapshot(an, snap, e) < 0) {
		snapshot_free(snap);
		snap = NULL;
	}
	analyze_free(an);
	return snap;
}

/* The processes to dump: the PIDs given, with --subprocesses their descendants after them. */
static size_t
cmd_dump_pids(struct cmd_dump *d, pid_t **out)
{
	int n, truncated = 0;
	struct err e;

	if (!d->subprocesses) {
		size_t k = 0;

		/* each process once, in the order first given */
		*out = xcalloc(d->targets.npids, sizeof **out);
		for (size_t i = 0; i < d->targets.npids; i++) {
			bool dup = false;

			for (size_t j = 0; j < k && !dup; j++)
				dup = (*out)[j] == d->targets.pids[i];
			if (!dup)
				(*out)[k++] = d->targets.pids[i];
		}
		return k;
	}
	*out = xcalloc(PROCTREE_MAX, sizeof **out);
	n = proctree_list("/proc", d->targets.pids, d->targets.npids, *out, PROCTREE_MAX, &truncated, &e);
	if (n < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		n = 0;
	}
	if (truncated)
		fprintf(stderr, "holdup: more than %d processes in the tree: the first %d are shown\n", PROCTREE_MAX, n);
	/* a PID asked for that does not exist is still tried, so it is reported */
	for (size_t i = 0; i < d->targets.npids; i++) {
		bool listed = false;

		for (int j = 0; j < n && !listed; j++)
			listed = (*out)[j] == d->targets.pids[i];
		if (!listed && n < PROCTREE_MAX)
			(*out)[n++] = d->targets.pids[i];
	}
	return (size_t)n;
}

static bool
cmd_dump_asked(const struct cmd_dump *d, pid_t pid)
{
	for (size_t i = 0; i < d->targets.npids; i++)
		if (d->targets.pids[i] == pid)
			return true;
	return false;
}

/* One "errors" entry of the JSON wrapper. */
static void
cmd_dump_json_error(FILE *out, bool first, pid_t pid, const char *msg)
{
	struct jw w;

	if (!first)
		fputc(',', out);
	jw_init(&w, out, false);
	jw_object_begin(&w);
	jw_kint(&w, "pid", pid);
	jw_kstring(&w, "error", msg);
	jw_object_end(&w);
	jw_done(&w);
}

/* Opens -o's file (or takes standard output) when there is something to write: a single dump
 * that failed leaves no empty file behind. -1 after saying why. */
static int
cmd_dump_open(struct cmd_dump *d, FILE **out)
{
	struct err oe;

	if (*out != NULL)
		return 0;
	if (d->outpath == NULL)
		*out = stdout;
	else if ((*out = options_open_output(d->outpath, &oe)) == NULL) {
		fprintf(stderr, "holdup: %s\n", oe.msg);
		return -1;
	}
	/* --color forces it; otherwise a terminal gets colour unless NO_COLOR says no */
	d->oopts.color = d->color == 1 || (d->color == -1 && strcmp(d->format, "text") == 0 &&
	    isatty(fileno(*out)) && !util_no_color());
	return 0;
}

/* The output behind its budget (--max-output-bytes), opened on first use. NULL when -o cannot be opened. */
static FILE *
cmd_dump_stream(struct cmd_dump *d, FILE **outp, struct outcap *k, FILE **cap)
{
	if (*cap == NULL) {
		if (cmd_dump_open(d, outp) < 0)
			return NULL;
		*cap = outcap_open(k, *outp, (uint64_t)d->max_output_bytes);
	}
	return *cap;
}

/* Dumps every process in turn; -1 when the output cannot be written (or opened: *opened false). */
static int
cmd_dump_all(struct cmd_dump *d, FILE **outp, const pid_t *pids, size_t n)
{
	const struct output_format *fmt = output_find(d->format);
	bool json = strcmp(d->format, "json") == 0, first = true;
	char **errs = xcalloc(n ? n : 1, sizeof *errs);
	struct outcap k;
	FILE *out = NULL;
	int rc = 0;

	if (d->multi && (out = cmd_dump_stream(d, outp, &k, &out)) == NULL) {
		free(errs);
		return -2;
	}
	if (d->multi && json)
		fputs("{\"processes\":[\n", out);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct err e = { "" };
		struct snapshot *snap = cmd_dump_take(d, pids[i], outp, i + 1 == n, &e);

		if (snap == NULL && d->out_failed) {
			rc = -2;
			break;
		}
		if (snap == NULL) {
			/* a descendant that exited since it was listed is no error: it is just not there */
			bool asked = !d->subprocesses || cmd_dump_asked(d, pids[i]) || kill(pids[i], 0) == 0 || errno != ESRCH;

			fprintf(stderr, "holdup: %s%s\n", e.msg, asked ? "" : " (a descendant that exited: skipped)");
			if (asked) {
				d->nerrors++;
				errs[i] = xasprintf("%s", e.msg);
			}
			continue;
		}
		if (cmd_dump_stream(d, outp, &k, &out) == NULL) {
			snapshot_free(snap);
			rc = -2;
			break;
		}
		if (d->multi && !json)
			fprintf(out, "%s==== process %d (%zu of %zu) ====\n", first ? "" : "\n", (int)snap->pid, i + 1, n);
		else if (d->multi && !first)
			fputs(",\n", out);
		first = false;
		d->deadlock |= snap->ndeadlocks > 0;
		if (output_write(fmt, out, &d->oopts, snap) < 0)
			rc = -1;
		d->last_pid = snap->pid;
		snapshot_free(snap);
	}
	if (d->multi && json && rc == 0) {
		bool efirst = true;

		fputs("],\"errors\":[", out);
		for (size_t i = 0; i < n; i++)
			if (errs[i] != NULL) {
				cmd_dump_json_error(out, efirst, pids[i], errs[i]);
				efirst = false;
			}
		fputs("]}\n", out);
	}
	if (out != NULL) {
		if (fclose(out) != 0 && rc == 0)
			rc = -1;
		if (outcap_cut(&k)) {
			fprintf(stderr, "holdup: output budget %ld bytes reached (--max-output-bytes): the dump was %" PRIu64
			    " bytes; %s\n", d->max_output_bytes, k.total, !json ? "the text is cut there and says so" :
			    "the JSON is replaced by a note saying so");
			if (outcap_finish(&k, json, d->last_pid, "--max-output-bytes") < 0) {
				fprintf(stderr, "holdup: the output is not a file that can be rewritten: the JSON written is cut "
				    "short and does not parse\n");
				rc = -2;	/* said */
			}
		}
		if (rc == 0 && (fflush(*outp) != 0 || ferror(*outp)))
			rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(errs[i]);
	free(errs);
	return rc;
}

int
cmd_dump(int argc, char **argv)
{
	struct cmd_dump d;
	pid_t *pids = NULL;
	size_t n;
	int rc, wr;
	FILE *out = NULL;

	memset(&d, 0, sizeof d);
	capture_opts_default(&d.copts);
	d.copts.once = true;
	d.color = -1;
	d.format = "text";
	d.max_output_bytes = 512L << 20;
	d.max_frames = SNAPSHOT_FRAME_BUDGET;
	if (!cmd_dump_options(&rc, argc, argv, &d)) {
		options_targets_free(&d.targets);
		return rc;
	}
	rc = EXIT_ERROR;
	if (d.targets.path != NULL) {
		n = 1;
		pids = xcalloc(1, sizeof *pids);
	} else
		n = cmd_dump_pids(&d, &pids);
	/* one PID, no --subprocesses: the output is exactly one snapshot's, as it always was */
	d.multi = d.subprocesses || d.targets.npids > 1;
	if ((wr = cmd_dump_all(&d, &out, pids, n)) < 0) {
		if (wr == -1)
			fprintf(stderr, "holdup: writing %s: %s\n", d.outpath ? d.outpath : "output", strerror(errno));
		goto out;
	}
	rc = d.deadlock ? EXIT_DEADLOCK : d.nerrors > 0 ? EXIT_ERROR : EXIT_OK;
	if (d.multi && d.nerrors > 0)
		fprintf(stderr, "holdup: %zu of %zu processes could not be read\n", d.nerrors, n);
out:
	if (out != stdout && out != NULL && fclose(out) != 0 && rc != EXIT_ERROR) {
		fprintf(stderr, "holdup: %s: %s\n", d.outpath, strerror(errno));
		rc = EXIT_ERROR;
	}
	free(pids);
	options_targets_free(&d.targets);
	return rc;
}
