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

struct launch;

/* Launch mode's exit status, once holdup is done with the command: waits for it to exit (unless
 * a second quit signal came), says how it ended, and returns its status (128 + signal when
 * killed), or EXIT_ERROR when it succeeded but holdup's own work (rc) failed. */
int cmd_launch_status(struct launch *l, int rc);

/* The command called name, or NULL. */
const struct cmd *cmd_find(const char *name);
/* The list of commands, for holdup --help. */
void cmd_print_usage(FILE *f);
/* Prints "usage: holdup NAME USAGE" for the named command to stderr and returns EXIT_USAGE. */
int cmd_usage(const char *name);

#endif
