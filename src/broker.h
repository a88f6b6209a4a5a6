/* broker.h - the privileged half of a confined session (top, record, watch): it creates the session's new files and runs its hooks, on request. */
#ifndef HOLDUP_BROKER_H
#define HOLDUP_BROKER_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

#define BROKER_MAX_DIRS 2

struct broker_opts {
	const char *dirs[BROKER_MAX_DIRS];	/* borrowed; where files may be made (NULL: unused) */
	const char *exec;		/* borrowed; watch --exec: the hook's command, or NULL */
	/* borrowed; says what the hooks did ("started --exec (pid N) for F", "... exited with
	 * status S"); in a forked broker it runs there, writing to the same stdout */
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

struct broker;

/* A broker that acts in this process: for an unconfined session (--no-sandbox). */
struct broker *broker_local(const struct broker_opts *o);
/* Forks a broker process that keeps this process's privileges and serves requests over a socket;
 * call it before confining (sandbox_enter). NULL with e saying why. The broker reads only its
 * requests (fixed records, names it checks), never the target's data; it ends when the session
 * closes its socket, or dies. */
struct broker *broker_fork(const struct broker_opts *o, struct err *e);
/* Makes dir/name, which must not exist (O_EXCL, O_NOFOLLOW), mode 0600: a descriptor open for
 * writing, or -1 with errno set. dir must be one of the broker's dirs (the same string), name a
 * plain file name (no "/", not "." or ".."). */
int broker_create(struct broker *b, const char *dir, const char *name);
/* Removes dir/name if this broker created it (a dump that failed half-way); -1 with errno else. */
int broker_unlink(struct broker *b, const char *dir, const char *name);
/* Runs the hook: /bin/sh -c EXEC holdup-exec TXT JSON CORE, with HOLDUP_DUMP, HOLDUP_DUMP_JSON,
 * HOLDUP_DUMP_CORE and HOLDUP_REASON set. Each path must be empty or one this broker created.
 * Returns the hook's pid, or -1 with errno set. */
pid_t broker_exec(struct broker *b, const char *txt, const char *json, const char *core, const char *reason);
/* Collects finished hooks and logs how they ended; with wait_s > 0 waits up to that long for
 * all of them (a forked broker collects its own as they end; with wait_s > 0 it is asked to wait). */
void broker_reap(struct broker *b, double wait_s);
/* Ends the broker (a forked one after waiting up to wait_s for its hooks) and frees b. */
void broker_free(struct broker *b, double wait_s);

#endif
