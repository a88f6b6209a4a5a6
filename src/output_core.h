/* output_core.h - a snapshot saved as an ELF core file that `holdup dump FILE` reads back. */
#ifndef HOLDUP_OUTPUT_CORE_H
#define HOLDUP_OUTPUT_CORE_H

#include "snapshot.h"
#include "util.h"

/* Writes s to fd as an x86-64 ELF core: NT_PRSTATUS per thread with registers, NT_FILE of the file
 * mappings, the HOLDUP note (corenote.c) and one PT_LOAD per stack and memory copy. Returns 0, or -1 with e set. */
int output_core_write(const struct snapshot *s, int fd, struct err *e);

#endif
