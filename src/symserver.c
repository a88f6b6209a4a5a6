/* symserver.c - fetches debug files and executables by build ID from the debuginfod servers in DEBUGINFOD_URLS, bounded and remembered. */
/* libdebuginfod is opened only when servers are configured: it brings libcurl and some thirty
 * libraries with it, which every run would otherwise load (about a tenth of a small dump's time)
 * into a program that often runs as root. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>

#include "symserver.h"

struct symserver_ask {
	enum symserver_kind kind;
	unsigned char id[64];
	size_t len;
	int fd;			/* owned; -1: the servers do not have it */
	int error;		/* its errno then */
};

/* libdebuginfod's functions, from dlopen */
struct symserver_lib {
	debuginfod_client *(*begin)(void);
	int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int, char **);
	int (*find_executable)(debuginfod_client *, const unsigned char *, int, char **);
	void (*end)(debuginfod_client *);
};

struct symserver {
	struct symserver_lib lib;
	debuginfod_client *client;
	struct symserver_ask *asks;	/* owned */
	size_t nasks;
};

struct symserver *
symserver_new(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct symserver *ss;
	void *dl;

	if (urls == NULL || urls[0] == '\0')
		return NULL;
	ss = xcalloc(1, sizeof *ss);
	if ((dl = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL)) == NULL)
		goto fail;
	*(void **)&ss->lib.begin = dlsym(dl, "debuginfod_begin");
	*(void **)&ss->lib.find_debuginfo = dlsym(dl, "debuginfod_find_debuginfo");
	*(void **)&ss->lib.find_executable = dlsym(dl, "debuginfod_find_executable");
	*(void **)&ss->lib.end = dlsym(dl, "debuginfod_end");
	if (ss->lib.begin == NULL || ss->lib.find_debuginfo == NULL || ss->lib.find_executable == NULL ||
	    ss->lib.end == NULL || (ss->client = ss->lib.begin()) == NULL)
		goto fail;
	ss->asks = xcalloc(SYMSERVER_MAX_FETCHES, sizeof *ss->asks);
	return ss;
fail:
	/* no libdebuginfod (libdebuginfod1 not installed): as if no server were configured; a
	 * library that loaded stays loaded (see symserver_free) */
	free(ss);
	return NULL;
}

void
symserver_free(struct symserver *ss)
{
	if (ss == NULL)
		return;
	for (size_t i = 0; i < ss->nasks; i++)
		if (ss->asks[i].fd >= 0)
			close(ss->asks[i].fd);
	free(ss->asks);
	ss->lib.end(ss->client);
	/* not dlclose: libcurl and its TLS library keep global state for the life of the process
	 * (freed only at exit), and unloading them under it is what leaks and crashes */
	free(ss);
}

/* A regular file, or closes fd and returns -1 with errno EINVAL: the cache is the client's, but
 * nothing but a plain file goes to libdwfl. */
static int
symserver_regular(int fd)
{
	struct stat sb;

	if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
symserver_fetch(struct symserver *ss, enum symserver_kind kind, const unsigned char *id, size_t len,
    struct err *e)
{
	const char *what = kind == SYMSERVER_DEBUGINFO ? "debug file" : "executable";
	struct symserver_ask *a = NULL;
	int fd;

	if (ss == NULL)
		return err_set(e, "no debuginfod server configured (DEBUGINFOD_URLS)");
	if (len == 0 || len > sizeof a->id)
		return err_set(e, "debuginfod: a build ID of %zu bytes", len);
	for (size_t i = 0; i < ss->nasks; i++)
		if (ss->asks[i].kind == kind && ss->asks[i].len == len && memcmp(ss->asks[i].id, id, len) == 0)
			a = &ss->asks[i];
	if (a == NULL) {
		if (ss->nasks == SYMSERVER_MAX_FETCHES)
			return err_set(e, "debuginfod: %d files asked for already: no more", SYMSERVER_MAX_FETCHES);
		a = &ss->asks[ss->nasks++];
		a->kind = kind;
		memcpy(a->id, id, len);
		a->len = len;
		fd = kind == SYMSERVER_DEBUGINFO ? ss->lib.find_debuginfo(ss->client, id, (int)len, NULL) :
		    ss->lib.find_executable(ss->client, id, (int)len, NULL);
		a->error = fd < 0 ? -fd : 0;
		a->fd = symserver_regular(fd < 0 ? -1 : fd);
		if (fd >= 0 && a->fd < 0)
			a->error = EINVAL;
		if (a->fd >= 0)
			(void)fcntl(a->fd, F_SETFD, FD_CLOEXEC);
	}
	if (a->fd < 0)
		return err_set(e, "debuginfod: no %s for this build ID: %s", what, strerror(a->error));
	fd = dup(a->fd);
	if (fd < 0)
		return err_set(e, "debuginfod: dup: %s", strerror(errno));
	return fd;
}
