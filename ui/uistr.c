/* uistr.c - terminal-safe copies of untrusted strings and compact durations for the dashboard. */
#include "uistr.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "sanitize.h"

int
uistr_sanitize(char *dst, size_t dstsz, const char *src, int maxcols)
{
	char esc[2048];
	mbstate_t st;
	size_t o = 0, i = 0, slen;
	int cols = 0;

	if (dstsz == 0)
		return 0;
	/* Same \xNN escapes as the text dump, then a second pass for what this terminal's locale cannot show. */
	src = sanitize_str(src != NULL ? src : "", esc, sizeof esc);
	slen = strlen(src);
	memset(&st, 0, sizeof st);
	while (i < slen && (maxcols < 0 || cols < maxcols)) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, src + i, slen - i, &st);
		int w = -1;

		if (n != (size_t)-1 && n != (size_t)-2 && n != 0 && iswprint((wint_t)wc))
			w = wcwidth(wc);
		if (w < 0) {
			/* A control byte or broken sequence: one '?' per byte, resynchronise. */
			memset(&st, 0, sizeof st);
			if (o + 1 >= dstsz)
				break;
			dst[o++] = '?';
			cols++;
			i++;
			continue;
		}
		if ((maxcols >= 0 && cols + w > maxcols) || o + n >= dstsz)
			break;
		memcpy(dst + o, src + i, n);
		o += n;
		i += n;
		cols += w;
	}
	dst[o] = '\0';
	return cols;
}

void
uistr_duration(char *buf, size_t len, double secs)
{
	unsigned long s;

	if (secs < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (secs < 1) {
		snprintf(buf, len, "%dms", (int)(secs * 1000));
		return;
	}
	if (secs < 10) {
		snprintf(buf, len, "%.1fs", secs);
		return;
	}
	s = (unsigned long)secs;
	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%luh%02lum", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, len, "%lud%02luh", s / 86400, (s % 86400) / 3600);
}
