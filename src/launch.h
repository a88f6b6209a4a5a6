/* launch.h - launch mode: holdup starts the command it is to look at, waits for it and passes its status on. */
#ifndef HOLDUP_LAUNCH_H
#define HOLDUP_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* The command holdup started. It stays in holdup's process group (the terminal's foreground job),
 * so Ctrl-C reaches it directly; signals sent to holdup alone are passed on (launch_forward). */
struct launch {
	pid_t pid;		/* the command's PID */
	bool exited;		/* its exit was collected */
	bool status_known;	/* status holds its wait status */
	int status;		/* as waitpid has it */
	int forwarded;		/* quit signals passed on to it */
};

/* Starts argv[0] (looked up in PATH) with argv, its signals at their defaults. Returns 0 once it
 * runs the new program (holdup may trace it from then on), or -1 with e set when it could not be
 * started; then *rc is the shell's status for that: 127 not found, 126 not executable. */
int launch_start(char *const *argv, struct launch *l, int *rc, struct err *e);
/* True once the command has exited (its status collected). Never takes a trace stop that
 * capture waits for. */
bool launch_exited(struct launch *l);
/* Waits until the command exits. */
void launch_wait(struct launch *l);
/* Passes quit signal sig on to the command unless it came from the kernel (a terminal's Ctrl-C
 * or hangup, which the command's process group got already). */
void launch_forward(struct launch *l, int sig, bool from_kernel);
/* The status holdup exits with: the command's exit status, or 128 + the signal that killed it. */
int launch_exit_code(const struct launch *l);

#endif
