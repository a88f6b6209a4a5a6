/* capture_perm.c - why the kernel refused to let holdup trace a process, in terms a user can act on. */
#include "capture_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
capture_perm_message(pid_t pid, const struct capture_perm_facts *f, struct err *e)
{
	if (f->tracer != 0)
		return err_set(e, "process %d: permission denied: already traced by PID %d (%s); "
		    "only one tracer can attach at a time", (int)pid, f->tracer, f->tracer_comm);
	if (f->euid != 0) {
		if (f->owner_uid != f->euid)
			return err_set(e, "process %d: permission denied: it belongs to uid %d and holdup is not root "
			    "(run as root or with CAP_SYS_PTRACE)", (int)pid, f->owner_uid);
		if (f->yama_scope >= 1)
			return err_set(e, "process %d: permission denied: kernel.yama.ptrace_scope=%d lets only "
			    "root/CAP_SYS_PTRACE trace a non-child (run as root, grant CAP_SYS_PTRACE, or "
			    "sysctl kernel.yama.ptrace_scope=0)", (int)pid, f->yama_scope);
		return err_set(e, "process %d: permission denied (not root; the process may be setuid or "
		    "non-dumpable: run as root or with CAP_SYS_PTRACE)", (int)pid);
	}
	if (f->yama_scope >= 3)
		return err_set(e, "process %d: permission denied: kernel.yama.ptrace_scope=3 forbids all tracing",
		    (int)pid);
	/* root and still refused: most often a container without CAP_SYS_PTRACE, else a security module */
	if (f->yama_scope < 0)
		return err_set(e, "process %d: permission denied by the kernel although holdup is root: in a "
		    "container, holdup needs CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE; a Kubernetes "
		    "debug container); otherwise a security module (SELinux, AppArmor) or a seccomp filter "
		    "forbids it", (int)pid);
	return err_set(e, "process %d: permission denied by the kernel although holdup is root: in a "
	    "container, holdup needs CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE; a Kubernetes debug "
	    "container); otherwise a security module or kernel.yama.ptrace_scope=%d forbids it", (int)pid,
	    f->yama_scope);
}

/* The tracer (TracerPid) and owner (Uid) of pid from its status text, which may be NULL. */
static void
capture_perm_status(const char *status, struct capture_perm_facts *f)
{
	char val[64], uid[64] = "", cpath[64], *c;

	if (status != NULL && proc_status_field(status, "TracerPid", val, sizeof val) == 0 && atoi(val) != 0) {
		f->tracer = atoi(val);
		snprintf(cpath, sizeof cpath, "/proc/%d/comm", f->tracer);
		c = util_read_file(cpath, NULL);
		if (c != NULL) {
			snprintf(f->tracer_comm, sizeof f->tracer_comm, "%.*s", (int)strcspn(c, "\n"), c);
			free(c);
		}
	}
	if (status != NULL)
		proc_status_field(status, "Uid", uid, sizeof uid);
	f->owner_uid = atoi(uid);
}

int
capture_perm_explain(pid_t pid, struct err *e)
{
	struct capture_perm_facts f = { .tracer_comm = "?", .yama_scope = -1 };
	char path[64], *status, *ys;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	status = util_read_file(path, NULL);
	capture_perm_status(status, &f);
	free(status);
	if (f.tracer == 0) {
		ys = util_read_file("/proc/sys/kernel/yama/ptrace_scope", NULL);
		if (ys != NULL) {
			f.yama_scope = atoi(ys);
			free(ys);
		}
	}
	f.euid = (int)geteuid();
	return capture_perm_message(pid, &f, e);
}
