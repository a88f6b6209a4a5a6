/* output.c - the registry of output formats and the one-snapshot convenience writer. */
#include "output.h"

#include <string.h>

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
