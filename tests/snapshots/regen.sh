#!/bin/bash
# regen.sh - captures each fixture of tests/snapshots/list once as a saved core, keeps the files it maps, and writes the expected outputs snapshots.t checks.
#
# Run as root from the top of the tree after `make fixtures`:  tests/snapshots/regen.sh [NAME...]
# or, with no live process, only the expected outputs again:   tests/snapshots/regen.sh --expected
# Review the diff of the expected outputs before committing: they are what `make check` holds the
# analysis to. The mapped files (executables, libc, the loader) are kept xz-compressed under files/,
# with only the symbol table of each host debug file (libc6-dbg), so the dump of a saved core reads
# the same on any machine: snapshots.t builds a sysroot of them and runs holdup dump --sysroot.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOLDUP=${HOLDUP:-./holdup}
SNAP=tests/snapshots
FILES=$SNAP/files
. tests/integration/lib.sh >/dev/null
export TZ=UTC

# all of them: the kept files start afresh (no file of an old build stays behind)
[ $# -gt 0 ] || rm -rf "$FILES"
mkdir -p "$FILES"
touch "$FILES/MANIFEST"

# keep_file PATH: stores the mapped file PATH (and its debug file's symbols) once, by build ID.
keep_file() {
	local path=$1 id stored dbg
	[ -f "$path" ] || return 0
	id=$(readelf -n "$path" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n 1)
	[ -n "$id" ] || id=nobuildid-$(sha256sum "$path" | cut -c1-16)
	stored="$(basename "$path")-${id:0:16}"
	if ! grep -q "^$stored $path\$" "$FILES/MANIFEST"; then
		[ -e "$FILES/$stored.xz" ] || xz -9 -c "$path" >"$FILES/$stored.xz"
		echo "$stored $path" >>"$FILES/MANIFEST"
	fi
	# the host's separate debug file, symbols only (its DWARF would be megabytes)
	dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
	if [ -f "$dbg" ] && ! grep -q " /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug\$" "$FILES/MANIFEST"; then
		objcopy $(readelf -SW "$dbg" | sed -n 's/^ *\[ *[0-9]*\] \(\.debug_[a-z_]*\) .*/-R \1/p') "$dbg" "$TMPD/sym.debug"
		xz -9 -c "$TMPD/sym.debug" >"$FILES/$stored.symbols.debug.xz"
		echo "$stored.symbols.debug $dbg" >>"$FILES/MANIFEST"
	fi
}

# build_sysroot DIR: the kept files at their paths under DIR (as snapshots.t does).
build_sysroot() {
	local dir=$1 stored path
	while read -r stored path; do
		mkdir -p "$dir$(dirname "$path")"
		xz -dc "$FILES/$stored.xz" >"$dir$path"
	done <"$FILES/MANIFEST"
}

# expected NAME: the outputs snapshots.t compares, from the saved core read in a sysroot of kept files.
expected() {
	local name=$1 core=$SNAP/$1.core root=$TMPD/root rc
	rm -rf "$root"; build_sysroot "$root"
	set +e
	$HOLDUP dump --no-color --sysroot "$root" "$core" | sed -E -f $SNAP/normalize.sed >"$SNAP/$name.txt"
	rc=${PIPESTATUS[0]}
	$HOLDUP dump --json --sysroot "$root" "$core" | sed -E -f $SNAP/normalize.sed >"$SNAP/$name.json"
	$HOLDUP dump --format dot --sysroot "$root" "$core" | sed -E -f $SNAP/normalize.sed >"$SNAP/$name.dot"
	$HOLDUP dump --group --no-color --sysroot "$root" "$core" | sed -E -f $SNAP/normalize.sed >"$SNAP/$name.group.txt"
	set -e
	echo "$rc" >"$SNAP/$name.rc"
}

# --expected: only the expected outputs again, from the cores and files kept (after a change to
# the analysis or the outputs); review their diff
if [ "${1:-}" = --expected ]; then
	while read -r name _; do
		case "$name" in ''|'#'*) continue;; esac
		expected "$name"
	done <"$SNAP/list"
	exit 0
fi
want=" $* "
while read -r name bin args; do
	case "$name" in ''|'#'*) continue;; esac
	[ "$want" = "  " ] || [[ "$want" == *" $name "* ]] || continue
	rm -f "$SNAP/$name.core"
	# shellcheck disable=SC2086
	start_fixture "$bin" $args || { echo "regen: $name did not start" >&2; exit 1; }
	sleep 0.5	# let every thread reach its wait
	set +e
	$HOLDUP dump --save "$SNAP/$name.core" "$FPID" >/dev/null
	set -e
	# any task's maps: a main thread that exited has none
	while read -r path; do keep_file "$path"; done < <(cat /proc/$FPID/task/*/maps | awk '$6 ~ /^\// {print $6}' | sort -u)
	stop_fixture "$FPID" || true
	chmod 0644 "$SNAP/$name.core"
	expected "$name"
	echo "regen: $name: exit $(cat "$SNAP/$name.rc"), $(stat -c %s "$SNAP/$name.core") bytes" >&2
done <"$SNAP/list"
sort -u -o "$FILES/MANIFEST" "$FILES/MANIFEST"

# the HOLDUP note of lock_abba's core, whole and its first half, seed the note decoder's fuzzer
$PY - $SNAP/lock_abba.core tests/fuzz/corpus/corenote <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
phoff, phnum = struct.unpack_from("<Q", d, 32)[0], struct.unpack_from("<H", d, 56)[0]
for i in range(phnum):
    t, _, off, _, _, size, _, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
    o = off
    while t == 4 and o < off + size:
        nn, dn, _ = struct.unpack_from("<III", d, o)
        do = o + 12 + ((nn + 3) & ~3)
        if d[o + 12:o + 12 + nn] == b"HOLDUP\0":
            desc = d[do:do + dn]
            open(sys.argv[2] + "/seed0", "wb").write(desc)
            open(sys.argv[2] + "/seed1", "wb").write(desc[:len(desc) // 2])
        o = do + ((dn + 3) & ~3)
PYEOF
