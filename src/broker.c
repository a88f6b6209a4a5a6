/* broker.c - the privileged half of a confined session: creates its new files and runs its hooks, in this process or in a forked one serving requests over a socket. */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum broker_op { BROKER_CREATE = 1, BROKER_UNLINK, BROKER_EXEC, BROKER_REAP, BROKER_FINISH };

#define BROKER_MAX_PAYLOAD 12288	/* four paths and a reason */
#define BROKER_MAX_CREATED 100000	/* files remembered for unlink and exec; older ones forgotten */

struct broker_req {
	uint32_t op;
	uint32_t len;		/* payload bytes after the header: NUL-terminated strings */
	double wait_s;		/* BROKER_REAP, BROKER_FINISH: how long hooks are waited for */
};

struct broker_rep {
	int32_t rc;
	int32_t err;		/* errno when rc < 0 */
};

struct broker {
	int sock;		/* the session's end; -1: acting in this process */
	pid_t pid;		/* the broker process, 0 if none */
	char *dirs[BROKER_MAX_DIRS];	/* owned */
	char *exec;		/* owned, or NULL */
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	char **created;		/* owned: "dir/name" of the files made, for unlink and exec */
	size_t ncreated, created_cap;
	pid_t *hooks;		/* owned: hooks still running */
	size_t nhooks, hooks_cap;
};

static void
broker_nolog(const char *fmt, ...)
{
	(void)fmt;
}

struct broker *
broker_local(const struct broker_opts *o)
{
	struct broker *b = xcalloc(1, sizeof *b);

	b->sock = -1;
	for (int i = 0; i < BROKER_MAX_DIRS; i++)
		b->dirs[i] = o->dirs[i] != NULL ? xstrdup(o->dirs[i]) : NULL;
	b->exec = o->exec != NULL ? xstrdup(o->exec) : NULL;
	b->log = o->log != NULL ? o->log : broker_nolog;
	return b;
}

/* --- what the broker does, wherever it runs */

static bool
broker_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 256 && strchr(name, '/') == NULL && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static bool
broker_dir_ok(const struct broker *b, const char *dir)
{
	for (int i = 0; i < BROKER_MAX_DIRS; i++)
		if (b->dirs[i] != NULL && strcmp(b->dirs[i], dir) == 0)
			return true;
	return false;
}

static ssize_t
broker_find(const struct broker *b, const char *path)
{
	for (size_t i = b->ncreated; i-- > 0;)
		if (strcmp(b->created[i], path) == 0)
			return (ssize_t)i;
	return -1;
}

static int
broker_do_create(struct broker *b, const char *dir, const char *name)
{
	char *path;
	int fd;

	if (!broker_dir_ok(b, dir) || !broker_name_ok(name)) {
		errno = EPERM;
		return -1;
	}
	path = xasprintf("%s/%s", dir, name);
	/* new files only (O_EXCL: never through a planted file or symlink), readable by the owner
	 * alone: a dump holds the target's stacks, names and arguments */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int saved = errno;

		free(path);
		errno = saved;
		return -1;
	}
	if (b->ncreated >= BROKER_MAX_CREATED) {
		free(b->created[0]);
		memmove(b->created, b->created + 1, --b->ncreated * sizeof *b->created);
	}
	xgrow(&b->created, &b->created_cap, b->ncreated + 1, sizeof *b->created);
	b->created[b->ncreated++] = path;
	return fd;
}

static int
broker_do_unlink(struct broker *b, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	ssize_t i = broker_find(b, path);
	int rc;

	if (i < 0) {
		free(path);
		errno = EPERM;
		return -1;
	}
	rc = unlink(path);
	free(path);
	return rc;
}

static pid_t
broker_do_exec(struct broker *b, const char *txt, const char *json, const char *core, const char *reason)
{
	const char *paths[] = { txt, json, core };
	pid_t child;

	if (b->exec == NULL) {
		errno = EPERM;
		return -1;
	}
	for (int i = 0; i < 3; i++)
		if (paths[i][0] != '\0' && broker_find(b, paths[i]) < 0) {
			errno = EPERM;
			return -1;
		}
	fflush(NULL);
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		sigset_t none;

		/* The hook runs as an ordinary program: default signals, nothing blocked. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("HOLDUP_DUMP", txt, 1);
		setenv("HOLDUP_DUMP_JSON", json, 1);
		setenv("HOLDUP_DUMP_CORE", core, 1);
		setenv("HOLDUP_REASON", reason, 1);
		execl("/bin/sh", "sh", "-c", b->exec, "holdup-exec", txt, json, core, (char *)NULL);
		_exit(127);
	}
	xgrow(&b->hooks, &b->hooks_cap, b->nhooks + 1, sizeof *b->hooks);
	b->hooks[b->nhooks++] = child;
	b->log("started --exec (pid %d) for %s", (int)child, txt);
	return child;
}

/* Only the hooks' own PIDs are waited for: a launched command's status is launch.c's to collect. */
static void
broker_do_reap(struct broker *b, double wait_s)
{
	uint64_t until = util_now_ns() + (uint64_t)(wait_s * 1e9);

	while (b->nhooks > 0) {
		size_t kept = 0;

		for (size_t i = 0; i < b->nhooks; i++) {
			int status;
			pid_t p = waitpid(b->hooks[i], &status, WNOHANG);

			if (p == 0 || (p < 0 && errno == EINTR)) {
				b->hooks[kept++] = b->hooks[i];
				continue;
			}
			if (p > 0 && WIFEXITED(status))
				b->log("--exec (pid %d) exited with status %d", (int)p, WEXITSTATUS(status));
			else if (p > 0 && WIFSIGNALED(status))
				b->log("--exec (pid %d) killed by signal %d", (int)p, WTERMSIG(status));
		}
		b->nhooks = kept;
		if (b->nhooks == 0 || util_now_ns() >= until)
			break;
		usleep(50000);
	}
}

static void
broker_clear(struct broker *b)
{
	for (int i = 0; i < BROKER_MAX_DIRS; i++)
		free(b->dirs[i]);
	free(b->exec);
	for (size_t i = 0; i < b->ncreated; i++)
		free(b->created[i]);
	free(b->created);
	free(b->hooks);
	free(b);
}

/* --- the forked broker */

/* The strings of a payload: n of them, each NUL-terminated inside len bytes. */
static bool
broker_strings(const char *p, size_t len, const char **out, int n)
{
	size_t at = 0;

	for (int i = 0; i < n; i++) {
		const char *nul = at < len ? memchr(p + at, '\0', len - at) : NULL;

		if (nul == NULL)
			return false;
		out[i] = p + at;
		at = (size_t)(nul - p) + 1;
	}
	return at == len;
}

static void
broker_reply(int sock, int rc, int err, int fd)
{
	struct broker_rep rep = { rc, err };
	struct iovec iov = { &rep, sizeof rep };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The broker process: requests until the session closes its end (or dies), then the hooks. */
static void __attribute__((noreturn))
broker_serve(struct broker *b)
{
	static char buf[sizeof(struct broker_req) + BROKER_MAX_PAYLOAD];

	/* the session's terminal signals are the session's: the broker ends when its socket does */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGWINCH, SIG_IGN);
	for (;;) {
		struct pollfd pfd = { b->sock, POLLIN, 0 };
		struct broker_req rq;
		const char *s[4];
		ssize_t n;
		int rc = -1, err = 0, fd = -1;

		if (poll(&pfd, 1, b->nhooks > 0 ? 100 : -1) < 0 && errno != EINTR)
			break;
		broker_do_reap(b, 0);
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(b->sock, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* the session is gone */
		if ((size_t)n < sizeof rq) {
			broker_reply(b->sock, -1, EINVAL, -1);
			continue;
		}
		memcpy(&rq, buf, sizeof rq);
		if (rq.len != (size_t)n - sizeof rq) {
			broker_reply(b->sock, -1, EINVAL, -1);
			continue;
		}
		errno = EINVAL;
		switch (rq.op) {
		case BROKER_CREATE:
			if (broker_strings(buf + sizeof rq, rq.len, s, 2))
				rc = fd = broker_do_create(b, s[0], s[1]);
			break;
		case BROKER_UNLINK:
			if (broker_strings(buf + sizeof rq, rq.len, s, 2))
				rc = broker_do_unlink(b, s[0], s[1]);
			break;
		case BROKER_EXEC:
			if (broker_strings(buf + sizeof rq, rq.len, s, 4))
				rc = broker_do_exec(b, s[0], s[1], s[2], s[3]);
			break;
		case BROKER_REAP:
			broker_do_reap(b, rq.wait_s > 0 && rq.wait_s < 60 ? rq.wait_s : 0);
			rc = 0;
			break;
		case BROKER_FINISH:
			broker_do_reap(b, rq.wait_s > 0 && rq.wait_s < 60 ? rq.wait_s : 0);
			broker_reply(b->sock, 0, 0, -1);
			fflush(NULL);
			_exit(0);
		default:
			break;
		}
		if (rc < 0)
			err = errno;
		broker_reply(b->sock, rc < 0 ? -1 : (fd >= 0 ? 0 : rc), err, fd);
		if (fd >= 0)
			close(fd);
	}
	broker_do_reap(b, 5);
	fflush(NULL);
	/* never exit(): the session's atexit work (the terminal, the tracees) is the session's */
	_exit(0);
}

struct broker *
broker_fork(const struct broker_opts *o, struct err *e)
{
	struct broker *b;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(e, "broker: socketpair: %s", strerror(errno));
		return NULL;
	}
	b = broker_local(o);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_set(e, "broker: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		broker_clear(b);
		return NULL;
	}
	if (pid == 0) {
		/* the broker keeps no descriptor of the session's (the target's /proc files, perf events) */
		close(sv[0]);
		if (sv[1] != 3 && (dup2(sv[1], 3) < 0 || close(sv[1]) < 0))
			_exit(1);
		(void)close_range(4, ~0U, 0);
		b->sock = 3;
		broker_serve(b);
	}
	close(sv[1]);
	b->sock = sv[0];
	b->pid = pid;
	return b;
}

/* One request and its reply (and a descriptor in *fd if fd is not NULL). */
static int
broker_call(struct broker *b, uint32_t op, double wait_s, const char *const *strs, int n, int *fd)
{
	static char buf[sizeof(struct broker_req) + BROKER_MAX_PAYLOAD];
	struct broker_req rq = { op, 0, wait_s };
	struct broker_rep rep;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &rep, sizeof rep };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	size_t at = sizeof rq;
	ssize_t got;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(strs[i]) + 1;

		if (at + l > sizeof buf) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(buf + at, strs[i], l);
		at += l;
	}
	rq.len = (uint32_t)(at - sizeof rq);
	memcpy(buf, &rq, sizeof rq);
	while (send(b->sock, buf, at, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	do
		got = recvmsg(b->sock, &m, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof rep) {
		errno = got < 0 ? errno : EPROTO;
		return -1;
	}
	if (fd != NULL) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		*fd = -1;
		if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	}
	if (rep.rc < 0) {
		errno = rep.err;
		return -1;
	}
	return rep.rc;
}

int
broker_create(struct broker *b, const char *dir, const char *name)
{
	const char *s[] = { dir, name };
	int fd = -1;

	if (b->sock < 0)
		return broker_do_create(b, dir, name);
	if (broker_call(b, BROKER_CREATE, 0, s, 2, &fd) < 0)
		return -1;
	if (fd < 0)
		errno = EPROTO;
	return fd;
}

int
broker_unlink(struct broker *b, const char *dir, const char *name)
{
	const char *s[] = { dir, name };

	if (b->sock < 0)
		return broker_do_unlink(b, dir, name);
	return broker_call(b, BROKER_UNLINK, 0, s, 2, NULL);
}

pid_t
broker_exec(struct broker *b, const char *txt, const char *json, const char *core, const char *reason)
{
	const char *s[] = { txt, json != NULL ? json : "", core != NULL ? core : "", reason };

	if (b->sock < 0)
		return broker_do_exec(b, s[0], s[1], s[2], s[3]);
	return broker_call(b, BROKER_EXEC, 0, s, 4, NULL);
}

void
broker_reap(struct broker *b, double wait_s)
{
	if (b->sock < 0)
		broker_do_reap(b, wait_s);
	else if (wait_s > 0)	/* a forked broker collects its hooks as they end */
		(void)broker_call(b, BROKER_REAP, wait_s, NULL, 0, NULL);
}

void
broker_free(struct broker *b, double wait_s)
{
	if (b == NULL)
		return;
	if (b->sock >= 0) {
		int st;

		fflush(NULL);
		(void)broker_call(b, BROKER_FINISH, wait_s, NULL, 0, NULL);
		close(b->sock);
		while (waitpid(b->pid, &st, 0) < 0 && errno == EINTR)
			;
	} else {
		broker_do_reap(b, wait_s);
	}
	broker_clear(b);
}
