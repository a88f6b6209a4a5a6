/* regs.c - i386 registers into the neutral struct arch_regs: a 32-bit process's set as a 64-bit kernel hands it over. */
#include "arch.h"
#include "arch_i386.h"

#include <elf.h>
#include <string.h>

/* i386 DWARF register numbers (the SysV i386 psABI); 8 (eip) is the return address column. */
enum {
	I386_DW_EAX, I386_DW_ECX, I386_DW_EDX, I386_DW_EBX, I386_DW_ESP, I386_DW_EBP, I386_DW_ESI,
	I386_DW_EDI, I386_DW_RA, I386_DW_NGREGS = I386_DW_RA,
};

/* struct user_regs_struct of a 32-bit process (asm/user_32.h), which PTRACE_GETREGSET's
 * NT_PRSTATUS gives for a compat task even to a 64-bit tracer: 17 words of 4 bytes. Spelled out
 * here because a 64-bit build's headers have only the 64-bit struct. */
struct i386_user_regs {
	int32_t ebx, ecx, edx, esi, edi, ebp, eax;
	int32_t xds, xes, xfs, xgs, orig_eax, eip, xcs, eflags, esp, xss;
};

static int
i386_regs_from_prstatus(const void *buf, size_t len, struct arch_regs *out)
{
	struct i386_user_regs g;

	if (len != sizeof g)
		return -1;
	memcpy(&g, buf, sizeof g);
	memset(out, 0, sizeof *out);
	/* registers are 32 bits: zero-extended, as addresses are */
	out->dwarf[I386_DW_EAX] = (uint32_t)g.eax;
	out->dwarf[I386_DW_ECX] = (uint32_t)g.ecx;
	out->dwarf[I386_DW_EDX] = (uint32_t)g.edx;
	out->dwarf[I386_DW_EBX] = (uint32_t)g.ebx;
	out->dwarf[I386_DW_ESP] = (uint32_t)g.esp;
	out->dwarf[I386_DW_EBP] = (uint32_t)g.ebp;
	out->dwarf[I386_DW_ESI] = (uint32_t)g.esi;
	out->dwarf[I386_DW_EDI] = (uint32_t)g.edi;
	out->dwarf_valid = (1ULL << I386_DW_NGREGS) - 1;
	out->pc = (uint32_t)g.eip;
	out->sp = (uint32_t)g.esp;
	out->fp = (uint32_t)g.ebp;
	out->retval = (uint32_t)g.eax;
	/* the int 0x80 / sysenter convention: ebx, ecx, edx, esi, edi, ebp */
	out->args[0] = (uint32_t)g.ebx;
	out->args[1] = (uint32_t)g.ecx;
	out->args[2] = (uint32_t)g.edx;
	out->args[3] = (uint32_t)g.esi;
	out->args[4] = (uint32_t)g.edi;
	out->args[5] = (uint32_t)g.ebp;
	/* orig_eax: the syscall number, -1 outside one (sign-extended, as the x86-64 orig_rax is) */
	out->syscall_nr = g.orig_eax;
	return 0;
}

const struct arch_info arch_i386 = {
	.name = "i386",
	.elf_machine = EM_386,
	.elf_class = ELFCLASS32,
	.ptr_size = 4,
	.dwarf_nregs = I386_DW_NGREGS,
	.dwarf_sp = I386_DW_ESP,
	.dwarf_fp = I386_DW_EBP,
	.dwarf_ra = I386_DW_RA,
	/* arguments are passed on the stack; the callee-saved registers keep what a function holds
	 * across its calls */
	.ptr_regs = 1ULL << I386_DW_EBX | 1ULL << I386_DW_ESI | 1ULL << I386_DW_EDI | 1ULL << I386_DW_EBP,
	.red_zone = 0,			/* the i386 psABI has none */
	/* a 64-bit kernel's perf samples of a 32-bit task carry no usable register set for us:
	 * such threads are stopped and read instead */
	.perf_regs_mask = 0,
	.perf_nregs = 0,
	.go = false,
	.prstatus_syscall = true,	/* orig_eax */			/* Go's 386 port keeps no frame pointers; its runtime is not read */
	.syscalls = arch_i386_syscalls,
	.nsyscalls = ARCH_I386_NSYSCALLS,
	.regs_from_prstatus = i386_regs_from_prstatus,
	.regs_from_elf_prstatus = NULL,	/* 32-bit core files are not read (capture_core refuses them) */
	.regs_to_elf_prstatus = NULL,
	.regs_from_perf = NULL,
	.call_decode = arch_i386_call_decode,
	.plt_slot = arch_i386_plt_slot,
};
