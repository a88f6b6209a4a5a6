/* demangle.c - C++ symbol demangling through libstdc++'s __cxa_demangle (the Itanium ABI's own). */
#include "demangle.h"

#include <stddef.h>
#include <stdlib.h>

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
