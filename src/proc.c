/* proc.c - reads and parses /proc files for the capture layer: threads, syscalls, maps, fds. */
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Limits on what one snapshot reads, so a huge or hostile target cannot make us allocate without bound. */
#define PROC_MAX_FDS 4096
#define PROC_MAX_CMDLINE 4096
#define PROC_MAX_AUXV 4096		/* a few dozen 16-byte entries in practice */

int
proc_parse_stat(const char *text, struct proc_stat *st)
{
	const char *open, *close, *p;
	unsigned long long v[64];
	int n = 0;
	size_t clen;

	memset(st, 0, sizeof *st);
	open = strchr(text, '(');
	close = strrchr(text, ')');
	if (open == NULL || close == NULL || close < open)
		return -1;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof st->comm)
		clen = sizeof st->comm - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';
	p = close + 1;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return -1;
	st->state = *p++;
	/* Fields after state, numbered from 4 (ppid) in proc(5). */
	while (*p != '\0' && n < 64) {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		if (*p == '-') {
			v[n++] = (unsigned long long)strtoll(p, &end, 10);
		} else {
			v[n++] = strtoull(p, &end, 10);
		}
		if (end == p)
			break;
		p = end;
	}
	if (n < 36)
		return -1;
	st->ppid = (int)v[0];		/* field 4 */
	st->flags = (unsigned long)v[5];	/* field 9 */
	st->utime = v[10];		/* field 14 */
	st->stime = v[11];		/* field 15 */
	st->num_threads = (long)v[16];	/* field 20 */
	st->starttime = v[18];		/* field 22 */
	st->vsize = v[19];		/* field 23 */
	st->processor = (int)v[35];	/* field 39 */
	return 0;
}

int
proc_parse_syscall(const char *text, struct thread *t)
{
	unsigned long long a[8];
	long nr;
	char *end;
	int n = 0;
	const char *p;

	t->on_cpu = false;
	t->task_running = false;
	t->syscall = -2;
	if (strncmp(text, "running", 7) == 0) {
		/* capture_snapshot tells running from runnable with a second schedstat read */
		t->task_running = true;
		t->on_cpu = true;
		return 0;
	}
	nr = strtol(text, &end, 10);
	if (end == text)
		return -1;
	p = end;
	while (n < 8) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		a[n] = strtoull(p, &end, 16);
		if (end == p)
			return -1;
		n++;
		p = end;
	}
	if (nr == -1) {
		if (n != 2)
			return -1;
		t->syscall = -1;
		t->syscall_sp = a[0];
		t->syscall_pc = a[1];
		return 0;
	}
	if (n != 8 || nr < 0)
		return -1;
	t->syscall = nr;
	for (int i = 0; i < 6; i++)
		t->syscall_args[i] = a[i];
	t->syscall_sp = a[6];
	t->syscall_pc = a[7];
	return 0;
}

int
proc_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns, uint64_t *slices)
{
	unsigned long long a, b, c;

	if (sscanf(text, "%llu %llu %llu", &a, &b, &c) != 3)
		return -1;
	*run_ns = a;
	*wait_ns = b;
	*slices = c;
	return 0;
}

int
proc_parse_exec_start(const char *text, uint64_t *ns)
{
	const char *p = strstr(text, "se.exec_start");
	unsigned long long ms, frac = 0;
	int n = 0;

	if (p == NULL || (p = strchr(p, ':')) == NULL)
		return -1;
	p++;
	while (*p == ' ')
		p++;
	if (sscanf(p, "%llu.%6llu%n", &ms, &frac, &n) < 1)
		return -1;
	/* the kernel prints 6 decimals: nanoseconds */
	*ns = ms * 1000000ULL + frac;
	return 0;
}

int
proc_status_field(const char *status, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1, *eol;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			eol = strchr(v, '\n');
			n = eol ? (size_t)(eol - v) : strlen(v);
			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

int
proc_parse_nspid(const char *value, pid_t *inner)
{
	const char *p = value;
	int levels = 0;
	long v = 0;

	while (*p != '\0' && *p != '\n') {
		char *end;
		long x;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		errno = 0;
		x = strtol(p, &end, 10);
		if (end == p || errno != 0 || x <= 0 || x > INT32_MAX)
			return 0;
		v = x;
		levels++;
		p = end;
	}
	if (levels > 0)
		*inner = (pid_t)v;
	return levels;
}

char *
proc_parse_cgroup(const char *text)
{
	const char *p = text, *best = NULL, *best_end = NULL;

	/* "0::/path" is cgroup v2; v1 lines are "N:controllers:/path" */
	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n'), *c1 = strchr(p, ':'), *c2;

		if (eol == NULL)
			eol = p + strlen(p);
		if (c1 != NULL && c1 < eol && (c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1))) != NULL) {
			bool v2 = c1 - p == 1 && p[0] == '0' && c2 == c1 + 1;

			if (v2 || best == NULL) {
				best = c2 + 1;
				best_end = eol;
			}
			if (v2)
				break;
		}
		p = *eol != '\0' ? eol + 1 : NULL;
	}
	if (best == NULL)
		return NULL;
	while (best_end > best + 1 && best_end[-1] == '/')
		best_end--;
	if (best_end - best <= 1 && (best_end == best || best[0] == '/'))
		return NULL;
	return xstrndup(best, (size_t)(best_end - best > 512 ? 512 : best_end - best));
}

/* The PID namespace and cgroup of s->pid: whether its threads number themselves differently. */
static void
proc_read_namespace(struct snapshot *s)
{
	char path[64], val[256];
	char *text;

	s->pidns = false;
	s->ns_pid = 0;
	free(s->container);
	s->container = NULL;
	snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
	if ((text = util_read_file(path, NULL)) != NULL) {
		pid_t inner;

		if (proc_status_field(text, "NSpid", val, sizeof val) == 0 && proc_parse_nspid(val, &inner) > 1) {
			s->pidns = true;
			s->ns_pid = inner;
		}
		free(text);
	}
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)s->pid);
	if ((text = util_read_file(path, NULL)) != NULL) {
		s->container = proc_parse_cgroup(text);
		free(text);
	}
}

static int
proc_cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int
proc_list_tasks(pid_t pid, pid_t **tids, struct err *e)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	size_t n = 0, cap = 0;
	pid_t *v = NULL;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return err_set(e, "%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || tid <= 0)
			continue;
		xgrow(&v, &cap, n + 1, sizeof *v);
		v[n++] = (pid_t)tid;
	}
	closedir(d);
	util_sort(v, n, sizeof *v, proc_cmp_pid);
	*tids = v;
	return (int)n;
}

enum { PROC_F_SYSCALL, PROC_F_STAT, PROC_F_SCHEDSTAT, PROC_F_SCHED, PROC_F_COUNT };

static const char *const proc_fnames[PROC_F_COUNT] = { "syscall", "stat", "schedstat", "sched" };

struct proc_fdentry {
	pid_t tid;			/* 0: free slot */
	pid_t ns_tid;			/* its TID in the target's PID namespace, 0 until read; it never
					 * changes while the thread lives */
	bool seen;
	int fd[PROC_F_COUNT];		/* -1 when not open */
};

struct proc_fdcache {
	pid_t pid;
	int taskfd;			/* /proc/PID/task (O_PATH), -1 until opened: each file is opened
					 * relative to it, a shorter path walk; a PID reused by another
					 * process leaves it pointing at the old, empty directory */
	unsigned keep;			/* bit per PROC_F_*: the files worth keeping open */
	struct proc_fdentry *e;		/* open-addressed by tid */
	size_t cap, used;
	size_t budget;			/* fds we may keep open */
	size_t nopen;
};

struct proc_fdcache *
proc_fdcache_new(pid_t pid, bool once)
{
	struct proc_fdcache *fc = xcalloc(1, sizeof *fc);

	fc->pid = pid;
	fc->taskfd = -1;
	/* one snapshot re-reads only the run counts (capture's check that nothing ran); the rest
	 * would be closed at exit unread, and hold descriptors a 10,000-thread target needs for them */
	fc->keep = once ? 1u << PROC_F_SCHEDSTAT : (1u << PROC_F_COUNT) - 1;
	/* at most half the descriptors: perf events want one per thread too (util_fd_spare keeps the
	 * reserve for the terminal, libdw and the output) */
	fc->budget = (size_t)(util_fd_limit() / 2);
	return fc;
}

static void
proc_fdentry_close(struct proc_fdcache *fc, struct proc_fdentry *x)
{
	for (int i = 0; i < PROC_F_COUNT; i++) {
		if (x->fd[i] >= 0) {
			close(x->fd[i]);
			fc->nopen--;
		}
		x->fd[i] = -1;
	}
	x->ns_tid = 0;		/* gone: the TID may come back as another thread */
}

void
proc_fdcache_free(struct proc_fdcache *fc)
{
	if (fc == NULL)
		return;
	for (size_t i = 0; i < fc->cap; i++)
		if (fc->e[i].tid != 0)
			proc_fdentry_close(fc, &fc->e[i]);
	if (fc->taskfd >= 0)
		close(fc->taskfd);
	free(fc->e);
	free(fc);
}

static struct proc_fdentry *proc_fdcache_slot(struct proc_fdcache *fc, pid_t tid);

static void
proc_fdcache_rehash(struct proc_fdcache *fc, size_t ncap)
{
	struct proc_fdentry *old = fc->e;
	size_t ocap = fc->cap;

	fc->e = xcalloc(ncap, sizeof *fc->e);
	fc->cap = ncap;
	fc->used = 0;
	for (size_t i = 0; i < ocap; i++) {
		struct proc_fdentry *x;

		if (old[i].tid == 0)
			continue;
		x = proc_fdcache_slot(fc, old[i].tid);
		*x = old[i];
		fc->used++;
	}
	free(old);
}

/* The entry for tid, created (with closed fds) if absent. */
static struct proc_fdentry *
proc_fdcache_slot(struct proc_fdcache *fc, pid_t tid)
{
	size_t i;

	if (fc->cap == 0 || (fc->used + 1) * 2 > fc->cap)
		proc_fdcache_rehash(fc, fc->cap ? fc->cap * 2 : 64);
	i = ((size_t)tid * 2654435761u) & (fc->cap - 1);
	while (fc->e[i].tid != 0 && fc->e[i].tid != tid)
		i = (i + 1) & (fc->cap - 1);
	if (fc->e[i].tid == 0) {
		fc->e[i].tid = tid;
		fc->e[i].ns_tid = 0;
		for (int k = 0; k < PROC_F_COUNT; k++)
			fc->e[i].fd[k] = -1;
		fc->used++;
	}
	return &fc->e[i];
}

static bool
proc_fdentry_live(const struct proc_fdentry *x)
{
	for (int i = 0; i < PROC_F_COUNT; i++)
		if (x->fd[i] >= 0)
			return true;
	return false;
}

void
proc_fdcache_sweep(struct proc_fdcache *fc)
{
	size_t live = 0;

	if (fc == NULL)
		return;
	for (size_t i = 0; i < fc->cap; i++) {
		if (fc->e[i].tid == 0)
			continue;
		if (!fc->e[i].seen)
			proc_fdentry_close(fc, &fc->e[i]);
		fc->e[i].seen = false;
		live += proc_fdentry_live(&fc->e[i]);
	}
	/* drop the closed entries once they are most of the table */
	if (fc->used > 64 && live * 4 < fc->used) {
		struct proc_fdentry *old = fc->e;
		size_t ocap = fc->cap;

		fc->e = NULL;
		fc->cap = fc->used = 0;
		for (size_t i = 0; i < ocap; i++)
			if (old[i].tid != 0 && proc_fdentry_live(&old[i]))
				*proc_fdcache_slot(fc, old[i].tid) = old[i];
		free(old);
	}
}

/* Reads buf from fd at offset 0 (the kernel regenerates the text), strips the newline. */
static int
proc_pread_text(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = pread(fd, buf, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* Reads /proc/PID/task/TID/NAME into buf (NUL-terminated, newline stripped): through a kept fd when
 * fc has one (one pread), else one open, one read, one close. */
static int
proc_read_small(struct proc_fdcache *fc, pid_t pid, pid_t tid, const char *name, char *buf, size_t len)
{
	struct proc_fdentry *x = NULL;
	char path[96];
	int which = -1, fd, rc;

	for (int i = 0; i < PROC_F_COUNT && fc != NULL; i++)
		if (strcmp(name, proc_fnames[i]) == 0)
			which = i;
	if (which >= 0) {
		x = proc_fdcache_slot(fc, tid);
		x->seen = true;
		if (x->fd[which] >= 0) {
			if (proc_pread_text(x->fd[which], buf, len) == 0)
				return 0;
			/* the thread exited (ESRCH) or the tid was reused: start over */
			close(x->fd[which]);
			x->fd[which] = -1;
			x->ns_tid = 0;
			fc->nopen--;
		}
	}
	if (fc != NULL && fc->pid == pid && fc->taskfd < 0) {
		snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
		fc->taskfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fc != NULL && fc->pid == pid && fc->taskfd >= 0) {
		snprintf(path, sizeof path, "%d/%s", (int)tid, name);
		fd = openat(fc->taskfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	} else {
		snprintf(path, sizeof path, "/proc/%d/task/%d/%s", (int)pid, (int)tid, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	rc = proc_pread_text(fd, buf, len);
	if (x != NULL && rc == 0 && (fc->keep & (1u << which)) && fc->nopen < fc->budget && util_fd_spare(fd)) {
		x->fd[which] = fd;
		fc->nopen++;
		return 0;
	}
	close(fd);
	return rc;
}

/* Reads stat into t: state, times, cpu, name, and wchan where the syscall does not already say
 * what the thread waits in (nor says it runs). */
int
proc_read_thread_stat(struct proc_fdcache *fc, pid_t pid, struct thread *t)
{
	char buf[1024];
	struct proc_stat st;

	if (proc_read_small(fc, pid, t->tid, "stat", buf, sizeof buf) < 0 || proc_parse_stat(buf, &st) < 0)
		return -1;
	t->proc_state = st.state;
	t->utime_ticks = st.utime;
	t->stime_ticks = st.stime;
	t->cpu = st.processor;
	free(t->name);
	t->name = xstrdup(st.comm);
	if ((t->proc_state == 'D' || t->syscall < 0) && !t->task_running &&
	    proc_read_small(NULL, pid, t->tid, "wchan", buf, sizeof buf) == 0 && buf[0] != '\0' && strcmp(buf, "0") != 0) {
		free(t->wchan);
		t->wchan = xstrdup(buf);
	}
	return 0;
}

int
proc_read_thread(struct proc_fdcache *fc, pid_t pid, struct thread *t)
{
	return proc_read_thread_lazy(fc, pid, t, false);
}

int
proc_read_thread_lazy(struct proc_fdcache *fc, pid_t pid, struct thread *t, bool defer)
{
	char buf[1024];

	/* The run count first: the later check that a thread left running did not run compares
	 * against it, so a thread that wakes after this read (and so between the other reads) is
	 * always caught. Read last, it could miss a thread that woke between the syscall and stat
	 * reads and still ran at the check: a thread shown waiting on a lock it had just taken. */
	if (proc_read_small(fc, pid, t->tid, "schedstat", buf, sizeof buf) == 0)
		proc_parse_schedstat(buf, &t->sched_runtime_ns, &t->sched_wait_ns, &t->sched_slices);
	/* then syscall: the fact most likely to change, and stat's state should match it */
	if (proc_read_small(fc, pid, t->tid, "syscall", buf, sizeof buf) == 0)
		proc_parse_syscall(buf, t);
	if (defer && t->task_running)
		return 1;
	return proc_read_thread_stat(fc, pid, t);
}

void
proc_fdcache_keep(struct proc_fdcache *fc, pid_t tid)
{
	if (fc != NULL)
		proc_fdcache_slot(fc, tid)->seen = true;
}

int
proc_read_sched(struct proc_fdcache *fc, pid_t pid, struct thread *t, bool whole, uint64_t *exec_start_ns)
{
	char buf[8192];
	struct proc_stat st;
	int rc = 0;

	*exec_start_ns = 0;
	if (proc_read_small(fc, pid, t->tid, "sched", buf, sizeof buf) < 0 ||
	    proc_parse_exec_start(buf, exec_start_ns) < 0)
		rc = -1;
	if (whole)
		return proc_read_thread_stat(fc, pid, t) < 0 ? -2 : rc;
	if (rc < 0)
		return -1;
	if (proc_read_small(fc, pid, t->tid, "stat", buf, sizeof buf) < 0 || proc_parse_stat(buf, &st) < 0)
		return -1;
	t->cpu = st.processor;
	return 0;
}

int
proc_read_stat(struct proc_fdcache *fc, pid_t pid, pid_t tid, struct proc_stat *st)
{
	char buf[1024];

	if (proc_read_small(fc, pid, tid, "stat", buf, sizeof buf) < 0)
		return -1;
	return proc_parse_stat(buf, st);
}

int
proc_read_progress(struct proc_fdcache *fc, pid_t pid, pid_t tid, uint64_t *slices, char *syscall_line, size_t len)
{
	char buf[256];
	uint64_t a, b;

	if (proc_read_small(fc, pid, tid, "schedstat", buf, sizeof buf) < 0 ||
	    proc_parse_schedstat(buf, &a, &b, slices) < 0)
		return -1;
	if (syscall_line == NULL)
		return 0;
	return proc_read_small(fc, pid, tid, "syscall", syscall_line, len);
}

static int
proc_cmp_fd(const void *a, const void *b)
{
	const struct fdlink *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static void
proc_read_fds(struct snapshot *s, const char *dir)
{
	char path[96], link[PATH_MAX], target[PATH_MAX];
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	snprintf(path, sizeof path, "%s/fd", dir);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && s->nfds < PROC_MAX_FDS) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		ssize_t n;

		if (*end != '\0' || fd < 0 || de->d_name[0] == '\0')
			continue;
		snprintf(link, sizeof link, "%s/%ld", path, fd);
		n = readlink(link, target, sizeof target - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		xgrow(&s->fds, &cap, s->nfds + 1, sizeof *s->fds);
		s->fds[s->nfds].fd = (int)fd;
		s->fds[s->nfds].target = xstrdup(target);
		s->nfds++;
	}
	closedir(d);
	util_sort(s->fds, s->nfds, sizeof *s->fds, proc_cmp_fd);
}

pid_t
proc_live_task(pid_t pid)
{
	struct proc_stat st;
	pid_t *tids = NULL, live = pid;
	char path[64], *text;
	int n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((text = util_read_file(path, NULL)) == NULL)
		return pid;
	n = proc_parse_stat(text, &st);
	free(text);
	if (n < 0 || (st.state != 'Z' && st.state != 'X'))
		return pid;
	/* a main thread that called pthread_exit: the process's memory and files are its threads' */
	n = proc_list_tasks(pid, &tids, NULL);
	for (int i = 0; i < n && live == pid; i++) {
		snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tids[i]);
		if (tids[i] == pid || (text = util_read_file(path, NULL)) == NULL)
			continue;
		if (proc_parse_stat(text, &st) == 0 && st.state != 'Z' && st.state != 'X')
			live = tids[i];
		free(text);
	}
	free(tids);
	return live;
}

int
proc_read_process(struct snapshot *s, struct err *e)
{
	char dir[64], path[96], buf[PATH_MAX];
	pid_t live = proc_live_task(s->pid);
	ssize_t n;
	size_t len;
	char *text;

	if (live == s->pid)
		snprintf(dir, sizeof dir, "/proc/%d", (int)s->pid);
	else
		snprintf(dir, sizeof dir, "/proc/%d/task/%d", (int)s->pid, (int)live);
	snprintf(path, sizeof path, "%s/exe", dir);
	n = readlink(path, buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = '\0';
	free(s->exe);
	s->exe = xstrdup(buf);

	snprintf(path, sizeof path, "%s/cmdline", dir);
	text = util_read_file(path, &len);
	if (text != NULL) {
		if (len > PROC_MAX_CMDLINE)
			len = PROC_MAX_CMDLINE;
		while (len > 0 && text[len - 1] == '\0')
			len--;
		for (size_t i = 0; i < len; i++)
			if (text[i] == '\0')
				text[i] = ' ';
		text[len] = '\0';
		free(s->cmdline);
		s->cmdline = text;
	}

	snprintf(path, sizeof path, "%s/maps", dir);
	text = util_read_file(path, NULL);
	if (text == NULL) {
		int saved = errno;

		err_set(e, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	free(s->maps_text);
	s->maps_text = text;
	snapshot_parse_maps(s, text);
	proc_read_fds(s, dir);
	proc_read_namespace(s);
	/* kept for a saved core's NT_AUXV (gdb finds a PIE's load address by it) */
	snprintf(path, sizeof path, "%s/auxv", dir);
	free(s->auxv);
	s->auxv = (uint8_t *)util_read_file(path, &len);
	s->auxv_len = s->auxv != NULL ? (len <= PROC_MAX_AUXV ? len : PROC_MAX_AUXV) : 0;
	return 0;
}

void
proc_read_ns_tids(struct proc_fdcache *fc, struct snapshot *s)
{
	if (!s->pidns)
		return;
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		struct proc_fdentry *x = fc != NULL ? proc_fdcache_slot(fc, t->tid) : NULL;
		char path[64], val[256];
		char *text;
		pid_t inner;

		if (t->ns_tid != 0)
			continue;
		/* read once per thread, not once per snapshot: top and record take many */
		if (x != NULL && x->ns_tid != 0) {
			t->ns_tid = x->ns_tid;
			continue;
		}
		snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)s->pid, (int)t->tid);
		if ((text = util_read_file(path, NULL)) == NULL)
			continue;
		if (proc_status_field(text, "NSpid", val, sizeof val) == 0 && proc_parse_nspid(val, &inner) > 1) {
			t->ns_tid = inner;
			if (x != NULL)
				x->ns_tid = inner;
		}
		free(text);
	}
}
