/* regs.c - x86-64 registers into the neutral struct arch_regs: from a ptrace stop and from a perf sample. */
#include "arch.h"
#include "arch_x86_64.h"
#include "../arch_int.h"

#include <errno.h>
#include <elf.h>
#include <string.h>
#include <stddef.h>
#include <sys/user.h>

/* x86-64 DWARF register numbers (the psABI's table); 16 is the return address column. */
enum {
	X86_DW_RAX, X86_DW_RDX, X86_DW_RCX, X86_DW_RBX, X86_DW_RSI, X86_DW_RDI, X86_DW_RBP, X86_DW_RSP,
	X86_DW_R8, X86_DW_R9, X86_DW_R10, X86_DW_R11, X86_DW_R12, X86_DW_R13, X86_DW_R14, X86_DW_R15,
	X86_DW_RA, X86_DW_NGREGS = X86_DW_RA,
};

/* x86-64 perf register numbers (asm/perf_regs.h); a sample lists the chosen ones in this order. */
enum {
	X86_PR_AX, X86_PR_BX, X86_PR_CX, X86_PR_DX, X86_PR_SI, X86_PR_DI, X86_PR_BP, X86_PR_SP, X86_PR_IP,
	X86_PR_FLAGS, X86_PR_CS, X86_PR_SS, X86_PR_DS, X86_PR_ES, X86_PR_FS, X86_PR_GS,
	X86_PR_R8, X86_PR_R9, X86_PR_R10, X86_PR_R11, X86_PR_R12, X86_PR_R13, X86_PR_R14, X86_PR_R15,
};

/* Every general register; the kernel refuses DS, ES, FS and GS for 64-bit tasks. */
#define X86_PERF_MASK	(0xfffULL | (0xffULL << X86_PR_R8))
#define X86_PERF_NREGS	20
/* The indices from X86_PR_R8 on are shifted down in a sample by the four segment registers left out. */
#define X86_PERF_AT(r)	((r) < X86_PR_R8 ? (r) : (r) - 4)


/* Fills the neutral fields from the DWARF-numbered set already in r->dwarf. */
static void
x86_regs_named(struct arch_regs *r, uint64_t rip)
{
	r->pc = rip;
	r->sp = r->dwarf[X86_DW_RSP];
	r->fp = r->dwarf[X86_DW_RBP];
	r->retval = r->dwarf[X86_DW_RAX];
	/* the syscall convention: rdi, rsi, rdx, r10, r8, r9 */
	r->args[0] = r->dwarf[X86_DW_RDI];
	r->args[1] = r->dwarf[X86_DW_RSI];
	r->args[2] = r->dwarf[X86_DW_RDX];
	r->args[3] = r->dwarf[X86_DW_R10];
	r->args[4] = r->dwarf[X86_DW_R8];
	r->args[5] = r->dwarf[X86_DW_R9];
	r->dwarf_valid = (1ULL << X86_DW_NGREGS) - 1;
}

static int
x86_regs_from_prstatus(const void *buf, size_t len, struct arch_regs *out)
{
	struct user_regs_struct g;

	if (len != sizeof g)
		return -1;
	memcpy(&g, buf, sizeof g);
	memset(out, 0, sizeof *out);
	out->dwarf[X86_DW_RAX] = g.rax;
	out->dwarf[X86_DW_RDX] = g.rdx;
	out->dwarf[X86_DW_RCX] = g.rcx;
	out->dwarf[X86_DW_RBX] = g.rbx;
	out->dwarf[X86_DW_RSI] = g.rsi;
	out->dwarf[X86_DW_RDI] = g.rdi;
	out->dwarf[X86_DW_RBP] = g.rbp;
	out->dwarf[X86_DW_RSP] = g.rsp;
	out->dwarf[X86_DW_R8] = g.r8;
	out->dwarf[X86_DW_R9] = g.r9;
	out->dwarf[X86_DW_R10] = g.r10;
	out->dwarf[X86_DW_R11] = g.r11;
	out->dwarf[X86_DW_R12] = g.r12;
	out->dwarf[X86_DW_R13] = g.r13;
	out->dwarf[X86_DW_R14] = g.r14;
	out->dwarf[X86_DW_R15] = g.r15;
	x86_regs_named(out, g.rip);
	/* orig_rax: the syscall number, kept while the call sleeps or restarts; -1 outside one */
	out->syscall_nr = (int64_t)g.orig_rax;
	return 0;
}

static int
x86_regs_from_elf_prstatus(const void *desc, size_t len, pid_t *tid, int *cursig, struct arch_regs *out)
{
	const void *g;
	size_t n;

	if (arch_prstatus_unwrap(desc, len, tid, cursig, &g, &n) < 0)
		return -1;
	return x86_regs_from_prstatus(g, n, out);
}

static size_t
x86_regs_to_elf_prstatus(const struct arch_regs *r, pid_t tid, int cursig, void *desc, size_t cap)
{
	struct user_regs_struct g;

	memset(&g, 0, sizeof g);
	g.rax = r->dwarf[X86_DW_RAX];
	g.rdx = r->dwarf[X86_DW_RDX];
	g.rcx = r->dwarf[X86_DW_RCX];
	g.rbx = r->dwarf[X86_DW_RBX];
	g.rsi = r->dwarf[X86_DW_RSI];
	g.rdi = r->dwarf[X86_DW_RDI];
	g.r8 = r->dwarf[X86_DW_R8];
	g.r9 = r->dwarf[X86_DW_R9];
	g.r10 = r->dwarf[X86_DW_R10];
	g.r11 = r->dwarf[X86_DW_R11];
	g.r12 = r->dwarf[X86_DW_R12];
	g.r13 = r->dwarf[X86_DW_R13];
	g.r14 = r->dwarf[X86_DW_R14];
	g.r15 = r->dwarf[X86_DW_R15];
	/* the neutral copies win, as they do for the unwinder */
	g.rsp = r->sp;
	g.rbp = r->fp;
	g.rip = r->pc;
	g.orig_rax = (unsigned long long)r->syscall_nr;
	return arch_prstatus_wrap(tid, cursig, &g, sizeof g, desc, cap);
}

static void
x86_regs_from_perf(const uint64_t *v, struct arch_regs *out)
{
	memset(out, 0, sizeof *out);
	out->dwarf[X86_DW_RAX] = v[X86_PERF_AT(X86_PR_AX)];
	out->dwarf[X86_DW_RDX] = v[X86_PERF_AT(X86_PR_DX)];
	out->dwarf[X86_DW_RCX] = v[X86_PERF_AT(X86_PR_CX)];
	out->dwarf[X86_DW_RBX] = v[X86_PERF_AT(X86_PR_BX)];
	out->dwarf[X86_DW_RSI] = v[X86_PERF_AT(X86_PR_SI)];
	out->dwarf[X86_DW_RDI] = v[X86_PERF_AT(X86_PR_DI)];
	out->dwarf[X86_DW_RBP] = v[X86_PERF_AT(X86_PR_BP)];
	out->dwarf[X86_DW_RSP] = v[X86_PERF_AT(X86_PR_SP)];
	for (int i = 0; i < 8; i++)
		out->dwarf[X86_DW_R8 + i] = v[X86_PERF_AT(X86_PR_R8 + i)];
	x86_regs_named(out, v[X86_PERF_AT(X86_PR_IP)]);
	out->syscall_nr = -1;
}

const struct arch_info arch_x86_64 = {
	.name = "x86_64",
	.elf_machine = EM_X86_64,
	.elf_class = ELFCLASS64,
	.ptr_size = 8,
	.dwarf_nregs = X86_DW_NGREGS,
	.dwarf_sp = X86_DW_RSP,
	.dwarf_fp = X86_DW_RBP,
	.dwarf_ra = X86_DW_RA,
	/* the argument registers that survive into a lock API's callees (rdi, rsi, r8, r9) and the
	 * callee-saved ones (rbx, rbp, r12-r15) */
	.ptr_regs = 1ULL << X86_DW_RDI | 1ULL << X86_DW_RSI | 1ULL << X86_DW_RBX | 1ULL << X86_DW_RBP |
	    1ULL << X86_DW_R12 | 1ULL << X86_DW_R13 | 1ULL << X86_DW_R14 | 1ULL << X86_DW_R15 |
	    1ULL << X86_DW_R8 | 1ULL << X86_DW_R9,
	.red_zone = 128,		/* the psABI's red zone below rsp */
	.perf_regs_mask = X86_PERF_MASK,
	.perf_nregs = X86_PERF_NREGS,
	/* Go on amd64 keeps frame pointers: [rbp] is the caller's rbp, [rbp+8] the return address */
	.go_fp_slot = 0,
	.go_ra_slot = 1,
	.go = true,
	.prstatus_syscall = true,
	.syscalls = arch_x86_64_syscalls,
	.nsyscalls = ARCH_X86_64_NSYSCALLS,
	.regs_from_prstatus = x86_regs_from_prstatus,
	.regs_from_elf_prstatus = x86_regs_from_elf_prstatus,
	.regs_to_elf_prstatus = x86_regs_to_elf_prstatus,
	.regs_from_perf = x86_regs_from_perf,
	.call_decode = arch_x86_64_call_decode,
	.plt_slot = arch_x86_64_plt_slot,
};
