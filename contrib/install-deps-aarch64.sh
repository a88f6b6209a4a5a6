#!/bin/sh
# install-deps-aarch64.sh - installs what make check-aarch64 needs (clang, lld, arm64 -dev packages by dpkg multiarch, qemu) and fetches Debian's arm64 kernel, busybox and libc debug file into DIR.
# Usage: install-deps-aarch64.sh DIR
# Debian's gcc-aarch64-linux-gnu conflicts with gcc-multilib (the i386 tests need it), so the
# cross build uses clang --target with the arm64 multiarch libraries instead.
set -e
dir=$1
arm="libc6-dev:arm64 libgcc-12-dev:arm64 libstdc++-12-dev:arm64 libdw-dev:arm64 libelf-dev:arm64
	libncurses-dev:arm64 zlib1g-dev:arm64 libdeflate-dev:arm64 libcmocka-dev:arm64 libdebuginfod-dev:arm64"
pkgs=""
for p in clang lld qemu-user-static qemu-system-arm file golang-go $arm; do
	dpkg -s "$p" >/dev/null 2>&1 || pkgs="$pkgs $p"
done
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO=none; fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$pkgs" ]; then
	echo "holdup: installing for check-aarch64:$pkgs" >&2
	[ "$SUDO" = none ] && { echo "holdup: not root and no sudo; run as root: apt-get install -y$pkgs" >&2; exit 1; }
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "holdup: adding the arm64 architecture to dpkg" >&2
		$SUDO dpkg --add-architecture arm64
	fi
	$SUDO apt-get update -qq >&2 || true
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $pkgs >&2
fi
# the guest's kernel, shell and libc debug file: downloaded and unpacked, never installed
mkdir -p "$dir"
fetch() {	# NAME PACKAGE
	[ -d "$dir/$1" ] && return 0
	(cd "$dir" && rm -f ./*.deb && apt-get download "$2" >&2 && dpkg-deb -x ./*.deb "$1.tmp" && mv "$1.tmp" "$1" && rm -f ./*.deb)
}
kernel=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-arm64\).*/\1/p' | head -n 1)
[ -n "$kernel" ] || { echo "holdup: no arm64 kernel package in the apt lists" >&2; exit 1; }
fetch linux-image "$kernel"
fetch busybox busybox-static:arm64
fetch libc6-dbg "libc6-dbg:arm64=$(dpkg-query -W -f '${Version}' libc6:arm64)"
