/* corebuild.h - builds small x86-64 ELF core files in memory for test_core.c and the fuzz seeds. */
#ifndef HOLDUP_TEST_COREBUILD_H
#define HOLDUP_TEST_COREBUILD_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"

/* x86-64's struct elf_prstatus: 336 bytes, pr_pid at 32, pr_reg at 112; in pr_reg the syscall
 * number is slot 15, the pc slot 16, the stack pointer slot 19. */
#define CB_PRSTATUS_SIZE	336
#define CB_REG(slot)		(112 + 8 * (slot))

struct cb {
	uint8_t *notes; size_t nlen;
	struct { uint64_t vaddr, memsz; const void *data; size_t len; } load[8];
	int nload;
};

static void
cb_note(struct cb *b, const char *name, uint32_t type, const void *desc, size_t dlen)
{
	Elf64_Nhdr nh = { (uint32_t)strlen(name) + 1, (uint32_t)dlen, type };
	size_t nl = (nh.n_namesz + 3) & ~3u, dl = (dlen + 3) & ~(size_t)3;

	b->notes = realloc(b->notes, b->nlen + sizeof nh + nl + dl);
	memset(b->notes + b->nlen, 0, sizeof nh + nl + dl);
	memcpy(b->notes + b->nlen, &nh, sizeof nh);
	memcpy(b->notes + b->nlen + sizeof nh, name, nh.n_namesz);
	memcpy(b->notes + b->nlen + sizeof nh + nl, desc, dlen);
	b->nlen += sizeof nh + nl + dl;
}

static void
cb_thread(struct cb *b, int32_t tid, uint64_t pc, uint64_t sp, int64_t nr)
{
	uint8_t d[CB_PRSTATUS_SIZE] = { 0 };

	memcpy(d + 32, &tid, 4);
	memcpy(d + CB_REG(15), &nr, 8);
	memcpy(d + CB_REG(16), &pc, 8);
	memcpy(d + CB_REG(19), &sp, 8);
	cb_note(b, "CORE", NT_PRSTATUS, d, sizeof d);
}

static void
cb_psinfo(struct cb *b, int32_t pid, const char *fname, const char *args)
{
	uint8_t d[136] = { 0 };

	memcpy(d + 24, &pid, 4);
	strncpy((char *)d + 40, fname, 15);
	strncpy((char *)d + 56, args, 79);
	cb_note(b, "CORE", NT_PRPSINFO, d, sizeof d);
}

/* NT_FILE with n entries of (start, end, pgoff) and paths */
static void
cb_files(struct cb *b, uint64_t count, size_t n, const uint64_t (*ent)[3], const char *const *paths)
{
	uint8_t d[4096];
	uint64_t page = 4096;
	size_t off = 16;

	memcpy(d, &count, 8);
	memcpy(d + 8, &page, 8);
	for (size_t i = 0; i < n; i++, off += 24)
		memcpy(d + off, ent[i], 24);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(paths[i]) + 1;

		memcpy(d + off, paths[i], l);
		off += l;
	}
	cb_note(b, "CORE", 0x46494c45, d, off);
}

static void
cb_load(struct cb *b, uint64_t vaddr, uint64_t memsz, const void *data, size_t len)
{
	b->load[b->nload].vaddr = vaddr;
	b->load[b->nload].memsz = memsz;
	b->load[b->nload].data = data;
	b->load[b->nload].len = len;
	b->nload++;
}

/* The whole file; *len gets its size. cls is ELFCLASS64 (or 32, to be refused). */
static uint8_t *
cb_finish(struct cb *b, int cls, size_t *len)
{
	size_t nph = 1 + (size_t)b->nload, off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr), total = off + b->nlen;
	uint8_t *f;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;

	for (int i = 0; i < b->nload; i++)
		total += b->load[i].len;
	f = calloc(1, total);
	eh = (Elf64_Ehdr *)f;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = (unsigned char)cls;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = arch_native->elf_machine;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof *eh;
	eh->e_ehsize = sizeof *eh;
	eh->e_phentsize = sizeof *ph;
	eh->e_phnum = (uint16_t)nph;
	ph = (Elf64_Phdr *)(f + sizeof *eh);
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = off;
	ph[0].p_filesz = b->nlen;
	memcpy(f + off, b->notes, b->nlen);
	off += b->nlen;
	for (int i = 0; i < b->nload; i++) {
		ph[1 + i].p_type = PT_LOAD;
		ph[1 + i].p_flags = PF_R | PF_W;
		ph[1 + i].p_vaddr = b->load[i].vaddr;
		ph[1 + i].p_memsz = b->load[i].memsz;
		ph[1 + i].p_filesz = b->load[i].len;
		ph[1 + i].p_offset = off;
		memcpy(f + off, b->load[i].data, b->load[i].len);
		off += b->load[i].len;
	}
	free(b->notes);
	b->notes = NULL;
	*len = total;
	return f;
}

/* A path naming an in-memory file holding buf (a memfd); *fd must be closed after. */
static const char *
cb_memfile(const uint8_t *buf, size_t len, int *fd)
{
	static char path[64];

	*fd = memfd_create("core", MFD_CLOEXEC);
	if (*fd < 0 || write(*fd, buf, len) != (ssize_t)len)
		return NULL;
	snprintf(path, sizeof path, "/proc/self/fd/%d", *fd);
	return path;
}

#endif
