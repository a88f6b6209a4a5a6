/* json.c - streaming JSON writer; escapes everything, replaces invalid UTF-8, never emits bare control bytes (C0, DEL, C1). */
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void
jw_init(struct jw *w, FILE *f, bool pretty)
{
	w->f = f;
	w->len = 0;
	w->depth = 0;
	w->after_key = false;
	w->pretty = pretty;
	w->first[0] = true;
}

int
jw_done(struct jw *w)
{
	if (w->len > 0)
		fwrite_unlocked(w->buf, 1, w->len, w->f);
	w->len = 0;
	return ferror(w->f) ? -1 : 0;
}

/* Room for n more bytes in the buffer (n <= JW_BUFSZ). */
static inline char *
jw_room(struct jw *w, size_t n)
{
	if (w->len + n > sizeof w->buf)
		jw_done(w);
	return w->buf + w->len;
}

static inline void
jw_putc(struct jw *w, char c)
{
	*jw_room(w, 1) = c;
	w->len++;
}

static void
jw_put(struct jw *w, const void *p, size_t n)
{
	while (n > 0) {
		size_t k = n < sizeof w->buf ? n : sizeof w->buf;

		memcpy(jw_room(w, k), p, k);
		w->len += k;
		p = (const char *)p + k;
		n -= k;
	}
}

static void
jw_puts(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

static void
jw_indent(struct jw *w)
{
	if (!w->pretty)
		return;
	jw_putc(w, '\n');
	for (int i = 0; i < w->depth; i++)
		jw_put(w, "  ", 2);
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
		jw_putc(w, ',');
	w->first[w->depth] = false;
	if (w->depth > 0)
		jw_indent(w);
}

static void
jw_open(struct jw *w, char c)
{
	jw_sep(w);
	jw_putc(w, c);
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
	jw_putc(w, c);
	if (w->depth == 0 && w->pretty)
		jw_putc(w, '\n');
}

void jw_object_begin(struct jw *w) { jw_open(w, '{'); }
void jw_object_end(struct jw *w) { jw_close(w, '}'); }
void jw_array_begin(struct jw *w) { jw_open(w, '['); }
void jw_array_end(struct jw *w) { jw_close(w, ']'); }

/* \\u00XX for a control byte. */
static void
jw_ucode(struct jw *w, unsigned char c)
{
	char *p = jw_room(w, 6);

	memcpy(p, "\\u00", 4);
	p[4] = "0123456789abcdef"[c >> 4];
	p[5] = "0123456789abcdef"[c & 15];
	w->len += 6;
}

/* The ASCII bytes a JSON string holds as they are: printable, but not '"' or '\\'. */
static const unsigned char jw_plain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,	/* not 0x22 '"', not 0x5c '\\' */
};

/* Whether none of the 8 bytes in v needs a look: printable ASCII, not '"' and not '\\' (the
 * byte-by-byte scan was the biggest part of writing 100,000 goroutines). */
static inline bool
jw_plain8(uint64_t v)
{
	return util_word_printable(v) && !util_word_has(v, '"') && !util_word_has(v, '\\');
}

static void
jw_raw_string(struct jw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);

	/* runs of bytes that need no escaping are copied whole */
	jw_putc(w, '"');
	while (*s != '\0') {
		const unsigned char *run = s;
		int n;

		for (;;) {
			while (end - s >= 8) {
				uint64_t v;

				memcpy(&v, s, 8);
				if (!jw_plain8(v))
					break;
				s += 8;
			}
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
			jw_put(w, run, (size_t)(s - run));
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\\') {
			jw_putc(w, '\\');
			jw_putc(w, (char)*s++);
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			switch (*s) {
			case '\n': jw_put(w, "\\n", 2); break;
			case '\t': jw_put(w, "\\t", 2); break;
			case '\r': jw_put(w, "\\r", 2); break;
			default: jw_ucode(w, *s); break;
			}
			s++;
			continue;
		}
		if (*s == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
			jw_ucode(w, s[1]);
			s += 2;
			continue;
		}
		/* an invalid UTF-8 byte (the run stopped at it) */
		jw_put(w, "\\ufffd", 6);
		s++;
	}
	jw_putc(w, '"');
}

void
jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	jw_raw_string(w, key);
	if (w->pretty)
		jw_put(w, ": ", 2);
	else
		jw_putc(w, ':');
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
	jw_put(w, p, (size_t)(buf + sizeof buf - p));
}

void
jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	jw_digits(w, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10);
}

void jw_uint(struct jw *w, uint64_t v) { jw_sep(w); jw_digits(w, v, false, 10); }
void jw_bool(struct jw *w, bool v) { jw_sep(w); jw_puts(w, v ? "true" : "false"); }
void jw_null(struct jw *w) { jw_sep(w); jw_put(w, "null", 4); }
void
jw_hex(struct jw *w, uint64_t v)
{
	jw_sep(w);
	jw_put(w, "\"0x", 3);
	jw_digits(w, v, false, 16);
	jw_putc(w, '"');
}

void
jw_double(struct jw *w, double v)
{
	char buf[40];
	int n;

	jw_sep(w);
	if (!isfinite(v)) {
		jw_put(w, "null", 4);
		return;
	}
	n = snprintf(buf, sizeof buf, "%.17g", v);
	jw_put(w, buf, (size_t)n);
}

void jw_kstring(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_string(w, s); }
void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
void jw_khex(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_hex(w, v); }
void jw_kdouble(struct jw *w, const char *k, double v) { jw_key(w, k); jw_double(w, v); }
