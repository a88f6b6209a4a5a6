/* output.c - the registry of output formats and the one-snapshot convenience writer. */
#include "output.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

extern const struct output_format output_text_format;
extern const struct output_format output_json_format;
extern const struct output_format output_folded_format;
extern const struct output_format output_pprof_format;
extern const struct output_format output_json_array_format;
extern const struct output_format output_speedscope_format;
extern const struct output_format output_dot_format;

static const struct output_format *const output_formats[] = {
	&output_text_format,
	&output_json_format,
	&output_folded_format,
	&output_pprof_format,
	&output_json_array_format,
	&output_speedscope_format,
	&output_dot_format,
};

const struct output_format *
output_find(const char *name)
{
	for (size_t i = 0; i < sizeof output_formats / sizeof output_formats[0]; i++)
		if (strcmp(output_formats[i]->name, name) == 0)
			return output_formats[i];
	return NULL;
}

int
output_write(const struct output_format *fmt, FILE *f, const struct output_opts *o, const struct snapshot *s)
{
	void *st = fmt->begin(f, o);
	int rc = fmt->add(st, s);

	return fmt->end(st) < 0 || rc < 0 ? -1 : 0;
}

char *
output_probable_describe(const struct snapshot *s, const struct probable_holder *p, char *buf, size_t len)
{
	static const char *const what[HOLDER_EV_COUNT] = {
		"a pointer to its object", "its address", "a lock taken and not released",
		"a deferred unlock", "a guard",
	};
	char fn[128], file[128], who[48], where[320];
	const char *ev = (unsigned)p->evidence < HOLDER_EV_COUNT ? what[p->evidence] : "its address";

	if (p->thread >= 0 && (size_t)p->thread < s->nthreads)
		snprintf(who, sizeof who, "thread %d", (int)s->threads[p->thread].tid);
	else
		snprintf(who, sizeof who, "goroutine %" PRIu64, p->goroutine);
	if (p->frame_index < 0) {
		snprintf(where, sizeof where, "in a register");
	} else {
		size_t fl;
		const char *paren;

		sanitize_str(p->frame.function, fn, sizeof fn);
		/* a demangled C++ name brings its own parameter list */
		fl = strlen(fn);
		paren = fl > 0 && fn[fl - 1] == ')' ? "" : "()";
		if (p->frame.file != NULL) {
			sanitize_str(util_basename(p->frame.file), file, sizeof file);
			snprintf(where, sizeof where, "in frame #%d %s%s at %s:%d", p->frame_index, fn, paren, file,
			    p->frame.line);
		} else {
			snprintf(where, sizeof where, "in frame #%d %s%s", p->frame_index, fn, paren);
		}
	}
	snprintf(buf, len, "%s (%s%s%s %s)", who, p->mode != HOLDER_MODE_UNKNOWN ? snapshot_holder_mode_name(p->mode) : "",
	    p->mode != HOLDER_MODE_UNKNOWN ? "; " : "", ev, where);
	return buf;
}

char *
output_probable_line(const struct snapshot *s, const struct lock *l, char *buf, size_t len)
{
	size_t at;

	buf[0] = '\0';
	if (l->nprobable == 0 || len < 32)
		return buf;
	at = (size_t)snprintf(buf, len, "probably held by ");
	for (size_t i = 0; i < l->nprobable && at < len; i++) {
		char one[512];

		output_probable_describe(s, &l->probable[i], one, sizeof one);
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", one);
	}
	return buf;
}
