#!/bin/sh
# install-deps.sh - installs the Debian packages holdup needs to build and test, saying what it installs.
set -e
pkgs=""
need() { # need PACKAGE TEST-COMMAND...
	p=$1; shift
	if ! "$@" >/dev/null 2>&1; then pkgs="$pkgs $p"; fi
}
need pkg-config      command -v pkg-config
need build-essential command -v c++
need libdw-dev       pkg-config --exists libdw
need libelf-dev      pkg-config --exists libelf
need libncurses-dev  pkg-config --exists ncursesw
need zlib1g-dev      pkg-config --exists zlib
need libdeflate-dev  pkg-config --exists libdeflate
need libdebuginfod-dev pkg-config --exists libdebuginfod
need debuginfod     command -v debuginfod
need libcmocka-dev   pkg-config --exists cmocka
need perl            command -v prove
need tmux            command -v tmux
need golang-go       command -v go
need elfutils        command -v eu-stack
need gdb             command -v gdb
need procps          command -v ps
need python3         command -v python3
need libc6-dbg      dpkg -s "libc6-dbg:$(dpkg --print-architecture)"
need strace         command -v strace
need util-linux     command -v setpriv
need clang          command -v clang
need graphviz       command -v dot
need rustc          command -v rustc
need musl-tools     command -v musl-gcc
need xz-utils       command -v xz
need dpkg-dev       command -v dpkg-buildpackage
need debhelper      command -v dh
need lintian        command -v lintian
need zsh            command -v zsh
need fish           command -v fish
# 32-bit x86 targets (i386.t): gcc -m32 builds, and libc's debug symbols for i386 (a multiarch
# package: dpkg learns the i386 architecture first; nothing 32-bit is installed beyond these)
i386=""
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
	need gcc-multilib sh -c 'echo "int main(void){return 0;}" | cc -m32 -x c -o /dev/null -'
	if ! dpkg -s libc6-dbg:i386 >/dev/null 2>&1; then pkgs="$pkgs libc6-dbg:i386"; i386=1; fi
fi
[ -z "$pkgs" ] && exit 0
echo "holdup: installing missing Debian packages:$pkgs" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
	echo "holdup: not root and no sudo; run as root: apt-get install -y$pkgs" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$i386" ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
	echo "holdup: adding the i386 architecture to dpkg (for libc6-dbg:i386)" >&2
	$SUDO dpkg --add-architecture i386
fi
$SUDO apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >&2
