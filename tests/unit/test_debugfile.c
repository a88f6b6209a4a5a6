/* test_debugfile.c - the debug file rewriter on a hand-built ELF: inflated, dropped, kept, and corrupt inputs. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gelf.h>
#include <libelf.h>
#include <zlib.h>

#include "arch.h"
#include "debugfile.h"

#define PAYLOAD_LEN	20000

static const char shstrtab[] = "\0.shstrtab\0.debug_info\0.debug_loclists\0.note.gnu.build-id\0.text";
enum { N_SHSTRTAB = 1, N_INFO = 11, N_LOC = 23, N_NOTE = 39, N_TEXT = 58 };
static const unsigned char build_id[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
static const unsigned char text[16] = "code bytes here";

struct image {
	unsigned char *buf;
	size_t len;
	size_t info_off;	/* where section 2's Elf64_Chdr sits */
	size_t shoff;
	unsigned char payload[PAYLOAD_LEN];
};

static size_t
put(struct image *im, size_t cap, const void *p, size_t n, size_t align)
{
	size_t off = (im->len + align - 1) & ~(align - 1);

	assert_true(off + n <= cap);
	memcpy(im->buf + off, p, n);
	im->len = off + n;
	return off;
}

/* An ELF file with sections: null, .shstrtab, .debug_info (zlib), .debug_loclists (zlib),
 * .note.gnu.build-id, .text (plain). */
static void
image_build(struct image *im)
{
	size_t cap = 1 << 20, zcap = compressBound(PAYLOAD_LEN);
	unsigned char *z = malloc(zcap);
	uLongf zlen = zcap;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr sh[6] = { 0 };
	Elf64_Chdr ch = { ELFCOMPRESS_ZLIB, 0, PAYLOAD_LEN, 1 };
	unsigned char note[12 + 4 + sizeof build_id];
	Elf64_Nhdr nh = { 4, sizeof build_id, NT_GNU_BUILD_ID };

	for (size_t i = 0; i < PAYLOAD_LEN; i++)
		im->payload[i] = (unsigned char)("DWARF"[i % 5] + i / 997);
	assert_int_equal(compress2(z, &zlen, im->payload, PAYLOAD_LEN, 9), Z_OK);
	im->buf = calloc(1, cap);
	im->len = sizeof eh;

	sh[1] = (Elf64_Shdr){ .sh_name = N_SHSTRTAB, .sh_type = SHT_STRTAB, .sh_size = sizeof shstrtab, .sh_addralign = 1 };
	sh[1].sh_offset = put(im, cap, shstrtab, sizeof shstrtab, 1);

	im->info_off = put(im, cap, &ch, sizeof ch, 8);
	put(im, cap, z, zlen, 1);
	sh[2] = (Elf64_Shdr){ .sh_name = N_INFO, .sh_type = SHT_PROGBITS, .sh_flags = SHF_COMPRESSED,
	    .sh_offset = im->info_off, .sh_size = sizeof ch + zlen, .sh_addralign = 8 };

	sh[3] = sh[2];
	sh[3].sh_name = N_LOC;
	sh[3].sh_offset = put(im, cap, &ch, sizeof ch, 8);
	put(im, cap, z, zlen, 1);

	memcpy(note, &nh, sizeof nh);
	memcpy(note + sizeof nh, "GNU", 4);
	memcpy(note + sizeof nh + 4, build_id, sizeof build_id);
	sh[4] = (Elf64_Shdr){ .sh_name = N_NOTE, .sh_type = SHT_NOTE, .sh_size = sizeof note, .sh_addralign = 4 };
	sh[4].sh_offset = put(im, cap, note, sizeof note, 4);

	sh[5] = (Elf64_Shdr){ .sh_name = N_TEXT, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
	    .sh_size = sizeof text, .sh_addralign = 16 };
	sh[5].sh_offset = put(im, cap, text, sizeof text, 16);

	im->shoff = put(im, cap, sh, sizeof sh, 8);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = arch_native->elf_machine;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = im->shoff;
	eh.e_ehsize = sizeof eh;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 6;
	eh.e_shstrndx = 1;
	memcpy(im->buf, &eh, sizeof eh);
	free(z);
}

static Elf_Scn *
scn_named(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *n;

		assert_non_null(gelf_getshdr(scn, &sh));
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n != NULL && strcmp(n, name) == 0)
			return scn;
	}
	fail_msg("no section %s", name);
	return NULL;
}

static void
test_debugfile_inflates(void **state)
{
	struct image im;
	struct err e = { "" };
	Elf *elf;
	Elf_Data *d;
	GElf_Shdr sh;
	int fd;

	(void)state;
	image_build(&im);
	assert_int_equal(debugfile_inflate_mem(im.buf, im.len, build_id, sizeof build_id, &fd, &e), 1);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);

	/* the compressed section is plain now, with the original bytes */
	assert_non_null(gelf_getshdr(scn_named(elf, ".debug_info"), &sh));
	assert_int_equal(sh.sh_flags & SHF_COMPRESSED, 0);
	assert_int_equal(sh.sh_size, PAYLOAD_LEN);
	d = elf_rawdata(scn_named(elf, ".debug_info"), NULL);
	assert_non_null(d);
	assert_int_equal(d->d_size, PAYLOAD_LEN);
	assert_memory_equal(d->d_buf, im.payload, PAYLOAD_LEN);

	/* the unread one is gone for libdw */
	assert_non_null(gelf_getshdr(scn_named(elf, ".debug_loclists"), &sh));
	assert_int_equal(sh.sh_type, SHT_NOBITS);

	/* the others are as they were */
	d = elf_rawdata(scn_named(elf, ".text"), NULL);
	assert_non_null(d);
	assert_int_equal(d->d_size, sizeof text);
	assert_memory_equal(d->d_buf, text, sizeof text);
	assert_non_null(gelf_getshdr(scn_named(elf, ".note.gnu.build-id"), &sh));
	assert_int_equal(sh.sh_type, SHT_NOTE);

	elf_end(elf);
	close(fd);
	free(im.buf);
}

static void
test_debugfile_build_id(void **state)
{
	static const unsigned char other[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 5 };
	struct image im;
	struct err e = { "" };
	int fd;

	(void)state;
	image_build(&im);
	assert_int_equal(debugfile_inflate_mem(im.buf, im.len, other, sizeof other, &fd, &e), -1);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(e.msg, "build ID"));
	assert_int_equal(debugfile_inflate_mem(im.buf, im.len, build_id, 4, &fd, &e), -1);
	free(im.buf);
}

/* Nothing compressed: the caller keeps its file. */
static void
test_debugfile_plain(void **state)
{
	struct image im;
	struct err e = { "" };
	Elf64_Shdr sh[6];
	int fd;

	(void)state;
	image_build(&im);
	memcpy(sh, im.buf + im.shoff, sizeof sh);
	sh[2].sh_flags = 0;
	sh[3].sh_name = N_TEXT;	/* no longer a section to drop */
	sh[3].sh_flags = 0;
	memcpy(im.buf + im.shoff, sh, sizeof sh);
	assert_int_equal(debugfile_inflate_mem(im.buf, im.len, NULL, 0, &fd, &e), 0);
	assert_int_equal(fd, -1);
	free(im.buf);
}

static void
test_debugfile_corrupt(void **state)
{
	struct image im;
	struct err e = { "" };
	Elf64_Shdr sh[6];
	Elf64_Chdr ch;
	Elf64_Ehdr eh;
	unsigned char *copy;
	int fd;

	(void)state;
	image_build(&im);
	copy = malloc(im.len);

	/* not ELF, too short */
	assert_int_equal(debugfile_inflate_mem((const unsigned char *)"hello", 5, NULL, 0, &fd, &e), -1);
	memcpy(copy, im.buf, im.len);
	copy[EI_CLASS] = ELFCLASS32;
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);

	/* section headers past the end of the file */
	memcpy(copy, im.buf, im.len);
	memcpy(&eh, copy, sizeof eh);
	eh.e_shoff = im.len - 10;
	memcpy(copy, &eh, sizeof eh);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);

	/* a section past the end; a size that wraps */
	memcpy(copy, im.buf, im.len);
	memcpy(sh, copy + im.shoff, sizeof sh);
	sh[2].sh_size = im.len;
	memcpy(copy + im.shoff, sh, sizeof sh);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);
	sh[2].sh_offset = 16;
	sh[2].sh_size = UINT64_MAX - 8;
	memcpy(copy + im.shoff, sh, sizeof sh);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);

	/* a stated size the stream does not inflate to, and an absurd one */
	memcpy(copy, im.buf, im.len);
	memcpy(&ch, copy + im.info_off, sizeof ch);
	ch.ch_size = PAYLOAD_LEN + 1;
	memcpy(copy + im.info_off, &ch, sizeof ch);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);
	assert_int_equal(fd, -1);
	ch.ch_size = UINT64_MAX;
	memcpy(copy + im.info_off, &ch, sizeof ch);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);

	/* a damaged stream */
	memcpy(copy, im.buf, im.len);
	memset(copy + im.info_off + sizeof ch + 2, 0xff, 64);
	assert_int_equal(debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e), -1);

	/* every single-byte truncation and a sweep of byte flips: any answer, but no crash (ASan
	 * checks the reads), and an fd only with success */
	for (size_t n = 0; n < im.len; n += 7) {
		int rc = debugfile_inflate_mem(im.buf, n, NULL, 0, &fd, &e);

		assert_true(rc <= 0);
		assert_int_equal(fd, -1);
	}
	for (size_t i = 0; i < im.len; i += 3) {
		int rc;

		memcpy(copy, im.buf, im.len);
		copy[i] ^= (unsigned char)(0x5a + i);
		rc = debugfile_inflate_mem(copy, im.len, NULL, 0, &fd, &e);
		assert_true(rc == 1 ? fd >= 0 : fd == -1);
		if (fd >= 0)
			close(fd);
	}
	free(copy);
	free(im.buf);
}

/* A section over the ELF header: copied, but the new header (pointing at the new table) wins. */
static void
test_debugfile_section_over_header(void **state)
{
	struct image im;
	struct err e = { "" };
	Elf64_Shdr sh[6];
	Elf *elf;
	GElf_Shdr gs;
	int fd;

	(void)state;
	image_build(&im);
	memcpy(sh, im.buf + im.shoff, sizeof sh);
	sh[5].sh_offset = 0;
	memcpy(im.buf + im.shoff, sh, sizeof sh);
	assert_int_equal(debugfile_inflate_mem(im.buf, im.len, NULL, 0, &fd, &e), 1);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_getshdr(scn_named(elf, ".debug_info"), &gs));
	assert_int_equal(gs.sh_flags & SHF_COMPRESSED, 0);
	elf_end(elf);
	close(fd);
	free(im.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debugfile_inflates),
		cmocka_unit_test(test_debugfile_build_id),
		cmocka_unit_test(test_debugfile_plain),
		cmocka_unit_test(test_debugfile_corrupt),
		cmocka_unit_test(test_debugfile_section_over_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
