/* outcap.h - an output budget: a stream that writes at most N bytes to another and counts the rest, then says where it cut. */
#ifndef HOLDUP_OUTCAP_H
#define HOLDUP_OUTCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct outcap {
	FILE *raw;		/* borrowed; where the bytes go */
	uint64_t written;	/* bytes written to raw */
	uint64_t total;		/* bytes the writer gave */
	uint64_t max;		/* the budget */
	bool failed;		/* a write to raw failed */
};

/* A stream writing into raw, at most max bytes; fclose it before outcap_finish (raw stays open). */
FILE *outcap_open(struct outcap *k, FILE *raw, uint64_t max);
/* True when the writer gave more than the budget. */
bool outcap_cut(const struct outcap *k);
/* After a cut, says so in raw: text gets a closing line after its first max bytes; JSON (which cut
 * would not parse) is replaced, when raw is a regular file, by a small document saying why the dump
 * is not there (pid, the budget, the size, what (the option) to raise). Returns 0, or -1 when raw
 * could not be rewritten (a pipe: the JSON stays cut, and the caller must say so). */
int outcap_finish(struct outcap *k, bool json, pid_t pid, const char *what);

#endif
