#!/bin/sh
# arch.sh - fails when a file outside src/arch/ names a machine register or x86-64 header: that knowledge lives behind src/arch.h.
cd "$(dirname "$0")/../.." || exit 1
regs='rax|rbx|rcx|rdx|rsi|rdi|rbp|rsp|rip|r8|r9|r10|r11|r12|r13|r14|r15|eax|ebx|ecx|edx|esi|edi|ebp|esp|eip|orig_rax|orig_eax|eflags|fs_base|gs_base|user_regs_struct|user_pt_regs|EM_X86_64|EM_AARCH64|PERF_REG_X86_[A-Z0-9_]*|PERF_REG_ARM64_[A-Z0-9_]*'
out=$(grep -rnwE "$regs" src ui tests/unit --include='*.[ch]' | grep -v '^src/arch/' | grep -v '^tests/unit/test_arch')
hdr=$(grep -rnE '#include <(sys/user\.h|asm/ptrace\.h|asm/perf_regs\.h)>' src ui tests/unit --include='*.[ch]' | grep -v '^src/arch/' | grep -v '^tests/unit/test_arch')
if [ -n "$out$hdr" ]; then
	echo "lint: machine registers or headers named outside src/arch/ (use src/arch.h):" >&2
	printf '%s\n' "$out" "$hdr" | grep -v '^$' >&2
	exit 1
fi
exit 0
