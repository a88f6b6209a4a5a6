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
#include "signals.h"

static void
cmd_dump_help(void)
{
	printf("usage: holdup dump [OPTIONS] PID\n"
	    "       holdup dump [OPTIONS] [--exe PATH] [--sysroot DIR] CORE\n\n"
	    "Prints every thread's state, stack, the locks it holds and waits for, and deadlocks,\n"
	    "of a running process or from an ELF core file (gcore, the kernel's, coredumpctl dump).\n\n"
	    "  --json              JSON instead of text (schema: doc/json-schema.md)\n"
	    "  -o, --output FILE   write to FILE instead of standard output\n"
	    "  --stop-all          stop every thread, even those blocked in the kernel\n"
	    "  --stack-bytes N     bytes of each stack copied while stopped (default 32768)\n"
	    "  --stop-timeout MS   give up on a thread that does not stop within MS (default 200)\n"
	    "  --exe PATH          a core's executable is PATH (not the path the core names)\n"
	    "  --sysroot DIR       a core's libraries and debug files are under DIR (default /)\n"
	    "  --group             group goroutines that share a stack (Go programs)\n"
	    "  --color, --no-color colour in text output (default: when writing to a terminal)\n\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 a deadlock was found\n");
}

/* What dump looks at: a live process (pid) or a core file (core, with its files' options). */
struct cmd_dump_target {
	pid_t pid;
	const char *core;		/* the core file's path, NULL for a process */
	struct unwind_files files;	/* --sysroot, --exe */
};

/* The options and the PID; false when the command is done, returning *rc. *format gets the output format. */
static bool
cmd_dump_options(int *rc, int argc, char **argv, struct capture_opts *copts, struct output_opts *oopts,
    const char **outpath, const char **format, int *color, struct cmd_dump_target *tg)
{
	long stack_bytes = (long)copts->stack_bytes, stop_timeout = copts->stop_timeout_ms;
	bool json = false;
	const struct options_spec specs[] = {
		{ "json", 'j', OPTIONS_FLAG, &json },
		{ "output", 'o', OPTIONS_STRING, outpath },
		{ "stop-all", 0, OPTIONS_FLAG, &copts->stop_all },
		{ "stack-bytes", 0, OPTIONS_COUNT, &stack_bytes, .min = 0, .max = 8 << 20,
		    .error = "--stack-bytes wants a number of bytes up to 8 MiB" },
		{ "stop-timeout", 0, OPTIONS_COUNT, &stop_timeout, .min = 1, .max = 60000,
		    .error = "--stop-timeout wants milliseconds (1-60000)" },
		{ "group", 0, OPTIONS_FLAG, &oopts->group },
		{ "exe", 0, OPTIONS_STRING, &tg->files.exe },
		{ "sysroot", 0, OPTIONS_STRING, &tg->files.sysroot },
		{ "color", 0, OPTIONS_CHOICE, color, .value = 1 },
		{ "no-color", 0, OPTIONS_CHOICE, color, .value = 0 },
		{ NULL, 0, OPTIONS_END, NULL },
	};

	switch (options_parse_target(argc, argv, specs, &tg->pid, &tg->core)) {
	case OPTIONS_HELP:
		cmd_dump_help();
		*rc = EXIT_OK;
		return false;
	case OPTIONS_USAGE:
		*rc = EXIT_USAGE;
		return false;
	default: break;
	}
	if (tg->core == NULL && (tg->files.exe != NULL || tg->files.sysroot != NULL)) {
		fprintf(stderr, "holdup: --exe and --sysroot are for a core file; a live process names its own files\n");
		*rc = EXIT_USAGE;
		return false;
	}
	copts->stack_bytes = (size_t)stack_bytes;
	copts->stop_timeout_ms = (int)stop_timeout;
	*format = json ? "json" : "text";
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
	struct cmd_dump_target tg = { 0 };
	FILE *out = stdout;

	capture_opts_default(&copts);
	memset(&oopts, 0, sizeof oopts);
	if (!cmd_dump_options(&rc, argc, argv, &copts, &oopts, &outpath, &format, &color, &tg))
		return rc;
	rc = EXIT_ERROR;

	if (tg.core != NULL) {
		struct capture_core_opts ko = { .stack_bytes = copts.stack_bytes };

		if (capture_open_core(tg.core, &ko, &cap, &e) < 0) {
			fprintf(stderr, "holdup: %s\n", e.msg);
			return EXIT_ERROR;
		}
		/* a core's files are under the sysroot: found before anything is read */
		if ((an = analyze_new_files(&tg.files, &e)) == NULL) {
			fprintf(stderr, "holdup: %s\n", e.msg);
			capture_close(cap);
			return EXIT_ERROR;
		}
	} else if (capture_open(tg.pid, &copts, &cap, &e) < 0) {
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
	if (an == NULL)
		an = analyze_new(tg.pid);
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
