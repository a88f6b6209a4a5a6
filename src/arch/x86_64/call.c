/* call.c - x86-64 call instructions: whether the bytes before a return address are a call, and where to. */
#include "arch.h"
#include "arch_x86_64.h"

#include <string.h>

/* b holds the ARCH_CALL_BYTES (8) bytes before ra; each x86-64 call encoding ends at b[8]. */
bool
arch_x86_64_call_decode(const uint8_t b[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target)
{
	*target = 0;
	if (b[3] == 0xe8) {			/* call rel32: the only kind that names its target */
		int32_t rel;

		memcpy(&rel, b + 4, sizeof rel);
		*target = ra + (uint64_t)(int64_t)rel;
		return true;
	}
	if (b[6] == 0xff && (b[7] & 0xf8) == 0xd0)	/* call *%reg */
		return true;
	if (b[5] == 0xff && (b[6] & 0xf8) == 0x50)	/* call *disp8(%reg) */
		return true;
	if (b[2] == 0xff && ((b[3] & 0xf8) == 0x90 || b[3] == 0x15))	/* disp32(%reg), pc-relative */
		return true;
	/* call through one of the eight REX-extended registers (b[6] already checked above) */
	return b[4] == 0x41 && b[5] == 0xff && (b[6] & 0xf0) == 0xd0;
}

/* jmp *disp32(%rip), optionally after endbr64 and with a bnd prefix (the .plt and .plt.sec forms). */
bool
arch_x86_64_plt_slot(const uint8_t c[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t at = 0;
	int32_t disp;

	if (memcmp(c, endbr64, sizeof endbr64) == 0)
		at = 4;
	if (c[at] == 0xf2)	/* bnd */
		at++;
	if (c[at] != 0xff || c[at + 1] != 0x25)
		return false;
	memcpy(&disp, c + at + 2, sizeof disp);
	*slot = addr + at + 6 + (uint64_t)(int64_t)disp;
	return true;
}
