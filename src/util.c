/* util.c - allocation wrappers that clean up before aborting, error messages, clocks, file reading. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UTIL_MAX_HOOKS 8

static util_cleanup_fn util_hooks[UTIL_MAX_HOOKS];
static int util_nhooks;

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char pre[256], old[sizeof e->msg];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	{
		size_t pl = strnlen(pre, sizeof pre), ol = strnlen(old, sizeof old);

		if (pl > sizeof e->msg - 1)
			pl = sizeof e->msg - 1;
		if (ol > sizeof e->msg - 1 - pl)
			ol = sizeof e->msg - 1 - pl;
		memcpy(e->msg, pre, pl);
		memcpy(e->msg + pl, old, ol);
		e->msg[pl + ol] = '\0';
	}
	return -1;
}

void
util_at_fatal(util_cleanup_fn fn)
{
	for (int i = 0; i < util_nhooks; i++)
		if (util_hooks[i] == fn)
			return;
	if (util_nhooks < UTIL_MAX_HOOKS)
		util_hooks[util_nhooks++] = fn;
}

void
util_remove_fatal(util_cleanup_fn fn)
{
	for (int i = 0; i < util_nhooks; i++) {
		if (util_hooks[i] == fn) {
			memmove(&util_hooks[i], &util_hooks[i + 1],
			    (size_t)(util_nhooks - i - 1) * sizeof util_hooks[0]);
			util_nhooks--;
			return;
		}
	}
}

void
util_run_fatal_hooks(void)
{
	/* Pop each hook before running it so a crash inside a hook cannot loop. */
	while (util_nhooks > 0) {
		util_cleanup_fn fn = util_hooks[--util_nhooks];
		fn();
	}
}

void
util_fatal(const char *fmt, ...)
{
	va_list ap;

	util_run_fatal_hooks();
	fputs("holdup: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		util_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		util_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		util_fatal("out of memory (%zu bytes)", n);
	return q;
}

void
xgrow(void *pp, size_t *cap, size_t need, size_t sz)
{
	void **p = pp;
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / sz)
		util_fatal("allocation too large (%zu x %zu)", ncap, sz);
	*p = xrealloc(*p, ncap * sz);
	*cap = ncap;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_fatal("xasprintf: bad format");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

uint64_t
util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
util_now_us(void)
{
	return util_now_ns() / 1000;
}

char *
util_read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int saved = errno;

			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

size_t
util_printable_prefix(const char *s, size_t n)
{
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t v;

		memcpy(&v, s + i, 8);
		if (!util_word_printable(v))
			break;
	}
	while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
		i++;
	return i;
}

int
util_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

void
util_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

const char *
util_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

long
util_fd_limit(void)
{
	static long limit = -1;
	struct rlimit rl;

	if (limit >= 0)
		return limit;
	limit = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return limit;
	/* a 10,000-thread target needs a descriptor or more per thread while sampling */
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (1u << 20)) {
		rl.rlim_cur = rl.rlim_max < (1u << 20) ? rl.rlim_max : (1u << 20);
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? (1L << 20) : (long)rl.rlim_cur;
	return limit;
}

bool
util_fd_spare(int fd)
{
	return fd >= 0 && (long)fd < util_fd_limit() - UTIL_FD_RESERVE;
}

bool
util_no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v != NULL && v[0] != '\0';
}
