/* proctree.c - a process's descendants: the kernel's children lists, else the PPid of every process. */
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

#define PROCTREE_PID_MAX 4194304	/* the kernel's PID_MAX_LIMIT */
#define PROCTREE_SCAN_MAX 65536		/* /proc entries one fallback scan reads */

size_t
proctree_parse_children(const char *text, pid_t *out, size_t *n, size_t max)
{
	size_t dropped = 0;
	const char *p = text;

	for (;;) {
		long v = 0;
		bool ok = true;
		const char *start;

		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		for (; *p != '\0' && *p != ' ' && *p != '\n' && *p != '\t'; p++) {
			if (*p < '0' || *p > '9' || v > PROCTREE_PID_MAX)
				ok = false;
			else
				v = v * 10 + (*p - '0');
		}
		if (!ok || v < 1 || v > PROCTREE_PID_MAX || p - start > 7 || *n >= max) {
			dropped++;
			continue;
		}
		out[(*n)++] = (pid_t)v;
	}
	return dropped;
}

/* A /proc directory name that is a PID; -1 for anything else ("self", "sys", ...). */
static int
proctree_number(const char *name, long *out)
{
	pid_t one[1];
	size_t n = 0;

	if (strlen(name) > 7 || strchr(name, ' ') != NULL || proctree_parse_children(name, one, &n, 1) > 0 || n != 1)
		return -1;
	*out = one[0];
	return 0;
}

static bool
proctree_has(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int
proctree_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static bool
proctree_exists(const char *proc, pid_t pid)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%d/stat", proc, (int)pid);
	return access(path, F_OK) == 0;
}

/* Appends pid's children from its threads' children files; -1 when the kernel has no such file. */
static int
proctree_children(const char *proc, pid_t pid, pid_t *out, size_t *n, size_t max, int *truncated)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	bool any = false;
	size_t ntasks = 0, base = *n;

	snprintf(path, sizeof path, "%s/%d/task", proc, (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;	/* gone: no children to add */
	while ((de = readdir(d)) != NULL && ntasks++ < PROCTREE_SCAN_MAX) {
		pid_t kids[PROCTREE_MAX];
		size_t nk = 0;
		char *text;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "%s/%d/task/%.16s/children", proc, (int)pid, de->d_name);
		if ((text = util_read_file(path, NULL)) == NULL)
			continue;
		any = true;
		if (proctree_parse_children(text, kids, &nk, PROCTREE_MAX) > 0)
			*truncated = 1;
		free(text);
		for (size_t i = 0; i < nk; i++) {
			if (proctree_has(out, *n, kids[i]))
				continue;
			if (*n >= max) {
				*truncated = 1;
				break;
			}
			out[(*n)++] = kids[i];
		}
	}
	closedir(d);
	/* the children of one process in PID order, whatever order its threads were listed in */
	util_sort(out + base, *n - base, sizeof *out, proctree_pid_cmp);
	return any ? 0 : -1;
}

/* The fallback: every process whose PPid is in out[from..*n) joins, until no new one does. */
static int
proctree_scan(const char *proc, pid_t *out, size_t *n, size_t max, int *truncated, struct err *e)
{
	bool grew = true;

	for (int round = 0; grew && round < PROCTREE_MAX; round++) {
		DIR *d = opendir(proc);
		struct dirent *de;
		size_t seen = 0;

		if (d == NULL)
			return err_set(e, "%s: %s", proc, strerror(errno));
		grew = false;
		while ((de = readdir(d)) != NULL && seen++ < PROCTREE_SCAN_MAX) {
			struct proc_stat st;
			char path[4096], *text;
			long pid;

			if (proctree_number(de->d_name, &pid) < 0)
				continue;
			snprintf(path, sizeof path, "%s/%ld/stat", proc, pid);
			if ((text = util_read_file(path, NULL)) == NULL)
				continue;
			if (proc_parse_stat(text, &st) == 0 && proctree_has(out, *n, (pid_t)st.ppid) &&
			    !proctree_has(out, *n, (pid_t)pid)) {
				if (*n >= max)
					*truncated = 1;
				else {
					out[(*n)++] = (pid_t)pid;
					grew = true;
				}
			}
			free(text);
		}
		closedir(d);
	}
	return 0;
}

int
proctree_list(const char *proc, const pid_t *roots, size_t nroots, pid_t *out, size_t max, int *truncated,
    struct err *e)
{
	size_t n = 0;
	bool fallback = false;

	*truncated = 0;
	for (size_t i = 0; i < nroots; i++) {
		if (proctree_has(out, n, roots[i]) || !proctree_exists(proc, roots[i]))
			continue;
		if (n >= max) {
			*truncated = 1;
			break;
		}
		out[n++] = roots[i];
	}
	/* Breadth first: out[i]'s children are appended behind everything known so far. */
	for (size_t i = 0; i < n && !fallback; i++)
		if (proctree_children(proc, out[i], out, &n, max, truncated) < 0)
			fallback = true;
	if (fallback && proctree_scan(proc, out, &n, max, truncated, e) < 0)
		return -1;
	return (int)n;
}
