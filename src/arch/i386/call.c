/* call.c - i386 call instructions: whether the bytes before a return address are a call, and where to. */
#include "arch.h"
#include "arch_i386.h"

#include <string.h>

/* b holds the ARCH_CALL_BYTES (8) bytes before ra; each encoding ends at b[8]. i386 has no REX
 * prefixes and no pc-relative memory operands, so disp32 with mod 00 is an absolute address. */
bool
arch_i386_call_decode(const uint8_t b[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target)
{
	*target = 0;
	if (b[3] == 0xe8) {			/* call rel32: the only kind that names its target */
		int32_t rel;

		memcpy(&rel, b + 4, sizeof rel);
		*target = (uint32_t)(ra + (uint64_t)(int64_t)rel);
		return true;
	}
	if (b[6] == 0xff && (b[7] & 0xf8) == 0xd0)	/* call *%reg */
		return true;
	/* call *(%reg), not the SIB (4) or absolute (5) forms */
	if (b[6] == 0xff && (b[7] & 0xf8) == 0x10 && (b[7] & 7) != 4 && (b[7] & 7) != 5)
		return true;
	if (b[5] == 0xff && (b[6] & 0xf8) == 0x50 && (b[6] & 7) != 4)	/* call *disp8(%reg) */
		return true;
	if (b[4] == 0xff && b[5] == 0x54 && b[6] == 0x24)	/* call *disp8(%esp) */
		return true;
	/* call *disp32(%reg), and call *abs32 (glibc's call *%gs:0x10 into the vDSO is this, after a
	 * segment prefix) */
	return b[2] == 0xff && ((b[3] & 0xf8) == 0x90 || b[3] == 0x15);
}

/* jmp *abs32, optionally after endbr32: a non-PIC PLT entry. A PIC one (jmp *disp32(%ebx))
 * jumps through a slot relative to the GOT address its caller put in ebx, which the code alone
 * does not tell: it is not decoded. */
bool
arch_i386_plt_slot(const uint8_t c[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot)
{
	static const uint8_t endbr32[4] = { 0xf3, 0x0f, 0x1e, 0xfb };
	size_t at = 0;
	uint32_t abs;

	(void)addr;
	if (memcmp(c, endbr32, sizeof endbr32) == 0)
		at = 4;
	if (c[at] != 0xff || c[at + 1] != 0x25)
		return false;
	memcpy(&abs, c + at + 2, sizeof abs);
	*slot = abs;
	return true;
}
