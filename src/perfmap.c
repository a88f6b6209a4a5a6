/* perfmap.c - the target's perf map (/tmp/perf-PID.map: "START SIZE name" lines a JIT writes), parsed bounded and re-read when it grows. */
#include "perfmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targetfile.h"
#include "util.h"

static int
perfmap_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hexadecimal number at *p (before end), "0x" allowed; advances *p. False if none or over 64 bits. */
static bool
perfmap_num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0, h;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (s < end && (h = perfmap_hex(*s)) >= 0) {
		if (++digits > 16)
			return false;
		x = x << 4 | (uint64_t)h;
		s++;
	}
	if (digits == 0)
		return false;
	*v = x;
	*p = s;
	return true;
}

static int
perfmap_cmp(const void *a, const void *b)
{
	const struct perfmap_entry *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* One line [s, end): appends its entry, false if it is not "START SIZE name". */
static bool
perfmap_line(struct perfmap *m, const char *s, const char *end, size_t *cap, size_t *ncap)
{
	uint64_t start, size;
	size_t nlen;
	char *dst;

	if (!perfmap_num(&s, end, &start) || s >= end || *s != ' ')
		return false;
	while (s < end && *s == ' ')
		s++;
	if (!perfmap_num(&s, end, &size) || s >= end || *s != ' ' || size == 0 || start + size < start)
		return false;
	s++;
	while (end > s && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (s >= end)
		return false;
	nlen = (size_t)(end - s) < PERFMAP_MAX_NAME ? (size_t)(end - s) : PERFMAP_MAX_NAME;
	xgrow(&m->entries, cap, m->n + 1, sizeof *m->entries);
	xgrow(&m->names, ncap, m->names_len + nlen + 1, 1);
	dst = m->names + m->names_len;
	for (size_t i = 0; i < nlen; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[nlen] = '\0';
	m->entries[m->n] = (struct perfmap_entry){ start, size, (uint32_t)m->n, (uint32_t)m->names_len };
	m->names_len += nlen + 1;
	m->n++;
	return true;
}

void
perfmap_parse(struct perfmap *m, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t cap = 0, ncap = 0;

	free(m->entries);
	free(m->names);
	m->entries = NULL;
	m->names = NULL;
	m->n = m->names_len = m->skipped = 0;
	m->truncated = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl != NULL ? nl : end;

		if (m->n >= PERFMAP_MAX_ENTRIES) {
			m->truncated = true;
			break;
		}
		/* a last line without its newline may be one the JIT is still writing: left for next time */
		if (nl == NULL)
			break;
		if (le > p && !perfmap_line(m, p, le, &cap, &ncap))
			m->skipped++;
		p = le + 1;
	}
	util_sort(m->entries, m->n, sizeof *m->entries, perfmap_cmp);
}

/* Entries looked at below the last one starting at or before pc: overlapping code (a JIT reusing
 * memory) is rare, and the search must end. */
#define PERFMAP_BACK 64

const char *
perfmap_lookup(const struct perfmap *m, uint64_t pc, uint64_t *off)
{
	size_t lo = 0, hi = m->n;
	const struct perfmap_entry *best = NULL;

	/* the first entry starting after pc */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->entries[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i > 0 && k < PERFMAP_BACK; i--, k++) {
		const struct perfmap_entry *e = &m->entries[i - 1];

		if (pc - e->start < e->size && (best == NULL || e->seq > best->seq))
			best = e;
	}
	if (best == NULL || best->name >= m->names_len)
		return NULL;
	if (off != NULL)
		*off = pc - best->start;
	return m->names + best->name;
}

static void
perfmap_clear(struct perfmap *m, const char *why)
{
	perfmap_parse(m, "", 0);
	m->present = false;
	m->dev = m->ino = m->size = 0;
	m->mtime_ns = 0;
	free(m->error);
	m->error = why != NULL ? xstrdup(why) : NULL;
}

bool
perfmap_refresh(struct perfmap *m, const struct targetfile_root *r, pid_t nspid, uid_t owner)
{
	struct targetfile_want w = { .max_size = PERFMAP_MAX_BYTES, .nofollow = true, .owner_check = true,
		.owner = owner };
	struct err e = { "" };
	char path[64], *buf;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd;

	if (r == NULL || r->pid <= 0 || nspid <= 0) {
		perfmap_clear(m, NULL);
		return false;
	}
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)nspid);
	if (m->path == NULL || strcmp(m->path, path) != 0) {
		free(m->path);
		m->path = xstrdup(path);
		m->present = false;
	}
	if ((fd = targetfile_open(r, path, &w, NULL, &e)) < 0) {
		/* no map is the common case (no JIT, or one that writes none): nothing to say */
		perfmap_clear(m, strstr(e.msg, strerror(ENOENT)) != NULL ? NULL : e.msg);
		return false;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		perfmap_clear(m, "fstat failed");
		return false;
	}
	if (m->present && m->dev == (uint64_t)st.st_dev && m->ino == (uint64_t)st.st_ino &&
	    m->size == (uint64_t)st.st_size && m->mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec) {
		close(fd);
		return m->n > 0;
	}
	{
		/* it may have grown since it was opened: never past the bound */
		size_t want = (uint64_t)st.st_size < PERFMAP_MAX_BYTES ? (size_t)st.st_size : PERFMAP_MAX_BYTES;

		buf = xmalloc(want + 1);
		while (len < want && (got = read(fd, buf + len, want - len)) > 0)
			len += (size_t)got;
		close(fd);
		perfmap_parse(m, buf, len);
		free(buf);
		if ((uint64_t)st.st_size > PERFMAP_MAX_BYTES)
			m->truncated = true;
	}
	m->present = true;
	m->dev = (uint64_t)st.st_dev;
	m->ino = (uint64_t)st.st_ino;
	m->size = (uint64_t)st.st_size;
	m->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	free(m->error);
	m->error = NULL;
	return m->n > 0;
}

void
perfmap_free(struct perfmap *m)
{
	if (m == NULL)
		return;
	free(m->entries);
	free(m->names);
	free(m->path);
	free(m->error);
	memset(m, 0, sizeof *m);
}
