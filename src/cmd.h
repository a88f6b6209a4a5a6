/* cmd.h - the subcommands, their table lives in main.c; exit codes shared by all of them. */
#ifndef HOLDUP_CMD_H
#define HOLDUP_CMD_H

#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_DEADLOCK = 3,
};

struct cmd {
	const char *name;
	const char *usage;	/* after "holdup NAME " */
	const char *summary;
	int (*fn)(int argc, char **argv);	/* argv[0] is the subcommand name */
};

int cmd_dump(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* The command called name, or NULL. */
const struct cmd *cmd_find(const char *name);
/* The list of commands, for holdup --help. */
void cmd_print_usage(FILE *f);
/* Prints "usage: holdup NAME USAGE" for the named command to stderr and returns EXIT_USAGE. */
int cmd_usage(const char *name);

#endif
