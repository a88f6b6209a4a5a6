/* cmd.c - the subcommand table and helpers shared by the subcommands. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cmd.h"
#include "launch.h"
#include "signals.h"

static const struct cmd cmd_table[] = {
	{ "dump", "[--json] [-o FILE] [--stop-all] [--stack-bytes N] [--subprocesses] [-p] PID [PID...]",
	    "print every thread's state, stack, locks and deadlocks once", cmd_dump },
	{ "top", "[-i SECONDS] [--no-sampling] [-p] PID", "live dashboard of threads, locks and wait chains", cmd_top },
	{ "record", "[-r HZ] [-d SECONDS] [-o FILE] [--format pprof|folded|json] [--no-sampling] [--subprocesses] "
	    "{[-p] PID | -- COMMAND [ARGS...]}",
	    "sample stacks and wait states over time into a profile", cmd_record },
	{ "watch", "[--blocked-for SECONDS] [--dir DIR] [--exec CMD] [--subprocesses] {[-p] PID | -- COMMAND [ARGS...]}",
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
	fprintf(f, "usage: holdup COMMAND [OPTIONS] PID\n       holdup record|watch [OPTIONS] -- CMD [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		fprintf(f, "  %-7s %s\n", cmd_table[i].name, cmd_table[i].summary);
	fprintf(f, "\nholdup COMMAND --help shows a command's options; holdup --version the version;\n"
	    "man holdup has the rest.\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 deadlock found (dump); with -- CMD, CMD's status\n");
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

int
cmd_launch_status(struct launch *l, int rc)
{
	int sig = signals_quit_requested(), code;

	if (!launch_exited(l)) {
		if (sig != 0) {
			/* a second quit signal: holdup goes, the command (untraced, running) stays */
			fprintf(stderr, "holdup: signal %d again: leaving command %d running, not traced\n", sig, (int)l->pid);
			return 128 + sig;
		}
		fprintf(stderr, "holdup: waiting for command %d to exit\n", (int)l->pid);
		launch_wait(l);
	}
	code = launch_exit_code(l);
	if (!l->status_known)
		fprintf(stderr, "holdup: the command's exit status was lost\n");
	else if (WIFSIGNALED(l->status))
		fprintf(stderr, "holdup: command %d killed by signal %d\n", (int)l->pid, WTERMSIG(l->status));
	else
		fprintf(stderr, "holdup: command %d exited with status %d\n", (int)l->pid, code);
	/* the command's status, unless it succeeded and holdup did not */
	return code == 0 && rc == EXIT_ERROR ? EXIT_ERROR : code;
}
