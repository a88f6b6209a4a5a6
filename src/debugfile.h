/* debugfile.h - an uncompressed copy of a separate debug file, so libdw does not inflate it slowly. */
#ifndef HOLDUP_DEBUGFILE_H
#define HOLDUP_DEBUGFILE_H

#include <stddef.h>

#include "util.h"

/* Makes a copy of the 64-bit little-endian ELF image in[0, len) in a new memfd (*outfd) with every
 * zlib SHF_COMPRESSED section inflated (libdeflate, the big ones on two threads) and the DWARF
 * sections holdup never reads (location lists, macros) turned into SHT_NOBITS, which libdw skips.
 * The original bytes stay at their offsets (program headers still hold); the inflated data and a
 * new section header table are appended. If build_id is not NULL the file's NT_GNU_BUILD_ID note
 * must equal it. Returns 1 with *outfd set, 0 if there is nothing to inflate (use the original),
 * -1 with a message if in is not an ELF file it can rewrite safely or not the one asked for. */
int debugfile_inflate_mem(const unsigned char *in, size_t len, const unsigned char *build_id, size_t build_id_len,
    int *outfd, struct err *e);
/* The same for an open file (mapped; fd stays open and the caller's), except that a 32-bit ELF
 * file (an i386 program's debug file) is not rewritten: 2, left to libdw as it is, unchecked. */
#define DEBUGFILE_LEFT_32BIT	2
int debugfile_inflate_fd(int fd, const unsigned char *build_id, size_t build_id_len, int *outfd, struct err *e);

#endif
