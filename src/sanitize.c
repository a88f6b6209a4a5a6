/* sanitize.c - escapes control bytes and invalid UTF-8 in names and symbols taken from the target. */
#include "sanitize.h"

#include <string.h>

#include "util.h"

/* Like util_utf8_len, but C1 controls (U+0080..U+009F, CSI among them) count as invalid. */
static int
sanitize_utf8_len(const unsigned char *s)
{
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0)
		return 0;
	return util_utf8_len(s);
}

char *
sanitize_str(const char *str, char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "?");
	size_t o = 0;
	static const char hex[] = "0123456789abcdef";

	if (len == 0)
		return buf;
	while (*s != '\0') {
		int n = sanitize_utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (n == 0) {
			if (o + 4 >= len)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*s >> 4];
			buf[o++] = hex[*s & 15];
			s++;
			continue;
		}
		if (o + (size_t)n >= len)
			break;
		memcpy(buf + o, s, (size_t)n);
		o += (size_t)n;
		s += n;
	}
	buf[o] = '\0';
	return buf;
}

void
sanitize_fputs(const char *s, FILE *f)
{
	char buf[1024];
	size_t n;

	if (s == NULL) {
		fputc('?', f);
		return;
	}
	n = strlen(s);
	if (util_printable_prefix(s, n) == n) {
		fputs(s, f);	/* nothing to escape: most names and paths */
		return;
	}
	if (n < 250) {
		fputs(sanitize_str(s, buf, sizeof buf), f);
		return;
	}
	/* long strings: escape in chunks cut at ASCII boundaries */
	while (*s != '\0') {
		size_t take = 200;
		char chunk[256];

		while (take < strlen(s) && take < 240 && ((unsigned char)s[take] & 0xc0) == 0x80)
			take++;
		if (take > strlen(s))
			take = strlen(s);
		memcpy(chunk, s, take);
		chunk[take] = '\0';
		fputs(sanitize_str(chunk, buf, sizeof buf), f);
		s += take;
	}
}

/* Length of the byte sequence at p that sanitize_name replaces by '_' (0: keep it as it is). */
static size_t
sanitize_name_bad(const unsigned char *p, int *keep)
{
	int n = util_utf8_len(p);

	*keep = n;
	if (n == 0)
		return 1;
	if ((n == 1 && (*p < 0x20 || *p == 0x7f)) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0))
		return (size_t)n;
	return 0;
}

char *
sanitize_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	int keep;
	size_t bad;

	for (; *p != '\0'; p += keep)
		if (sanitize_name_bad(p, &keep) != 0)
			break;
	if (*p == '\0')
		return NULL;
	o = out = xmalloc(strlen(s) + 1);
	for (p = (const unsigned char *)s; *p != '\0';) {
		if ((bad = sanitize_name_bad(p, &keep)) != 0) {
			*o++ = '_';
			p += bad;
			continue;
		}
		memcpy(o, p, (size_t)keep);
		o += keep;
		p += keep;
	}
	*o = '\0';
	return out;
}
