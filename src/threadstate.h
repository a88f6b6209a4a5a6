/* threadstate.h - classifies each thread into one state from /proc facts, syscall and stack. */
#ifndef HOLDUP_THREADSTATE_H
#define HOLDUP_THREADSTATE_H

#include <stdbool.h>

#include "snapshot.h"

/* The syscall t sleeps in, -1 if none. A restart_syscall (how the kernel resumes a timed wait
 * after any stop: a debugger, strace, SIGSTOP) is the call it restarts when the stack says which;
 * *restarted (may be NULL) tells. Needs t's frames for that. */
long threadstate_syscall(const struct arch_info *a, const struct thread *t, bool *restarted);
/* Sets thread.state for every thread (and wait.kind = WAIT_SYSCALL/... where the syscall alone tells).
 * Lock analysis may refine blocked/waiting afterwards. */
void threadstate_classify(struct snapshot *s);

#endif
