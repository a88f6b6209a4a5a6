/* symserver.h - debug files and executables fetched by build ID from debuginfod servers, when the user configured some (DEBUGINFOD_URLS). */
#ifndef HOLDUP_SYMSERVER_H
#define HOLDUP_SYMSERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* What is fetched: the separate debug file, or the module's file itself (a core read elsewhere). */
enum symserver_kind { SYMSERVER_DEBUGINFO = 0, SYMSERVER_EXECUTABLE };

struct symserver;

/* A client when DEBUGINFOD_URLS names servers and libdebuginfod.so.1 can be opened, else NULL:
 * holdup asks no server nobody configured. */
struct symserver *symserver_new(void);
void symserver_free(struct symserver *ss);
/* The file of that kind for build ID id, downloaded into debuginfod's cache (or found there): a
 * regular file's descriptor the caller owns, or -1 with e set. At most SYMSERVER_MAX_FETCHES asks
 * per client, each answer remembered, so a target with many build IDs cannot make holdup ask forever. */
int symserver_fetch(struct symserver *ss, enum symserver_kind kind, const unsigned char *id, size_t len,
    struct err *e);
#define SYMSERVER_MAX_FETCHES 256

#endif
