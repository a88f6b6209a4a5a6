/* util.h - allocation wrappers, error messages and small helpers shared by every module. */
#ifndef HOLDUP_UTIL_H
#define HOLDUP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An error a library call can hand back to its caller, who decides whether to show it. */
struct err {
	char msg[512];
};

/* Formats msg into e (if e is not NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes an existing message: "tid 12: " + old. Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Cleanup run before holdup dies on a fatal error (restore the terminal, detach).
 * Hooks run last-registered first; each runs at most once. */
typedef void (*util_cleanup_fn)(void);
void util_at_fatal(util_cleanup_fn fn);
void util_remove_fatal(util_cleanup_fn fn);
void util_run_fatal_hooks(void);
void util_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (of *cap elements of size sz) so it holds at least need elements. */
void xgrow(void *pp, size_t *cap, size_t need, size_t sz);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic clock in microseconds / nanoseconds. */
uint64_t util_now_us(void);
uint64_t util_now_ns(void);

/* Reads a whole (small, /proc-style) file into a NUL-terminated malloc'd buffer.
 * Returns NULL and sets errno on failure; *len gets the length if len is not NULL. */
char *util_read_file(const char *path, size_t *len);

/* Length (1-4) of the valid UTF-8 sequence at s, 0 if it is invalid (overlong, surrogate,
 * truncated). s must be NUL-terminated. */
int util_utf8_len(const unsigned char *s);
/* Whether each of the 8 bytes in v is printable ASCII (0x20-0x7e): word-at-a-time tests, exact
 * for "any byte", so escaping code skips plain text 8 bytes at a time. */
static inline bool
util_word_printable(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull;

	return ((((v - ones * 0x20) & ~v) | ((v + ones) | v)) & (ones * 0x80)) == 0;
}
/* Whether v holds the byte c. */
static inline bool
util_word_has(uint64_t v, unsigned char c)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x = v ^ (ones * c);

	return ((x - ones) & ~x & (ones * 0x80)) != 0;
}
/* Length of the prefix of s[0..n) that is printable ASCII (taken 8 bytes at a time). */
size_t util_printable_prefix(const char *s, size_t n);

/* qsort that accepts an empty (even NULL) array: qsort(NULL, 0, ...) is undefined behaviour. */
void util_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* Descriptors holdup keeps free below its limit for what must never fail for want of one: the
 * terminal, libdw's files, the output. */
#define UTIL_FD_RESERVE 256
/* Raises the soft RLIMIT_NOFILE to the hard one (once) and returns the soft limit. */
long util_fd_limit(void);
/* True when fd, just opened, leaves the reserve free: descriptors are numbered lowest first, so
 * the number says how many are open. Caches (per-thread /proc files, perf events) keep a
 * descriptor only when this holds, so together they never eat the reserve. */
bool util_fd_spare(int fd);

/* True when the user asked for no colour: NO_COLOR set and not empty (no-color.org). */
bool util_no_color(void);

/* Returns the basename part of a path (a pointer into path). */
const char *util_basename(const char *path);

#endif
