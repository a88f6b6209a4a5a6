/* main.c - holdup's entry point: --help, --version, and dispatch to the subcommand table in cmd.c. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "signals.h"

#include "version.h"	/* HOLDUP_VERSION, made by the Makefile from VERSION and git describe */

int
main(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		cmd_print_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		cmd_print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("holdup %s\n", HOLDUP_VERSION);
		return EXIT_OK;
	}
	cmd = cmd_find(argv[1]);
	if (cmd == NULL) {
		fprintf(stderr, "holdup: unknown command '%s'\n", argv[1]);
		cmd_print_usage(stderr);
		return EXIT_USAGE;
	}
	signals_install();
	return cmd->fn(argc - 1, argv + 1);
}
