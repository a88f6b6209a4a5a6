# Makefile - builds ./holdup, its tests and fixtures. `make check` runs everything; SAN=1 builds with ASan+UBSan.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1

CC ?= cc
CXX ?= c++
# libdebuginfod is opened at run time (symserver.c), only its header is needed here
PKGS = libdw libelf ncursesw zlib libdeflate
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -Isrc -Iui

ifeq ($(SAN),1)
BUILD = build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
HOLDUP = $(BUILD)/holdup
else
BUILD = build
SANFLAGS =
HOLDUP = ./holdup
endif

# The architecture holdup is built for: its code is src/arch/$(ARCH)/, behind src/arch.h, with the
# ports of the archs it reads besides (ARCH_COMPAT_<arch>: i386 programs under an x86-64 kernel).
ARCH ?= $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
ifeq ($(wildcard src/arch/$(ARCH)/),)
$(error holdup has no port to '$(ARCH)': no src/arch/$(ARCH)/ (doc/design.md, "Porting to another architecture"))
endif

ARCH_COMPAT_x86_64 = i386
ARCH_DIRS = $(ARCH) $(ARCH_COMPAT_$(ARCH))
ARCH_SRC = $(wildcard src/arch/*.c) $(foreach d,$(ARCH_DIRS),$(wildcard src/arch/$(d)/*.c))
SRC = $(wildcard src/*.c) $(ARCH_SRC) $(wildcard ui/*.c)
OBJ = $(SRC:%.c=$(BUILD)/%.o)
LIBOBJ = $(filter-out $(BUILD)/src/main.o,$(OBJ))
DEPSTAMP = build/.deps-ok

FIXTURE_C = $(wildcard tests/fixtures/*.c)
FIXTURE_CC = $(wildcard tests/fixtures/*.cc)
# Rust fixtures: one file each (rustc, std only, no cargo); fixture.rs is their shared protocol
FIXTURE_RS = $(filter-out tests/fixtures/fixture.rs,$(wildcard tests/fixtures/*.rs))
FIXTURES = $(FIXTURE_C:tests/fixtures/%.c=build/fixtures/%) $(FIXTURE_CC:tests/fixtures/%.cc=build/fixtures/%) \
	$(FIXTURE_RS:tests/fixtures/%.rs=build/fixtures/%)
RUSTC ?= rustc
GO_FIXTURE_DIRS = $(wildcard tests/gofixtures/*/)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BINS = $(BENCH_SRC:bench/%.c=build/bench/%)

# The release (VERSION) and, in a git checkout, the commit it was built from (holdup --version).
HOLDUP_RELEASE := $(shell cat VERSION 2>/dev/null)
HOLDUP_GIT := $(shell git describe --always --dirty --tags 2>/dev/null)
HOLDUP_VERSION = $(HOLDUP_RELEASE)$(if $(HOLDUP_GIT), (git $(HOLDUP_GIT)))

PKG_CONFIG ?= pkg-config
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

.PHONY: all deps check check-aarch64 lint unit integration fixtures gofixtures demo bench install uninstall clean fuzz-build fuzz fuzz-smoke
all: $(HOLDUP)

# Installs missing build/test packages once (contrib/install-deps.sh says what it installs).
# NO_DEPS=1 (a package build: its Build-Depends are there) installs nothing.
ifeq ($(NO_DEPS),1)
$(DEPSTAMP):
	@mkdir -p build && touch $@
else
$(DEPSTAMP): contrib/install-deps.sh
	@sh contrib/install-deps.sh
	@mkdir -p build && touch $@
endif
deps:
	@sh contrib/install-deps.sh

$(BUILD)/%.o: %.c $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(HOLDUP): $(OBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS) -lstdc++ -lpthread -lm

-include $(OBJ:.o=.d)

# Fixtures are the targets holdup looks at: plain -O1 -g builds, never sanitized.
build/fixtures/%: tests/fixtures/%.c tests/fixtures/fixture.h $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CC) -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $@ $< -lm
build/fixtures/%: tests/fixtures/%.cc tests/fixtures/fixture.h $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CXX) -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -pthread -o $@ $<
build/fixtures/%: tests/fixtures/%.rs tests/fixtures/fixture.rs $(DEPSTAMP)
	@mkdir -p build/fixtures
	MAKEFLAGS= CARGO_MAKEFLAGS= $(RUSTC) -g -C opt-level=0 -o $@ $<
# the same with v0 symbol names for the fixture's own code (rust.t)
build/fixtures/%-v0: tests/fixtures/%.rs tests/fixtures/fixture.rs $(DEPSTAMP)
	@mkdir -p build/fixtures
	MAKEFLAGS= CARGO_MAKEFLAGS= $(RUSTC) -g -C opt-level=0 -C symbol-mangling-version=v0 -o $@ $<
# The same fixtures under other build conditions (conditions.t): static, PIE and not, stripped
# with a separate debug file.
build/fixtures/%-static: tests/fixtures/%.c tests/fixtures/fixture.h $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CC) -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -static -o $@ $< -lm
build/fixtures/%-stripped: build/fixtures/%
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-all --add-gnu-debuglink=$@.debug $< $@
COND_FIXTURES = build/fixtures/lock_abba-static build/fixtures/lock_abba-stripped build/fixtures/lock_abba-static-stripped \
	build/fixtures/rustabba-v0
# 32-bit programs (i386.t, conditions.t): one built with binutils alone (no libc), and lock
# fixtures built with gcc -m32 where gcc-multilib is installed
M32_FIXTURES = $(addprefix build/fixtures/,lock_abba-m32 lock_abba-m32-static lock_rwlock-m32 \
	lock_mutexkinds-m32 lock_events-m32 lock_philo-m32)
ifeq ($(ARCH),x86_64)
COND_FIXTURES += build/fixtures/i386_pause
ifeq ($(shell echo 'int main(void){return 0;}' | $(CC) -m32 -x c -o /dev/null - 2>/dev/null && echo y),y)
COND_FIXTURES += $(M32_FIXTURES)
endif
endif
build/fixtures/%-m32: tests/fixtures/%.c tests/fixtures/fixture.h tests/fixtures/lock_wait.h $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CC) -m32 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $@ $< -lm
build/fixtures/%-m32-static: tests/fixtures/%.c tests/fixtures/fixture.h tests/fixtures/lock_wait.h $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CC) -m32 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -static -o $@ $< -lm
build/fixtures/i386_pause: tests/fixtures/i386_pause.S
	@mkdir -p build/fixtures
	$(CC) -m32 -c -o $@.o $< 2>/dev/null || as --32 -o $@.o $<
	ld -m elf_i386 -o $@ $@.o
# musl builds (musl.t): static, and dynamic against musl's loader; plain -O1 -g as musl code would
# be built (frame pointers omitted, CFI kept). Only where musl-gcc is installed (musl-tools).
MUSL_FIXTURES = build/fixtures/lock_musl-musl build/fixtures/lock_musl-musldyn
ifneq ($(shell command -v musl-gcc 2>/dev/null),)
COND_FIXTURES += $(MUSL_FIXTURES)
endif
build/fixtures/%-musl: tests/fixtures/%.c tests/fixtures/fixture.h tests/fixtures/lock_wait.h
	@mkdir -p build/fixtures
	musl-gcc -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -pthread -static -o $@ $<
build/fixtures/%-musldyn: tests/fixtures/%.c tests/fixtures/fixture.h tests/fixtures/lock_wait.h
	@mkdir -p build/fixtures
	musl-gcc -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -pthread -o $@ $<
# hostile DWARF (hostile_go.t): C types renamed after the build into Go runtime names
# (-small: runtime.g's DW_AT_byte_size, 0x80000048 as data4, made 0x200; the pattern must be unique)
COND_FIXTURES += build/fixtures/gobigoff build/fixtures/gobigoff-small
build/fixtures/gobigoff: tests/fixtures/hostile/gobigoff.c $(DEPSTAMP)
	@mkdir -p build/fixtures
	$(CC) -O0 -g -gdwarf-5 -Wall -Wextra -Werror -o $@.tmp $<
	perl -0777 -pe 's/runtimeX/runtime./g; s/syncX/sync./g; s/mainX/main./g' $@.tmp >$@ && chmod +x $@ && rm -f $@.tmp
build/fixtures/gobigoff-small: build/fixtures/gobigoff
	test "$$(perl -0777 -ne 'print scalar(() = /\x48\x00\x00\x80/g)' $<)" = 1
	perl -0777 -pe 's/\x48\x00\x00\x80/\x00\x02\x00\x00/' $< >$@ && chmod +x $@
fixtures: $(FIXTURES) $(COND_FIXTURES) gofixtures

# Go fixtures: each directory under tests/gofixtures is one main package.
gofixtures: $(DEPSTAMP)
	@for d in $(GO_FIXTURE_DIRS); do \
		n=$$(basename $$d); \
		if [ -f $$d/build.sh ]; then sh $$d/build.sh build/gofixtures || exit 1; \
		else mkdir -p build/gofixtures && (cd $$d && GOFLAGS=-mod=mod GO111MODULE=off GOCACHE=$${GOCACHE:-/tmp/holdup-gocache} go build -o $(CURDIR)/build/gofixtures/$$n .) || exit 1; fi; \
	done

$(BUILD)/unit/%: tests/unit/%.c $(LIBOBJ)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(LIBOBJ) $(PKG_LIBS) -lcmocka -lstdc++ -lpthread -lm

build/bench/%: bench/%.c $(DEPSTAMP)
	@mkdir -p build/bench
	$(CC) -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -pthread -o $@ $< -lm

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME) over clang builds of
# the src/ and ui/ objects in build-fuzz/. `make fuzz` runs each for FUZZ_SECONDS; `make fuzz-smoke`
# (part of `make check`) runs every seed and a few seconds of each, failing on any crash.
FUZZ_CC = clang
FUZZ_BUILD = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
FUZZ_LIBSRC = $(filter-out src/main.c,$(wildcard src/*.c) $(ARCH_SRC) $(wildcard ui/*.c))
FUZZ_LIBOBJ = $(FUZZ_LIBSRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

$(FUZZ_BUILD)/%.o: %.c $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_SANFLAGS) -fsanitize=fuzzer-no-link $(WARN) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_SANFLAGS) -fsanitize=fuzzer $(WARN) $(PKG_CFLAGS) -o $@ $< \
		$(FUZZ_LIBOBJ) $(PKG_LIBS) -lstdc++ -lpthread -lm

-include $(FUZZ_LIBOBJ:.o=.d)

fuzz-build: $(FUZZERS)

fuzz: $(FUZZERS) gofixtures
	@GOFIXTURES=$(CURDIR)/build/gofixtures sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

fuzz-smoke: $(FUZZERS) gofixtures
	@GOFIXTURES=$(CURDIR)/build/gofixtures sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZERS)

# check-aarch64: holdup, its unit tests and fixtures cross-built for aarch64 (clang --target, lld,
# Debian's arm64 multiarch -dev packages; contrib/install-deps-aarch64.sh also fetches Debian's
# arm64 kernel, busybox and libc debug file), the unit tests run under qemu-user, then the lock
# and Go fixtures dumped inside an emulated arm64 machine (qemu-system, Debian's kernel, an
# initramfs) and checked by tests/aarch64/system.t.
AARCH64_CC = clang --target=aarch64-linux-gnu -fuse-ld=lld -Qunused-arguments
AARCH64_PKG_CONFIG = env PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
AARCH64_UNITS = $(UNIT_SRC:tests/unit/%.c=build-aarch64/unit/%)
AARCH64_FIXTURES = $(addprefix build-aarch64/fixtures/,lock_abba lock_philo lock_rwlock lock_mutexkinds lock_events busy)
AARCH64_DEBS = build-aarch64/debs
build-aarch64/fixtures/%: tests/fixtures/%.c tests/fixtures/fixture.h tests/fixtures/lock_wait.h
	@mkdir -p build-aarch64/fixtures
	$(AARCH64_CC) -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $@ $< -lm
build-aarch64/gofixtures/gomutex: tests/gofixtures/gomutex/main.go
	@mkdir -p build-aarch64/gofixtures
	cd tests/gofixtures/gomutex && GOARCH=arm64 GOFLAGS=-mod=mod GO111MODULE=off \
		GOCACHE=$${GOCACHE:-/tmp/holdup-gocache} go build -o $(CURDIR)/$@ .
# the guest: busybox, holdup, the fixtures, their libraries and libc's debug file (by build ID)
build-aarch64/guest.cpio.gz: build-aarch64/holdup $(AARCH64_FIXTURES) build-aarch64/gofixtures/gomutex \
		tests/aarch64/init.sh tests/aarch64/mkinitramfs.py
	id=$$(readelf -n /lib/aarch64-linux-gnu/libc.so.6 | sed -n 's/.*Build ID: //p'); \
	dbg=$$(find $(AARCH64_DEBS)/libc6-dbg -path "*/.build-id/$${id%$${id#??}}/$${id#??}.debug" | head -n 1); \
	test -n "$$dbg" || { echo "no arm64 libc debug file for build ID $$id"; exit 1; }; \
	python3 tests/aarch64/mkinitramfs.py $@ tests/aarch64/init.sh $(AARCH64_DEBS)/busybox/bin/busybox \
		/t/holdup=build-aarch64/holdup $(foreach f,$(AARCH64_FIXTURES) build-aarch64/gofixtures/gomutex,/t/$(notdir $(f))=$(f)) \
		/usr/lib/debug/.build-id/$${id%$${id#??}}/$${id#??}.debug=$$dbg
check-aarch64:
	@sh contrib/install-deps-aarch64.sh $(AARCH64_DEBS)
	$(MAKE) ARCH=aarch64 BUILD=build-aarch64 HOLDUP=build-aarch64/holdup CC="$(AARCH64_CC)" \
		PKG_CONFIG="$(AARCH64_PKG_CONFIG)" NO_DEPS=1 build-aarch64/holdup $(AARCH64_UNITS) build-aarch64/guest.cpio.gz
	file build-aarch64/holdup | grep -q 'ARM aarch64'
	prove -v tests/aarch64/user.sh :: qemu-aarch64-static $(AARCH64_UNITS)
	KERNEL=$$(ls $(AARCH64_DEBS)/linux-image/boot/vmlinuz-* | head -n 1) INITRD=build-aarch64/guest.cpio.gz \
		CONSOLE=build-aarch64/console.txt \
		prove -v tests/aarch64/system.t

unit: $(UNITS)
	@sh tests/run-unit.sh $(UNITS)

integration: $(HOLDUP) fixtures $(BENCH_BINS)
	HOLDUP=$(HOLDUP) FIXTURES=build/fixtures GOFIXTURES=build/gofixtures BENCHBIN=build/bench \
		prove -v tests/integration/*.t

# The module include graph of src/ and ui/: no cycle, every include points down the layers.
lint:
	@python3 tests/lint/includes.py --self-test >/dev/null || python3 tests/lint/includes.py --self-test
	@python3 tests/lint/includes.py
	@sh tests/lint/arch.sh && echo "arch: no machine register named outside src/arch/"
	@python3 tests/lint/funclen.py && echo "funclen: no function over 120 lines"

check: lint $(HOLDUP) fixtures $(UNITS) $(BENCH_BINS) $(FUZZERS)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory fuzz-smoke

demo: $(HOLDUP) build/fixtures/demo
	@sh tests/demo.sh $(HOLDUP) build/fixtures/demo

bench: $(HOLDUP) $(BENCH_BINS) fixtures
	@sh bench/run.sh

# Rewritten only when the version changes, so a rebuild after a commit relinks holdup alone.
$(BUILD)/version.h: FORCE
	@mkdir -p $(BUILD); v='#define HOLDUP_VERSION "$(HOLDUP_VERSION)"'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" >$@
$(BUILD)/src/main.o: $(BUILD)/version.h
$(BUILD)/src/main.o: CPPFLAGS += -I$(BUILD)
.PHONY: FORCE
FORCE:

DOCDIR = $(PREFIX)/share/doc/holdup

# The systemd unit, pointing at the holdup that make install puts in BINDIR.
build/holdup-watch@.service: contrib/holdup-watch@.service.in FORCE
	@mkdir -p build; sed 's|@BINDIR@|$(BINDIR)|g' $< >$@.tmp && mv $@.tmp $@

install: $(HOLDUP) build/holdup-watch@.service
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(HOLDUP) $(DESTDIR)$(BINDIR)/holdup
	install -m 644 doc/holdup.1 $(DESTDIR)$(MANDIR)/holdup.1
	install -m 644 contrib/holdup.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/holdup
	install -m 644 contrib/_holdup $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_holdup
	install -m 644 contrib/holdup.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/holdup.fish
	install -m 644 build/holdup-watch@.service $(DESTDIR)$(DOCDIR)/examples/holdup-watch@.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/holdup $(DESTDIR)$(MANDIR)/holdup.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/holdup \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_holdup \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/holdup.fish \
		$(DESTDIR)$(DOCDIR)/examples/holdup-watch@.service

clean:
	rm -rf build build-san build-fuzz build-aarch64 holdup
