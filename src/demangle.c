/* demangle.c - readable names for mangled symbols: C++ through libstdc++'s __cxa_demangle, Rust (legacy and v0) by a bounded decoder of our own. */
#include "demangle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Declared by the C++ ABI (<cxxabi.h>); holdup links libstdc++ for it. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *
demangle_cxx(const char *name)
{
	char *d, *copy;
	int status = -1;

	if (name == NULL || name[0] != '_' || name[1] != 'Z')
		return NULL;
	d = __cxa_demangle(name, NULL, NULL, &status);
	if (d == NULL || status != 0) {
		free(d);
		return NULL;
	}
	/* the caller frees with free(); copy through xstrdup so allocation failures are handled alike */
	copy = xstrdup(d);
	free(d);
	return copy;
}

/* ---- output, bounded: a symbol is target data ---- */

struct dm_out {
	char buf[DEMANGLE_OUT_MAX + 1];
	size_t len;
	int skip;		/* > 0: parsing without printing (an impl path rustc-demangle omits too) */
	bool bad;
};

static void
dm_put(struct dm_out *o, const char *s, size_t n)
{
	if (o->bad || o->skip > 0)
		return;
	if (n > DEMANGLE_OUT_MAX - o->len) {
		o->bad = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
dm_puts(struct dm_out *o, const char *s)
{
	dm_put(o, s, strlen(s));
}

static void
dm_putu(struct dm_out *o, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && i > 0);
	dm_put(o, tmp + i, sizeof tmp - i);
}

/* A code point as UTF-8; control characters, surrogates and out-of-range values are refused. */
static bool
dm_put_cp(struct dm_out *o, uint32_t c)
{
	char b[4];

	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return false;
	if (c < 0x80) {
		b[0] = (char)c;
		dm_put(o, b, 1);
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		dm_put(o, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		dm_put(o, b, 3);
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3f));
		b[2] = (char)(0x80 | (c >> 6 & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		dm_put(o, b, 4);
	}
	return true;
}

static int
dm_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
dm_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
dm_isident(char c)
{
	return dm_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* ---- legacy Rust: _ZN <len><ident>... 17h<16 hex> E ---- */

/* One $-escape of a legacy identifier at s (just past the '$', n bytes left): the bytes it took
 * up to and with the closing '$', 0 if it is no escape. */
static size_t
dm_legacy_escape(struct dm_out *o, const char *s, size_t n)
{
	static const struct { const char *code; char c; } esc[] = {
		{ "SP", '@' }, { "BP", '*' }, { "RF", '&' }, { "LT", '<' }, { "GT", '>' },
		{ "LP", '(' }, { "RP", ')' }, { "C", ',' },
	};
	size_t end = 0;

	while (end < n && end < 9 && s[end] != '$')
		end++;
	if (end >= n || s[end] != '$' || end == 0)
		return 0;
	for (size_t i = 0; i < sizeof esc / sizeof esc[0]; i++)
		if (strlen(esc[i].code) == end && memcmp(s, esc[i].code, end) == 0) {
			dm_put(o, &esc[i].c, 1);
			return end + 1;
		}
	if (s[0] == 'u' && end >= 2 && end <= 7) {
		uint32_t c = 0;

		for (size_t i = 1; i < end; i++) {
			int h = dm_hexval(s[i]);

			if (h < 0)
				return 0;
			c = c << 4 | (uint32_t)h;
		}
		return dm_put_cp(o, c) ? end + 1 : 0;
	}
	return 0;
}

static bool
dm_legacy_ident(struct dm_out *o, const char *s, size_t n)
{
	size_t i = 0;

	/* an identifier that would start with '$' gets a '_' before it */
	if (n >= 2 && s[0] == '_' && s[1] == '$')
		i = 1;
	while (i < n) {
		size_t k;

		if (s[i] == '$') {
			if ((k = dm_legacy_escape(o, s + i + 1, n - i - 1)) == 0)
				return false;
			i += 1 + k;
		} else if (s[i] == '.') {
			if (i + 1 < n && s[i + 1] == '.') {
				dm_puts(o, "::");
				i += 2;
			} else {
				dm_puts(o, ".");
				i++;
			}
		} else if (dm_isident(s[i])) {
			dm_put(o, s + i, 1);
			i++;
		} else
			return false;
	}
	return true;
}

/* Whether ident (n bytes) is a legacy hash: 'h' and 16 hex digits. */
static bool
dm_legacy_hash(const char *s, size_t n)
{
	if (n != 17 || s[0] != 'h')
		return false;
	for (size_t i = 1; i < n; i++)
		if (dm_hexval(s[i]) < 0)
			return false;
	return true;
}

/* Legacy Rust symbols look like C++ nested names; only those ending in Rust's hash are taken as
 * Rust (others, C++ names among them, are left to the C++ demangler). */
static bool
dm_rust_legacy(const char *name, size_t len, struct dm_out *o)
{
	struct { const char *p; size_t n; } el[DEMANGLE_MAX_DEPTH];
	size_t nel = 0, i = 3;

	if (len < 4 || memcmp(name, "_ZN", 3) != 0)
		return false;
	while (i < len && name[i] != 'E') {
		size_t n = 0, digits = 0;

		while (i < len && dm_isdigit(name[i]) && digits < 5) {
			n = n * 10 + (size_t)(name[i++] - '0');
			digits++;
		}
		if (digits == 0 || n == 0 || n > len - i || nel >= DEMANGLE_MAX_DEPTH)
			return false;
		el[nel].p = name + i;
		el[nel++].n = n;
		i += n;
	}
	/* after the 'E' only a compiler's suffix (".llvm.123") may follow */
	if (i >= len || name[i] != 'E' || (i + 1 < len && name[i + 1] != '.') || nel < 2 ||
	    !dm_legacy_hash(el[nel - 1].p, el[nel - 1].n))
		return false;
	for (size_t k = 0; k + 1 < nel; k++) {
		if (k > 0)
			dm_puts(o, "::");
		if (!dm_legacy_ident(o, el[k].p, el[k].n))
			return false;
	}
	return !o->bad;
}

/* ---- Rust v0: _R <path> [<instantiating crate>] (RFC 2603) ---- */

struct dm_v0 {
	const char *s;		/* just past "_R": backrefs count from here */
	size_t n, pos;
	int depth;
	unsigned steps;
	unsigned binders;	/* bound lifetimes in scope (for 'a, 'b names) */
	struct dm_out *o;
};

static bool dm_v0_path(struct dm_v0 *p, bool in_value);
static bool dm_v0_type(struct dm_v0 *p);
static bool dm_v0_const(struct dm_v0 *p);

static bool
dm_v0_enter(struct dm_v0 *p)
{
	return ++p->depth <= DEMANGLE_MAX_DEPTH && ++p->steps <= DEMANGLE_MAX_STEPS && !p->o->bad;
}

static bool
dm_v0_eat(struct dm_v0 *p, char c)
{
	if (p->pos < p->n && p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

static char
dm_v0_peek(const struct dm_v0 *p)
{
	return p->pos < p->n ? p->s[p->pos] : '\0';
}

/* <base-62-number>: "_" is 0, digits then "_" are their value plus one. */
static bool
dm_v0_base62(struct dm_v0 *p, uint64_t *v)
{
	uint64_t x = 0;

	if (dm_v0_eat(p, '_')) {
		*v = 0;
		return true;
	}
	while (p->pos < p->n && p->s[p->pos] != '_') {
		char c = p->s[p->pos++];
		uint64_t d;

		if (dm_isdigit(c))
			d = (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'z')
			d = (uint64_t)(c - 'a') + 10;
		else if (c >= 'A' && c <= 'Z')
			d = (uint64_t)(c - 'A') + 36;
		else
			return false;
		if (x > (UINT64_MAX - d) / 62)
			return false;
		x = x * 62 + d;
	}
	if (!dm_v0_eat(p, '_') || x == UINT64_MAX)
		return false;
	*v = x + 1;
	return true;
}

/* An optional tag followed by a base-62 number: 0 when absent, the number plus one otherwise. */
static bool
dm_v0_opt62(struct dm_v0 *p, char tag, uint64_t *v)
{
	*v = 0;
	if (!dm_v0_eat(p, tag))
		return true;
	if (!dm_v0_base62(p, v) || *v == UINT64_MAX)
		return false;
	(*v)++;
	return true;
}

static bool
dm_v0_decimal(struct dm_v0 *p, size_t *v)
{
	size_t x = 0, digits = 0;

	if (!dm_isdigit(dm_v0_peek(p)))
		return false;
	/* a length 0 ends at its digit: what follows is the next token (an empty closure name "0") */
	if (dm_v0_eat(p, '0')) {
		*v = 0;
		return true;
	}
	while (dm_isdigit(dm_v0_peek(p))) {
		if (++digits > 6)
			return false;
		x = x * 10 + (size_t)(p->s[p->pos++] - '0');
	}
	*v = x;
	return true;
}

/* Punycode (RFC 3492) of a v0 identifier: basic code points, '_', then the deltas. Output bounded
 * by the identifier's own length and DEMANGLE_OUT_MAX. */
static bool
dm_punycode(struct dm_out *o, const char *s, size_t n)
{
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, MAXCP = 256 };
	uint32_t cp[MAXCP];
	size_t ncp = 0, basic = 0, i = 0;
	uint64_t code = 128, bias = 72, idx = 0;
	bool first = true;

	for (size_t k = 0; k < n; k++)
		if (s[k] == '_')
			basic = k + 1;
	for (size_t k = 0; basic > 0 && k + 1 < basic; k++) {
		if (ncp >= MAXCP)
			return false;
		cp[ncp++] = (unsigned char)s[k];
	}
	i = basic;
	while (i < n) {
		uint64_t old = idx, w = 1;

		for (uint64_t k = BASE;; k += BASE) {
			char c = i < n ? s[i++] : '\0';
			uint64_t d, t;

			if (c >= 'a' && c <= 'z')
				d = (uint64_t)(c - 'a');
			else if (c >= '0' && c <= '9')
				d = (uint64_t)(c - '0') + 26;
			else
				return false;
			if (d > (UINT32_MAX - idx) / w)
				return false;
			idx += d * w;
			t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if (d < t)
				break;
			if (w > UINT32_MAX / (BASE - t) || k > 10 * BASE)
				return false;
			w *= BASE - t;
		}
		if (ncp >= MAXCP)
			return false;
		/* bias adaptation */
		{
			uint64_t delta = first ? (idx - old) / DAMP : (idx - old) / 2, k = 0;

			first = false;

			delta += delta / (ncp + 1);
			while (delta > ((BASE - TMIN) * TMAX) / 2) {
				delta /= BASE - TMIN;
				k += BASE;
			}
			bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
		}
		code += idx / (ncp + 1);
		idx %= ncp + 1;
		if (code > 0x10ffff)
			return false;
		memmove(cp + idx + 1, cp + idx, (ncp - idx) * sizeof *cp);
		cp[idx++] = (uint32_t)code;
		ncp++;
	}
	for (size_t k = 0; k < ncp; k++)
		if (!dm_put_cp(o, cp[k]))
			return false;
	return true;
}

/* <undisambiguated-identifier>: ["u"] <decimal> ["_"] <bytes>; *s, *len the bytes (raw or punycode). */
static bool
dm_v0_ident(struct dm_v0 *p, const char **s, size_t *len, bool *puny)
{
	size_t n;

	*puny = dm_v0_eat(p, 'u');
	if (!dm_v0_decimal(p, &n))
		return false;
	dm_v0_eat(p, '_');
	if (n > p->n - p->pos)
		return false;
	*s = p->s + p->pos;
	*len = n;
	p->pos += n;
	for (size_t i = 0; i < n; i++)
		if (!dm_isident((*s)[i]))
			return false;
	return true;
}

static bool
dm_v0_put_ident(struct dm_v0 *p, const char *s, size_t n, bool puny)
{
	if (puny)
		return dm_punycode(p->o, s, n);
	dm_put(p->o, s, n);
	return true;
}

/* A backref: parse again at an earlier position with f, then come back. */
static bool
dm_v0_backref(struct dm_v0 *p, bool (*f)(struct dm_v0 *, bool), bool arg)
{
	size_t at = p->pos - 1, saved;
	uint64_t to;
	bool ok;

	if (!dm_v0_base62(p, &to) || to >= at)
		return false;
	saved = p->pos;
	p->pos = (size_t)to;
	ok = f(p, arg);
	p->pos = saved;
	return ok;
}

static bool
dm_v0_type_arg(struct dm_v0 *p, bool unused)
{
	(void)unused;
	return dm_v0_type(p);
}

static bool
dm_v0_const_arg(struct dm_v0 *p, bool unused)
{
	(void)unused;
	return dm_v0_const(p);
}

static void
dm_v0_lifetime(struct dm_v0 *p, uint64_t lt)
{
	char b[3] = { '\'', 'a', '\0' };

	if (lt == 0) {
		dm_puts(p->o, "'_");
		return;
	}
	if (lt > p->binders) {
		dm_puts(p->o, "'?");
		return;
	}
	if (p->binders - lt < 26) {
		b[1] = (char)('a' + (p->binders - lt));
		dm_puts(p->o, b);
	} else {
		dm_puts(p->o, "'_");
		dm_putu(p->o, p->binders - lt);
	}
}

/* <generic-arg>: a lifetime, a type or "K" <const>. */
static bool
dm_v0_generic_arg(struct dm_v0 *p)
{
	uint64_t lt;

	if (dm_v0_eat(p, 'L')) {
		if (!dm_v0_base62(p, &lt))
			return false;
		dm_v0_lifetime(p, lt);
		return true;
	}
	if (dm_v0_eat(p, 'K'))
		return dm_v0_const(p);
	return dm_v0_type(p);
}

/* The args of an "I" list up to its "E", comma separated (the "<" is the caller's). */
static bool
dm_v0_generic_args(struct dm_v0 *p)
{
	for (int i = 0; !dm_v0_eat(p, 'E'); i++) {
		if (p->pos >= p->n)
			return false;
		if (i > 0)
			dm_puts(p->o, ", ");
		if (!dm_v0_generic_arg(p))
			return false;
	}
	return true;
}

static bool
dm_v0_path_body(struct dm_v0 *p, bool in_value)
{
	const char *id;
	size_t idn;
	bool puny;
	uint64_t dis;
	char tag = dm_v0_peek(p), ns;

	p->pos++;
	switch (tag) {
	case 'C':
		if (!dm_v0_opt62(p, 's', &dis) || !dm_v0_ident(p, &id, &idn, &puny))
			return false;
		return dm_v0_put_ident(p, id, idn, puny);
	case 'M':
	case 'X':
		if (!dm_v0_opt62(p, 's', &dis))
			return false;
		p->o->skip++;
		if (!dm_v0_path(p, false))
			return false;
		p->o->skip--;
		/* fall through */
	case 'Y':
		dm_puts(p->o, "<");
		if (!dm_v0_type(p))
			return false;
		if (tag != 'M') {
			dm_puts(p->o, " as ");
			if (!dm_v0_path(p, false))
				return false;
		}
		dm_puts(p->o, ">");
		return true;
	case 'N':
		ns = dm_v0_peek(p);
		if (!((ns >= 'a' && ns <= 'z') || (ns >= 'A' && ns <= 'Z')))
			return false;
		p->pos++;
		if (!dm_v0_path(p, in_value) || !dm_v0_opt62(p, 's', &dis) || !dm_v0_ident(p, &id, &idn, &puny))
			return false;
		if (ns >= 'A' && ns <= 'Z') {
			dm_puts(p->o, "::{");
			dm_puts(p->o, ns == 'C' ? "closure" : ns == 'S' ? "shim" : (char[]){ ns, '\0' });
			if (idn > 0) {
				dm_puts(p->o, ":");
				if (!dm_v0_put_ident(p, id, idn, puny))
					return false;
			}
			dm_puts(p->o, "#");
			dm_putu(p->o, dis);
			dm_puts(p->o, "}");
		} else if (idn > 0) {
			dm_puts(p->o, "::");
			return dm_v0_put_ident(p, id, idn, puny);
		}
		return true;
	case 'I':
		if (!dm_v0_path(p, in_value))
			return false;
		dm_puts(p->o, in_value ? "::<" : "<");
		if (!dm_v0_generic_args(p))
			return false;
		dm_puts(p->o, ">");
		return true;
	case 'B':
		return dm_v0_backref(p, dm_v0_path, in_value);
	default:
		return false;
	}
}

static bool
dm_v0_path(struct dm_v0 *p, bool in_value)
{
	bool ok = dm_v0_enter(p) && dm_v0_path_body(p, in_value);

	p->depth--;
	return ok;
}

static const char *
dm_v0_basic(char c)
{
	switch (c) {
	case 'a': return "i8";
	case 'b': return "bool";
	case 'c': return "char";
	case 'd': return "f64";
	case 'e': return "str";
	case 'f': return "f32";
	case 'h': return "u8";
	case 'i': return "isize";
	case 'j': return "usize";
	case 'l': return "i32";
	case 'm': return "u32";
	case 'n': return "i128";
	case 'o': return "u128";
	case 's': return "i16";
	case 't': return "u16";
	case 'u': return "()";
	case 'v': return "...";
	case 'x': return "i64";
	case 'y': return "u64";
	case 'z': return "!";
	case 'p': return "_";
	default: return NULL;
	}
}

/* [G <binder>]: lifetimes bound by a fn pointer or dyn type ("for<'a, 'b> "); returns how many. */
static bool
dm_v0_binder(struct dm_v0 *p, uint64_t *n)
{
	if (!dm_v0_opt62(p, 'G', n) || *n > 64 || p->binders + *n > 1024)
		return false;
	if (*n == 0)
		return true;
	dm_puts(p->o, "for<");
	for (uint64_t i = 0; i < *n; i++) {
		if (i > 0)
			dm_puts(p->o, ", ");
		p->binders++;
		dm_v0_lifetime(p, 1);
	}
	dm_puts(p->o, "> ");
	return true;
}

static bool
dm_v0_fnsig(struct dm_v0 *p)
{
	uint64_t nb;
	const char *id;
	size_t idn;
	bool puny, ok = true;

	if (!dm_v0_binder(p, &nb))
		return false;
	if (dm_v0_eat(p, 'U'))
		dm_puts(p->o, "unsafe ");
	if (dm_v0_eat(p, 'K')) {
		dm_puts(p->o, "extern \"");
		if (dm_v0_eat(p, 'C'))
			dm_puts(p->o, "C");
		else {
			if (!dm_v0_ident(p, &id, &idn, &puny) || puny)
				return false;
			for (size_t i = 0; i < idn; i++)
				dm_put(p->o, id[i] == '_' ? "-" : id + i, 1);
		}
		dm_puts(p->o, "\" ");
	}
	dm_puts(p->o, "fn(");
	for (int i = 0; ok && !dm_v0_eat(p, 'E'); i++) {
		if (p->pos >= p->n)
			return false;
		if (i > 0)
			dm_puts(p->o, ", ");
		ok = dm_v0_type(p);
	}
	dm_puts(p->o, ")");
	if (ok && dm_v0_eat(p, 'u'))
		;	/* returns (): not shown */
	else if (ok) {
		dm_puts(p->o, " -> ");
		ok = dm_v0_type(p);
	}
	p->binders -= (unsigned)nb;
	return ok;
}

/* A dyn trait's path, its generic args left open when associated type bindings follow. */
static bool
dm_v0_dyn_trait(struct dm_v0 *p)
{
	bool open = false;
	const char *id;
	size_t idn;
	bool puny;

	if (dm_v0_peek(p) == 'I') {
		p->pos++;
		if (!dm_v0_path(p, false))
			return false;
		dm_puts(p->o, "<");
		if (!dm_v0_generic_args(p))
			return false;
		open = true;
	} else if (!dm_v0_path(p, false))
		return false;
	while (dm_v0_eat(p, 'p')) {
		dm_puts(p->o, open ? ", " : "<");
		open = true;
		if (!dm_v0_ident(p, &id, &idn, &puny) || !dm_v0_put_ident(p, id, idn, puny))
			return false;
		dm_puts(p->o, " = ");
		if (!dm_v0_type(p))
			return false;
	}
	if (open)
		dm_puts(p->o, ">");
	return true;
}

static bool
dm_v0_dyn(struct dm_v0 *p)
{
	uint64_t nb, lt;
	bool ok = true;

	dm_puts(p->o, "dyn ");
	if (!dm_v0_binder(p, &nb))
		return false;
	for (int i = 0; ok && !dm_v0_eat(p, 'E'); i++) {
		if (p->pos >= p->n)
			return false;
		if (i > 0)
			dm_puts(p->o, " + ");
		ok = dm_v0_dyn_trait(p);
	}
	p->binders -= (unsigned)nb;
	if (!ok || !dm_v0_eat(p, 'L') || !dm_v0_base62(p, &lt))
		return false;
	if (lt != 0) {
		dm_puts(p->o, " + ");
		dm_v0_lifetime(p, lt);
	}
	return true;
}

static bool
dm_v0_type_body(struct dm_v0 *p)
{
	char tag = dm_v0_peek(p);
	const char *basic = dm_v0_basic(tag);
	uint64_t lt = 0;
	int n;

	if (basic != NULL) {
		p->pos++;
		dm_puts(p->o, basic);
		return true;
	}
	switch (tag) {
	case 'C': case 'M': case 'X': case 'Y': case 'N': case 'I':
		return dm_v0_path(p, false);
	}
	p->pos++;
	switch (tag) {
	case 'R':
	case 'Q':
		dm_puts(p->o, "&");
		if (dm_v0_eat(p, 'L')) {
			if (!dm_v0_base62(p, &lt))
				return false;
			if (lt != 0) {
				dm_v0_lifetime(p, lt);
				dm_puts(p->o, " ");
			}
		}
		if (tag == 'Q')
			dm_puts(p->o, "mut ");
		return dm_v0_type(p);
	case 'P':
	case 'O':
		dm_puts(p->o, tag == 'P' ? "*const " : "*mut ");
		return dm_v0_type(p);
	case 'A':
	case 'S':
		dm_puts(p->o, "[");
		if (!dm_v0_type(p))
			return false;
		if (tag == 'A') {
			dm_puts(p->o, "; ");
			if (!dm_v0_const(p))
				return false;
		}
		dm_puts(p->o, "]");
		return true;
	case 'T':
		dm_puts(p->o, "(");
		for (n = 0; !dm_v0_eat(p, 'E'); n++) {
			if (p->pos >= p->n)
				return false;
			if (n > 0)
				dm_puts(p->o, ", ");
			if (!dm_v0_type(p))
				return false;
		}
		dm_puts(p->o, n == 1 ? ",)" : ")");
		return true;
	case 'F':
		return dm_v0_fnsig(p);
	case 'D':
		return dm_v0_dyn(p);
	case 'B':
		return dm_v0_backref(p, dm_v0_type_arg, false);
	default:
		return false;
	}
}

static bool
dm_v0_type(struct dm_v0 *p)
{
	bool ok = dm_v0_enter(p) && dm_v0_type_body(p);

	p->depth--;
	return ok;
}

/* <const>: integers, bools and chars of a basic type (hex digits then '_'), '_' as a placeholder;
 * the other (unstable) const kinds are not decoded. */
static bool
dm_v0_const_body(struct dm_v0 *p)
{
	char tag = dm_v0_peek(p);
	bool neg = false;
	uint64_t v = 0;
	size_t digits = 0;

	p->pos++;
	if (tag == 'p') {
		dm_puts(p->o, "_");
		return true;
	}
	if (tag == 'B')
		return dm_v0_backref(p, dm_v0_const_arg, false);
	if (strchr("ahtmyojslxnibc", tag) == NULL || tag == '\0')
		return false;
	if (strchr("aslxni", tag) != NULL)
		neg = dm_v0_eat(p, 'n');
	while (dm_v0_peek(p) != '_') {
		int h = dm_hexval(dm_v0_peek(p));

		if (h < 0 || ++digits > 16)
			return false;
		v = v << 4 | (uint64_t)h;
		p->pos++;
	}
	p->pos++;
	if (tag == 'b') {
		if (v > 1)
			return false;
		dm_puts(p->o, v ? "true" : "false");
	} else if (tag == 'c') {
		dm_puts(p->o, "'");
		if (v == '\'' || v == '\\')
			dm_puts(p->o, "\\");
		if (v > UINT32_MAX || !dm_put_cp(p->o, (uint32_t)v))
			return false;
		dm_puts(p->o, "'");
	} else {
		if (neg)
			dm_puts(p->o, "-");
		dm_putu(p->o, v);
	}
	return true;
}

static bool
dm_v0_const(struct dm_v0 *p)
{
	bool ok = dm_v0_enter(p) && dm_v0_const_body(p);

	p->depth--;
	return ok;
}

static bool
dm_rust_v0(const char *name, size_t len, struct dm_out *o)
{
	struct dm_v0 p = { .s = name + 2, .n = len - 2, .o = o };

	if (len < 3 || name[0] != '_' || name[1] != 'R')
		return false;
	/* a version number would follow here; only version 0 (none written) is defined */
	if (dm_isdigit(dm_v0_peek(&p)) || !dm_v0_path(&p, true))
		return false;
	/* the instantiating crate, not shown */
	if (dm_v0_peek(&p) >= 'A' && dm_v0_peek(&p) <= 'Z') {
		o->skip++;
		if (!dm_v0_path(&p, false))
			return false;
		o->skip--;
	}
	return !o->bad && (p.pos == p.n || p.s[p.pos] == '.');
}

char *
demangle_rust(const char *name)
{
	struct dm_out *o;
	size_t len;
	char *r = NULL;

	if (name == NULL || name[0] != '_' || (name[1] != 'R' && name[1] != 'Z'))
		return NULL;
	if ((len = strnlen(name, DEMANGLE_IN_MAX + 1)) > DEMANGLE_IN_MAX)
		return NULL;
	o = xcalloc(1, sizeof *o);
	if (name[1] == 'R' ? dm_rust_v0(name, len, o) : dm_rust_legacy(name, len, o))
		r = xstrdup(o->buf);
	free(o);
	return r;
}

char *
demangle_name(const char *name)
{
	char *r = demangle_rust(name);

	return r != NULL ? r : demangle_cxx(name);
}
