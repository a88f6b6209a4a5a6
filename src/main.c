/* main.c - holdup's entry point: the subcommand table, global options and exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "signals.h"

#define HOLDUP_VERSION "0.1.0"

static const struct cmd main_cmds[] = {
	{ "dump", "[--json] [-o FILE] [--stop-all] [--stack-bytes N] PID",
	    "print every thread's state, stack, locks and deadlocks once", cmd_dump },
	{ "top", "[-i SECONDS] PID", "live dashboard of threads, locks and wait chains", cmd_top },
	{ "record", "[-r HZ] [-d SECONDS] [-o FILE] [--format pprof|folded|json] PID",
	    "sample stacks and wait states over time into a profile", cmd_record },
	{ "watch", "[--blocked-for SECONDS] [--dir DIR] [--exec CMD] PID",
	    "write a dump when a deadlock or a long block appears", cmd_watch },
};

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: holdup COMMAND [OPTIONS] PID\n\ncommands:\n");
	for (size_t i = 0; i < sizeof main_cmds / sizeof main_cmds[0]; i++)
		fprintf(f, "  %-7s %s\n", main_cmds[i].name, main_cmds[i].summary);
	fprintf(f, "\nholdup COMMAND --help shows a command's options; man holdup has the rest.\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 deadlock found (dump)\n");
}

int
cmd_usage(const char *name)
{
	for (size_t i = 0; i < sizeof main_cmds / sizeof main_cmds[0]; i++) {
		if (strcmp(main_cmds[i].name, name) == 0) {
			fprintf(stderr, "usage: holdup %s %s\n", name, main_cmds[i].usage);
			return EXIT_USAGE;
		}
	}
	main_usage(stderr);
	return EXIT_USAGE;
}

int
cmd_parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v <= 0 || v > 4194304) {
		fprintf(stderr, "holdup: '%s' is not a process ID\n", arg);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("holdup %s\n", HOLDUP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof main_cmds / sizeof main_cmds[0]; i++) {
		if (strcmp(main_cmds[i].name, argv[1]) == 0) {
			signals_install();
			return main_cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "holdup: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return EXIT_USAGE;
}
