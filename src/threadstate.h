/* threadstate.h - classifies each thread into one state from /proc facts, syscall and stack. */
#ifndef HOLDUP_THREADSTATE_H
#define HOLDUP_THREADSTATE_H

#include "snapshot.h"

/* Sets thread.state for every thread (and wait.kind = WAIT_SYSCALL/... where the syscall alone tells).
 * Lock analysis may refine blocked/waiting afterwards. */
void threadstate_classify(struct snapshot *s);

#endif
