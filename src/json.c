/* json.c - streaming JSON writer; escapes everything, replaces invalid UTF-8, never emits bare control bytes (C0, DEL, C1). */
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void
jw_init(struct jw *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
}

static void
jw_indent(struct jw *w)
{
	if (!w->pretty)
		return;
	putc_unlocked('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs_unlocked("  ", w->f);
}

/* Called before every value or key: writes the separating comma. */
static void
jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		putc_unlocked(',', w->f);
	w->first[w->depth] = false;
	if (w->depth > 0)
		jw_indent(w);
}

static void
jw_open(struct jw *w, char c)
{
	jw_sep(w);
	putc_unlocked(c, w->f);
	if (w->depth + 1 < JW_MAXDEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void
jw_close(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		jw_indent(w);
	putc_unlocked(c, w->f);
	if (w->depth == 0 && w->pretty)
		putc_unlocked('\n', w->f);
}

void jw_object_begin(struct jw *w) { jw_open(w, '{'); }
void jw_object_end(struct jw *w) { jw_close(w, '}'); }
void jw_array_begin(struct jw *w) { jw_open(w, '['); }
void jw_array_end(struct jw *w) { jw_close(w, ']'); }

/* The ASCII bytes a JSON string holds as they are: printable, but not '"' or '\\'. */
static const unsigned char jw_plain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,	/* not 0x22 '"', not 0x5c '\\' */
};

static void
jw_raw_string(struct jw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	/* runs of bytes that need no escaping go out in one write: a write per byte (each taking
	 * the FILE lock) made JSON output several times slower than text */
	putc_unlocked('"', w->f);
	while (*s != '\0') {
		const unsigned char *run = s;
		int n;

		for (;;) {
			while (jw_plain[*s])
				s++;
			if (*s < 0x80)
				break;	/* NUL, a control, '"' or '\\' */
			if (*s == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0)
				break;	/* a C1 control (CSI is U+009B): escaped below */
			if ((n = util_utf8_len(s)) <= 0)
				break;
			s += n;
		}
		if (s > run)
			fwrite_unlocked(run, 1, (size_t)(s - run), w->f);
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\\') {
			putc_unlocked('\\', w->f);
			putc_unlocked(*s++, w->f);
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			switch (*s) {
			case '\n': fputs_unlocked("\\n", w->f); break;
			case '\t': fputs_unlocked("\\t", w->f); break;
			case '\r': fputs_unlocked("\\r", w->f); break;
			default: fprintf(w->f, "\\u%04x", *s); break;
			}
			s++;
			continue;
		}
		if (*s == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
			fprintf(w->f, "\\u%04x", s[1]);
			s += 2;
			continue;
		}
		/* an invalid UTF-8 byte (the run stopped at it) */
		fputs_unlocked("\\ufffd", w->f);
		s++;
	}
	putc_unlocked('"', w->f);
}

void
jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	jw_raw_string(w, key);
	fputs_unlocked(w->pretty ? ": " : ":", w->f);
	w->after_key = true;
}

void
jw_string(struct jw *w, const char *s)
{
	if (s == NULL) {
		jw_null(w);
		return;
	}
	jw_sep(w);
	jw_raw_string(w, s);
}

/* Numbers by hand: fprintf's format parsing was a visible share of a 1000-thread dump. */
static void
jw_digits(struct jw *w, uint64_t v, bool neg, unsigned base)
{
	char buf[24], *p = buf + sizeof buf;

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof buf - p), w->f);
}

void
jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	jw_digits(w, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10);
}

void jw_uint(struct jw *w, uint64_t v) { jw_sep(w); jw_digits(w, v, false, 10); }
void jw_bool(struct jw *w, bool v) { jw_sep(w); fputs_unlocked(v ? "true" : "false", w->f); }
void jw_null(struct jw *w) { jw_sep(w); fputs_unlocked("null", w->f); }
void
jw_hex(struct jw *w, uint64_t v)
{
	jw_sep(w);
	fputs_unlocked("\"0x", w->f);
	jw_digits(w, v, false, 16);
	putc_unlocked('"', w->f);
}

void
jw_double(struct jw *w, double v)
{
	jw_sep(w);
	if (!isfinite(v))
		fputs_unlocked("null", w->f);
	else
		fprintf(w->f, "%.17g", v);
}

void jw_kstring(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_string(w, s); }
void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
void jw_khex(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_hex(w, v); }
void jw_kdouble(struct jw *w, const char *k, double v) { jw_key(w, k); jw_double(w, v); }
