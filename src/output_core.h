/* output_core.h - a snapshot saved as an ELF core file that `holdup dump FILE` reads back. */
#ifndef HOLDUP_OUTPUT_CORE_H
#define HOLDUP_OUTPUT_CORE_H

#include "snapshot.h"
#include "util.h"

/* Writes s to fd as an x86-64 ELF core: NT_PRSTATUS per thread with registers, NT_FILE of the file
 * mappings, the HOLDUP note (corenote.c) and one PT_LOAD per stack and memory copy. Returns 0, or -1 with e set. */
int output_core_write(const struct snapshot *s, int fd, struct err *e);

/* Creates path for a saved core: a new file (never an existing one or through a symlink), 0600, as
 * it holds the target's memory. Returns its descriptor, or -1 with e set. */
int output_core_create(const char *path, struct err *e);
/* Saves s (analysed, recording its reads: snapshot_record_reads before the analysis) to fd: records
 * the modules' headers (snapshot_record_headers, while the target still lives), then writes the core.
 * Returns 0, or -1 with e set. Does not close fd. */
int output_core_save(struct snapshot *s, int fd, struct err *e);

#endif
