/* fuzz_json.c - fuzzes the JSON writer with arbitrary strings: its output must be valid UTF-8 JSON, controls escaped, strings intact. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "utf8check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRINGS 256
#define MAX_NEST 40

/* What each written string must read back as: its bytes with every ill-formed byte made U+FFFD. */
struct expect {
	char *s[MAX_STRINGS];
	size_t n, next;
};

static char *
expected(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = malloc(3 * n + 1);
	uint32_t cp;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < n;) {
		int len = utf8check_seq((const unsigned char *)in + i, n - i, &cp);

		if (len == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, in + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- a strict validator over the writer's output ---- */

struct parser {
	const unsigned char *p, *end;
	struct expect *x;
	int depth;
};

static void
ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	__builtin_trap();
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | cp >> 12);
	o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* A string: every raw code point well-formed and no control; escapes valid; decoded text compared. */
static void
string(struct parser *ps, bool compare)
{
	char *dec = malloc((size_t)(ps->end - ps->p) + 1);
	size_t o = 0;

	if (dec == NULL)
		abort();
	FUZZ_CHECK(ps->p < ps->end && *ps->p == '"');
	ps->p++;
	for (;;) {
		uint32_t cp;
		int len;

		FUZZ_CHECK(ps->p < ps->end);
		if (*ps->p == '"')
			break;
		if (*ps->p == '\\') {
			FUZZ_CHECK(ps->end - ps->p >= 2);
			switch (ps->p[1]) {
			case '"': case '\\': case '/': dec[o++] = (char)ps->p[1]; ps->p += 2; break;
			case 'n': dec[o++] = '\n'; ps->p += 2; break;
			case 't': dec[o++] = '\t'; ps->p += 2; break;
			case 'r': dec[o++] = '\r'; ps->p += 2; break;
			case 'b': dec[o++] = '\b'; ps->p += 2; break;
			case 'f': dec[o++] = '\f'; ps->p += 2; break;
			case 'u':
				FUZZ_CHECK(ps->end - ps->p >= 6);
				cp = 0;
				for (int i = 2; i < 6; i++)
					cp = cp << 4 | (uint32_t)hexval(ps->p[i]);
				/* the writer never splits a code point into surrogates */
				FUZZ_CHECK(cp < 0xd800 || cp > 0xdfff);
				o += put_utf8(dec + o, cp);
				ps->p += 6;
				break;
			default:
				__builtin_trap();
			}
			continue;
		}
		len = utf8check_seq(ps->p, (size_t)(ps->end - ps->p), &cp);
		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!utf8check_is_control(cp));
		memcpy(dec + o, ps->p, (size_t)len);
		o += (size_t)len;
		ps->p += len;
	}
	ps->p++;
	dec[o] = '\0';
	if (compare) {
		FUZZ_CHECK(ps->x->next < ps->x->n);
		FUZZ_CHECK(strcmp(dec, ps->x->s[ps->x->next]) == 0);
		ps->x->next++;
	}
	free(dec);
}

static void value(struct parser *ps);

static void
number(struct parser *ps)
{
	const unsigned char *start = ps->p;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	FUZZ_CHECK(ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9');
	if (*ps->p == '0')
		ps->p++;
	else
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		FUZZ_CHECK(ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9');
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		FUZZ_CHECK(ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9');
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	FUZZ_CHECK(ps->p > start);
}

static void
literal(struct parser *ps, const char *lit)
{
	size_t n = strlen(lit);

	FUZZ_CHECK((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit, n) == 0);
	ps->p += n;
}

static void
container(struct parser *ps, char close, bool object)
{
	ps->p++;
	FUZZ_CHECK(++ps->depth < 1000);
	ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return;
	}
	for (;;) {
		ws(ps);
		if (object) {
			string(ps, true);
			ws(ps);
			FUZZ_CHECK(ps->p < ps->end && *ps->p == ':');
			ps->p++;
			ws(ps);
		}
		value(ps);
		ws(ps);
		FUZZ_CHECK(ps->p < ps->end);
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		FUZZ_CHECK(*ps->p == ',');
		ps->p++;
	}
	ps->depth--;
}

static void
value(struct parser *ps)
{
	ws(ps);
	FUZZ_CHECK(ps->p < ps->end);
	switch (*ps->p) {
	case '{': container(ps, '}', true); break;
	case '[': container(ps, ']', false); break;
	case '"': string(ps, true); break;
	case 't': literal(ps, "true"); break;
	case 'f': literal(ps, "false"); break;
	case 'n': literal(ps, "null"); break;
	default: number(ps); break;
	}
}

/* ---- the writer driven by the input ---- */

static void
add_string(struct expect *x, const char *s)
{
	if (x->n < MAX_STRINGS)
		x->s[x->n++] = expected(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expect x = { .n = 0 };
	bool object[MAX_NEST + 1];
	int depth = 0, nstrings = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;
	uint8_t op;

	if (f == NULL)
		abort();
	fuzz_take(&data, &size, &op, 1);
	jw_init(&w, f, op & 1);
	/* the top level is always an object */
	jw_object_begin(&w);
	object[0] = true;
	while (size > 0 && nstrings < MAX_STRINGS - 2) {
		uint64_t v;
		char *s;

		fuzz_take(&data, &size, &op, 1);
		if ((op & 7) == 1 && depth > 0) {	/* close */
			if (object[depth])
				jw_object_end(&w);
			else
				jw_array_end(&w);
			depth--;
			continue;
		}
		if (object[depth]) {
			s = fuzz_piece(&data, &size);
			add_string(&x, s);
			jw_key(&w, s);
			free(s);
			nstrings++;
		}
		switch ((op >> 3) & 7) {
		case 0:
		case 1:
			s = fuzz_piece(&data, &size);
			add_string(&x, s);
			jw_string(&w, s);
			free(s);
			nstrings++;
			break;
		case 2:
			if (depth < MAX_NEST) {
				object[++depth] = (op & 0x40) != 0;
				if (object[depth])
					jw_object_begin(&w);
				else
					jw_array_begin(&w);
			} else
				jw_null(&w);
			break;
		case 3:
			fuzz_take(&data, &size, &v, sizeof v);
			if (op & 0x40)
				jw_int(&w, (int64_t)v);
			else
				jw_uint(&w, v);
			break;
		case 4:
			fuzz_take(&data, &size, &v, sizeof v);
			jw_hex(&w, v);
			{
				char hex[24];

				snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)v);
				add_string(&x, hex);
			}
			nstrings++;
			break;
		case 5: {
			double d;

			fuzz_take(&data, &size, &d, sizeof d);
			jw_double(&w, d);
			break;
		}
		case 6:
			jw_bool(&w, op & 0x40);
			break;
		default:
			jw_string(&w, NULL);
			break;
		}
	}
	while (depth > 0) {
		if (object[depth])
			jw_object_end(&w);
		else
			jw_array_end(&w);
		depth--;
	}
	jw_object_end(&w);
	if (jw_done(&w) != 0)
		abort();
	fclose(f);

	struct parser ps = { (const unsigned char *)buf, (const unsigned char *)buf + len, &x, 0 };

	value(&ps);
	ws(&ps);
	FUZZ_CHECK(ps.p == ps.end);
	FUZZ_CHECK(x.next == x.n);
	for (size_t i = 0; i < x.n; i++)
		free(x.s[i]);
	free(buf);
	return 0;
}
