/* proctree.h - a process's descendants, from /proc/PID/task/TID/children or else a scan of every /proc/PID/stat. */
#ifndef HOLDUP_PROCTREE_H
#define HOLDUP_PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* At most this many processes in one tree (the root included): a fork bomb must not make holdup
 * trace without end. */
#define PROCTREE_MAX 1024

/* Parses the text of a children file ("123 456 "): appends up to max - *n PIDs to out. Returns
 * the number of PIDs it held that did not fit or did not parse (0: all taken). */
size_t proctree_parse_children(const char *text, pid_t *out, size_t *n, size_t max);

/* The processes of the trees rooted at roots[0..nroots): the roots themselves (those that still
 * exist) first, in order, then their descendants breadth first, each once, at most max in all.
 * proc is the /proc to read ("/proc"; tests pass a directory made to look like one). Children come
 * from /proc/PID/task/TID/children when the kernel has them (CONFIG_PROC_CHILDREN), else from the
 * PPid field of every /proc/N/stat. Returns the number in out, or -1 with e set when /proc cannot be
 * read at all. *truncated is set when the tree had more than max. */
int proctree_list(const char *proc, const pid_t *roots, size_t nroots, pid_t *out, size_t max, int *truncated,
    struct err *e);

#endif
