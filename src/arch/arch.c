/* arch.c - what every port shares: finding a process's arch, reading its registers, its words. */
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <stddef.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch_int.h"
#include "util.h"

/* Each port's ports.c: the archs it reads, its own first, NULL-terminated. */
extern const struct arch_info *const arch_ports[];

const struct arch_info *
arch_find(unsigned cls, unsigned machine)
{
	for (size_t i = 0; arch_ports[i] != NULL; i++)
		if (arch_ports[i]->elf_class == cls && arch_ports[i]->elf_machine == machine)
			return arch_ports[i];
	return NULL;
}

const struct arch_info *
arch_by_name(const char *name)
{
	for (size_t i = 0; name != NULL && arch_ports[i] != NULL; i++)
		if (strcmp(arch_ports[i]->name, name) == 0)
			return arch_ports[i];
	return NULL;
}

int
arch_regs_from_ptrace(const struct arch_info *a, pid_t tid, struct arch_regs *out, struct err *e)
{
	/* big enough for every port's set: the kernel says how much it wrote */
	uint64_t buf[64];
	struct iovec iov = { buf, sizeof buf };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0) {
		int saved = errno;

		err_set(e, "PTRACE_GETREGSET: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	/* a set of another size is another arch's: the process changed under us (an exec) */
	if (a->regs_from_prstatus(buf, iov.iov_len, out) < 0) {
		err_set(e, "PTRACE_GETREGSET: a register set of %zu bytes, not %s's", iov.iov_len, a->name);
		errno = EINVAL;
		return -1;
	}
	if (a->regs_after_ptrace != NULL)
		a->regs_after_ptrace(tid, out);
	return 0;
}

uint64_t
arch_word(const struct arch_info *a, const void *p)
{
	uint64_t w = 0;
	uint32_t h;

	if (a->ptr_size == 4) {
		memcpy(&h, p, sizeof h);
		return h;
	}
	memcpy(&w, p, sizeof w);
	return w;
}

int
arch_prstatus_unwrap(const void *desc, size_t len, pid_t *tid, int *cursig, const void **greg, size_t *glen)
{
	struct elf_prstatus st;

	if (len != sizeof st)
		return -1;
	memcpy(&st, desc, sizeof st);
	*tid = st.pr_pid;
	*cursig = st.pr_cursig;
	*greg = (const uint8_t *)desc + offsetof(struct elf_prstatus, pr_reg);
	*glen = sizeof st.pr_reg;
	return 0;
}

size_t
arch_prstatus_wrap(pid_t tid, int cursig, const void *greg, size_t glen, void *desc, size_t cap)
{
	struct elf_prstatus st;

	if (cap < sizeof st || glen > sizeof st.pr_reg)
		return 0;
	memset(&st, 0, sizeof st);
	st.pr_pid = tid;
	st.pr_cursig = (short)cursig;
	memcpy(&st.pr_reg, greg, glen);
	memcpy(desc, &st, sizeof st);
	return sizeof st;
}
