#!/bin/bash
# package.t - dpkg-buildpackage builds a lintian-clean holdup .deb from a copy of the tree; installed with dpkg into a root of its own, it holds the binary, the man page, three completions and the example unit, and the binary runs.
. tests/integration/lib.sh
plan 9

case "$HOLDUP" in *build-san*)
	for i in $(seq 9); do echo "ok $i # SKIP the package builds without sanitizers: checked in the plain run"; done
	exit 0;;
esac
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	{ for i in $(seq 9); do echo "ok $i # SKIP not a git checkout: the files to package are the tracked ones"; done; exit 0; }
for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null || { for i in $(seq 9); do echo "ok $i # SKIP $t is not installed"; done; exit 0; }
done

# the tracked files (and new ones not ignored) in a directory of their own: a package build
# writes into its tree and beside it
SRC=$TMPD/pkg/holdup
mkdir -p "$SRC"
git ls-files -co --exclude-standard | grep -v '^tests/snapshots/' | tar -T - -cf - | tar -xf - -C "$SRC"
(cd "$SRC" && timeout -s KILL 600 dpkg-buildpackage -us -uc -b) >"$TMPD/build.log" 2>&1
rc=$?
DEB=$(ls "$TMPD"/pkg/holdup_*_amd64.deb 2>/dev/null | head -n 1)
[ $rc = 0 ] && [ -s "$DEB" ]; ok $? "dpkg-buildpackage -us -uc -b builds $(basename "${DEB:-no .deb}") (rc $rc)"
[ $rc = 0 ] || tail -n 15 "$TMPD/build.log" | sed 's/^/#   /'

lintian --fail-on error,warning "$DEB" >"$TMPD/lintian.out" 2>&1
rc=$?
grep -E '^[EW]: ' "$TMPD/lintian.out" | head -n 5 | sed 's/^/#   /'
[ $rc = 0 ] && ! grep -qE '^[EW]: ' "$TMPD/lintian.out"; ok $? "lintian: no error or warning (rc $rc)"

# installed with dpkg into a root of its own (its own package database: the machine's is not touched)
ROOT=$TMPD/root
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" && touch "$ROOT/var/lib/dpkg/status"
dpkg --root="$ROOT" --force-depends --force-script-chrootless -i "$DEB" >"$TMPD/inst.log" 2>&1 &&
	dpkg --root="$ROOT" -l holdup 2>/dev/null | grep -q '^ii  holdup'
ok $? "dpkg -i installs it (into a root of its own)"
"$ROOT/usr/bin/holdup" --version >"$TMPD/v.out" 2>&1
grep -qx "holdup $(cat VERSION)" "$TMPD/v.out"; ok $? "the packaged holdup runs: $(cat "$TMPD/v.out")"
[ -s "$ROOT/usr/share/man/man1/holdup.1.gz" ] && zcat "$ROOT/usr/share/man/man1/holdup.1.gz" | grep -q '^\.SH NAME'
ok $? "the man page is there, compressed"
[ -s "$ROOT/usr/share/bash-completion/completions/holdup" ] && [ -s "$ROOT/usr/share/zsh/vendor-completions/_holdup" ] &&
	[ -s "$ROOT/usr/share/fish/vendor_completions.d/holdup.fish" ]
ok $? "bash, zsh and fish completions are where those shells look"
U=$ROOT/usr/share/doc/holdup/examples/holdup-watch@.service
[ -s "$U" ] && grep -q 'exec /usr/bin/holdup watch' "$U" && ! grep -q '/usr/local\|@BINDIR@' "$U"
ok $? "the systemd unit is an example, pointing at /usr/bin/holdup"
dpkg-deb -f "$DEB" Depends | grep -q 'libdw1' && dpkg-deb -f "$DEB" Depends | grep -q 'libncursesw6'
ok $? "Depends names the libraries it links ($(dpkg-deb -f "$DEB" Depends | cut -c1-120))"
dpkg --root="$ROOT" --force-script-chrootless -r holdup >"$TMPD/rm.log" 2>&1 && [ ! -e "$ROOT/usr/bin/holdup" ] &&
	[ ! -e "$ROOT/usr/share/man/man1/holdup.1.gz" ]
ok $? "dpkg -r removes it again"
exit $((TAP_FAILED > 0))
