/* options.c - getopt_long driven by one table per command, and the number parsers behind it. */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

#define OPTIONS_MAX 32		/* options per command, --help included */
#define OPTIONS_LONG_ONLY 256	/* getopt value of spec i without a short name: 256 + i */

int
options_seconds(const char *arg, double min, bool min_open, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) || v > max)
		return -1;
	if (min_open ? !(v > min) : !(v >= min))
		return -1;
	*out = v;
	return 0;
}

int
options_count(const char *arg, long min, long max, long *out)
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
options_pid(const char *arg, pid_t *pid)
{
	long v;

	if (options_count(arg, 1, 4194304, &v) < 0) {
		/* a path here is most likely a core file given to a command that needs a live process */
		fprintf(stderr, "holdup: '%s' is not a process ID%s\n", arg,
		    access(arg, F_OK) == 0 ? " (a core file can be read only by holdup dump)" : "");
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

/* Stores one option's argument; -1 (message printed) for a bad value. */
static int
options_store(const struct options_spec *sp, const char *arg)
{
	long n;

	switch (sp->type) {
	case OPTIONS_FLAG:
		*(bool *)sp->dest = true;
		return 0;
	case OPTIONS_CHOICE:
		*(int *)sp->dest = sp->value;
		return 0;
	case OPTIONS_STRING:
		*(const char **)sp->dest = arg;
		return 0;
	case OPTIONS_SECONDS:
		if (options_seconds(arg, sp->min, sp->min_open, sp->max, sp->dest) == 0)
			return 0;
		break;
	case OPTIONS_COUNT:
		if (options_count(arg, (long)sp->min, (long)sp->max, &n) == 0) {
			*(long *)sp->dest = n;
			return 0;
		}
		break;
	default:
		break;
	}
	fprintf(stderr, "holdup: %s\n", sp->error);
	return -1;
}

/* The getopt_long tables for specs: short options in shortopts, all of them in longopts. */
static size_t
options_tables(const struct options_spec *specs, char *shortopts, size_t shortlen, struct option *longopts)
{
	size_t n = 0, k = 0;

	for (; specs[n].type != OPTIONS_END; n++) {
		bool arg = specs[n].type >= OPTIONS_STRING;

		if (n + 3 > OPTIONS_MAX || k + 6 >= shortlen)
			util_fatal("options: too many options");
		longopts[n] = (struct option){ specs[n].name, arg ? required_argument : no_argument, NULL,
		    specs[n].short_name != 0 ? specs[n].short_name : OPTIONS_LONG_ONLY + (int)n };
		if (specs[n].short_name != 0) {
			shortopts[k++] = (char)specs[n].short_name;
			if (arg)
				shortopts[k++] = ':';
		}
	}
	/* -p/--pid PID as well as the positional PID: py-spy's, eu-stack's and gdb's habit */
	longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n + 1] = (struct option){ "pid", required_argument, NULL, 'p' };
	longopts[n + 2] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[k++] = 'h';
	shortopts[k++] = 'p';
	shortopts[k++] = ':';
	shortopts[k] = '\0';
	return n;
}

/* Adds the PIDs of one -p argument or positional word ("12", or "12,13" where several are
 * allowed); -1 after saying why. */
static int
options_add_pids(const char *arg, unsigned allow, struct options_targets *t)
{
	char buf[256], *save = NULL;

	if ((allow & OPTIONS_TARGET_MANY) == 0 || strchr(arg, ',') == NULL) {
		xgrow(&t->pids, &t->pids_cap, t->npids + 1, sizeof *t->pids);
		if (options_pid(arg, &t->pids[t->npids]) < 0)
			return -1;
		t->npids++;
		return 0;
	}
	if (strlen(arg) >= sizeof buf) {
		fprintf(stderr, "holdup: '%.40s...' is not a list of process IDs\n", arg);
		return -1;
	}
	strcpy(buf, arg);
	for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		xgrow(&t->pids, &t->pids_cap, t->npids + 1, sizeof *t->pids);
		if (options_pid(w, &t->pids[t->npids]) < 0)
			return -1;
		t->npids++;
	}
	return 0;
}

/* Where the command of launch mode starts: after the first "--", or -1. */
static int
options_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

/* The PIDs (or the command) after the options; OPTIONS_OK or a usage error already reported. */
static enum options_result
options_targets_check(int argc, char **argv, int dd, unsigned allow, struct options_targets *t)
{
	/* a number is a PID; anything else, where the command reads files, is a file's path */
	if ((allow & OPTIONS_TARGET_FILE) != 0 && t->npids == 0 && optind == dd - 1 && dd == argc) {
		const char *a = argv[optind];

		if (a[0] != '\0' && a[strspn(a, "0123456789")] != '\0') {
			if (access(a, F_OK) != 0) {
				fprintf(stderr, "holdup: '%s' is neither a process ID nor a file (a core file): %s\n",
				    a, strerror(errno));
				return OPTIONS_USAGE;
			}
			t->path = a;
			optind++;
			return OPTIONS_OK;
		}
	}
	for (; optind < dd; optind++)
		if (options_add_pids(argv[optind], allow, t) < 0)
			return OPTIONS_USAGE;
	if (dd < argc) {
		if ((allow & OPTIONS_TARGET_COMMAND) == 0 || t->npids > 0 || dd + 1 >= argc) {
			if ((allow & OPTIONS_TARGET_COMMAND) != 0 && t->npids > 0)
				fprintf(stderr, "holdup: a PID or -- COMMAND, not both\n");
			cmd_usage(argv[0]);
			return OPTIONS_USAGE;
		}
		t->command = &argv[dd + 1];
		return OPTIONS_OK;
	}
	if (t->npids == 0 || (t->npids > 1 && (allow & OPTIONS_TARGET_MANY) == 0)) {
		if (t->npids > 1)
			fprintf(stderr, "holdup: one PID at a time\n");
		cmd_usage(argv[0]);
		return OPTIONS_USAGE;
	}
	return OPTIONS_OK;
}

enum options_result
options_parse_targets(int argc, char **argv, const struct options_spec *specs, unsigned allow,
    struct options_targets *t)
{
	struct option longopts[OPTIONS_MAX];
	char shortopts[2 * OPTIONS_MAX + 1];
	size_t n = options_tables(specs, shortopts, sizeof shortopts, longopts);
	/* the command's own options are not holdup's: getopt sees only what comes before "--" */
	int c, dd = options_dashdash(argc, argv), oargc = dd < 0 ? argc : dd;
	enum options_result r;

	memset(t, 0, sizeof *t);
	if (dd < 0)
		dd = argc;
	optind = 1;
	while ((c = getopt_long(oargc, argv, shortopts, longopts, NULL)) != -1) {
		const struct options_spec *sp = NULL;

		if (c == 'h') {
			options_targets_free(t);
			return OPTIONS_HELP;
		}
		if (c == 'p') {
			if (options_add_pids(optarg, allow, t) < 0)
				goto usage_quiet;
			continue;
		}
		if (c >= OPTIONS_LONG_ONLY && (size_t)(c - OPTIONS_LONG_ONLY) < n)
			sp = &specs[c - OPTIONS_LONG_ONLY];
		for (size_t i = 0; sp == NULL && c != '?' && c != ':' && i < n; i++)
			if (specs[i].short_name == c)
				sp = &specs[i];
		if (sp == NULL) {
			cmd_usage(argv[0]);
			goto usage_quiet;
		}
		if (options_store(sp, optarg) < 0)
			goto usage_quiet;
	}
	if ((r = options_targets_check(argc, argv, dd, allow, t)) == OPTIONS_OK)
		return OPTIONS_OK;
usage_quiet:
	options_targets_free(t);
	return OPTIONS_USAGE;
}

void
options_targets_free(struct options_targets *t)
{
	free(t->pids);
	t->pids = NULL;
	t->npids = t->pids_cap = 0;
}

enum options_result
options_parse(int argc, char **argv, const struct options_spec *specs, pid_t *pid)
{
	struct options_targets t;
	enum options_result r = options_parse_targets(argc, argv, specs, 0, &t);

	if (r == OPTIONS_OK)
		*pid = t.pids[0];
	options_targets_free(&t);
	return r;
}

FILE *
options_open_output(const char *path, struct err *e)
{
	struct stat st;
	FILE *f;
	int fd;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid()) {
		err_set(e, "%s: a symbolic link of uid %d: not followed (name the file itself)", path,
		    (int)st.st_uid);
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		err_set(e, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}
