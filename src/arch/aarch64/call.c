/* call.c - aarch64 call instructions: whether the word before a return address is a call, and where to. */
#include "arch.h"
#include "arch_aarch64.h"

#include <string.h>

/* An instruction word, little-endian as every Linux arm64 process is. */
static uint32_t
a64_insn(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every instruction is 4 bytes: the call is the last word of b. */
bool
arch_aarch64_call_decode(const uint8_t b[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target)
{
	uint32_t i = a64_insn(b + ARCH_CALL_BYTES - 4);

	*target = 0;
	if ((i & 0xfc000000u) == 0x94000000u) {		/* BL imm26: pc-relative, in words */
		int64_t off = (int64_t)(int32_t)((i & 0x03ffffffu) << 6) >> 6;	/* imm26, sign-extended */

		*target = ra - 4 + (uint64_t)(off * 4);
		return true;
	}
	if ((i & 0xfffffc1fu) == 0xd63f0000u)		/* BLR Xn */
		return true;
	return (i & 0xfefff800u) == 0xd63f0800u;	/* BLRAA, BLRAAZ, BLRAB, BLRABZ (pointer auth) */
}

/* The PLT entry: [bti c;] adrp x16, page; ldr x17, [x16, #off]; add x16, x16, #off; br x17. */
bool
arch_aarch64_plt_slot(const uint8_t c[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot)
{
	size_t at = 0;
	uint32_t adrp, ldr;
	int64_t page;

	if (a64_insn(c) == 0xd503245fu)	/* bti c */
		at = 4;
	adrp = a64_insn(c + at);
	ldr = a64_insn(c + at + 4);
	if ((adrp & 0x9f00001fu) != 0x90000010u || (ldr & 0xffc003ffu) != 0xf9400211u)
		return false;	/* not adrp x16 then ldr x17, [x16, #imm] */
	page = (int64_t)(int32_t)((((adrp >> 5) & 0x7ffffu) << 2 | ((adrp >> 29) & 3u)) << 11) >> 11;
	*slot = ((addr + at) & ~(uint64_t)0xfff) + (uint64_t)(page * 4096) + ((ldr >> 10) & 0xfffu) * 8;
	return true;
}
