/* cmd.c - the subcommand table and helpers shared by the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct cmd cmd_table[] = {
	{ "dump", "[--json] [-o FILE] [--stop-all] [--stack-bytes N] [-p] PID",
	    "print every thread's state, stack, locks and deadlocks once", cmd_dump },
	{ "top", "[-i SECONDS] [--no-sampling] [-p] PID", "live dashboard of threads, locks and wait chains", cmd_top },
	{ "record", "[-r HZ] [-d SECONDS] [-o FILE] [--format pprof|folded|json] [--no-sampling] [-p] PID",
	    "sample stacks and wait states over time into a profile", cmd_record },
	{ "watch", "[--blocked-for SECONDS] [--dir DIR] [--exec CMD] [-p] PID",
	    "write a dump when a deadlock or a long block appears", cmd_watch },
};

const struct cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

void
cmd_print_usage(FILE *f)
{
	fprintf(f, "usage: holdup COMMAND [OPTIONS] PID\n\ncommands:\n");
	for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		fprintf(f, "  %-7s %s\n", cmd_table[i].name, cmd_table[i].summary);
	fprintf(f, "\nholdup COMMAND --help shows a command's options; man holdup has the rest.\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 deadlock found (dump)\n");
}

int
cmd_usage(const char *name)
{
	const struct cmd *c = cmd_find(name);

	if (c == NULL) {
		cmd_print_usage(stderr);
		return EXIT_USAGE;
	}
	fprintf(stderr, "usage: holdup %s %s\n", name, c->usage);
	return EXIT_USAGE;
}
