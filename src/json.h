/* json.h - a streaming JSON writer that always produces valid, escaped output from untrusted strings. */
#ifndef HOLDUP_JSON_H
#define HOLDUP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAXDEPTH 64
#define JW_BUFSZ 32768

struct jw {
	FILE *f;		/* borrowed */
	char buf[JW_BUFSZ];	/* output not yet handed to f: one fwrite per JW_BUFSZ bytes instead
				 * of one per token (stdio's per-call cost was most of a big dump) */
	size_t len;
	int depth;
	bool first[JW_MAXDEPTH];	/* no element written yet at this depth */
	bool after_key;
	bool pretty;
};

void jw_init(struct jw *w, FILE *f, bool pretty);
/* Hands what is buffered to f (not fflush); call it before writing to f directly and at the end
 * of a document. Returns 0, or -1 if f has an error. */
int jw_done(struct jw *w);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
/* Strings are escaped; invalid UTF-8 bytes become U+FFFD; NULL writes null. */
void jw_string(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Addresses are written as "0x..." strings so no JSON reader loses precision. */
void jw_hex(struct jw *w, uint64_t v);
/* Shorthands: key then value. */
void jw_kstring(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kuint(struct jw *w, const char *k, uint64_t v);
void jw_kbool(struct jw *w, const char *k, bool v);
void jw_khex(struct jw *w, const char *k, uint64_t v);
void jw_kdouble(struct jw *w, const char *k, double v);

#endif
