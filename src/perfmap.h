/* perfmap.h - names for JIT code from the target's /tmp/perf-PID.map (the JVM's perf-map-agent, node --perf-basic-prof, ...). */
#ifndef HOLDUP_PERFMAP_H
#define HOLDUP_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct targetfile_root;

/* Bounds: the file is the target's (any process of its user can write it). */
#define PERFMAP_MAX_BYTES	(64u << 20)
#define PERFMAP_MAX_ENTRIES	(1u << 20)
#define PERFMAP_MAX_NAME	512

/* One line: code at [start, start+size) is name (a later line for the same code wins). */
struct perfmap_entry {
	uint64_t start, size;
	uint32_t seq;			/* line order */
	uint32_t name;			/* offset into perfmap.names */
};

/* The parsed map and the file it came from (re-read when that changes: JITs append). */
struct perfmap {
	struct perfmap_entry *entries;	/* owned, sorted by start */
	size_t n;
	char *names;			/* owned; NUL-terminated names one after another */
	size_t names_len;
	size_t skipped;			/* lines that were not "START SIZE name" */
	bool truncated;			/* more than PERFMAP_MAX_ENTRIES lines, or the file over the bound */
	/* the file last read: identity and size, so an unchanged file is not read again */
	bool present;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	char *path;			/* owned; the path as the target names it, or NULL */
	char *error;			/* owned; why the last refresh found no usable map, or NULL */
};

/* Parses text[0, len) (lines "START SIZE name", hexadecimal with or without 0x) into m, replacing
 * its entries. Lines that do not parse are counted in m->skipped; control characters in names are
 * replaced with '?'. Bounded by PERFMAP_MAX_ENTRIES and PERFMAP_MAX_NAME. */
void perfmap_parse(struct perfmap *m, const char *text, size_t len);
/* The name of the code at pc and pc's offset in it, NULL if no entry covers pc. */
const char *perfmap_lookup(const struct perfmap *m, uint64_t pc, uint64_t *off);
/* Re-reads the map of the target whose root is r (live, pid > 0) if the file changed: /tmp/perf-N.map
 * inside the target's root, N the PID it sees itself as (nspid, its PID in its own namespace, or pid
 * when 0). Opened through targetfile: not following a symlink, a regular file owned by the target's
 * uid (owner) or root, at most PERFMAP_MAX_BYTES. Returns true when m has entries. */
bool perfmap_refresh(struct perfmap *m, const struct targetfile_root *r, pid_t nspid, uid_t owner);
void perfmap_free(struct perfmap *m);

#endif
