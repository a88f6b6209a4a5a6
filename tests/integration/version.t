#!/bin/bash
# version.t - holdup --version, -V and `holdup version` print the release (VERSION) and, in a git checkout, the commit it was built from; the man page and debian/changelog name the same release.
. tests/integration/lib.sh

release=$(cat VERSION)
echo "$release" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+'
ok $? "VERSION holds a release number ($release)"
for a in --version -V version; do
	out=$("$HOLDUP" $a 2>&1); rc=$?
	[ $rc = 0 ] && case "$out" in "holdup $release"|"holdup $release (git "*")") true;; *) false;; esac
	ok $? "holdup $a prints the release ($out, status $rc)"
done
# a build from a git checkout says which commit (the Makefile asks git describe)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	c=$(git rev-parse --short HEAD)
	"$HOLDUP" --version | grep -q "(git .*$c"
	ok $? "built in a git checkout: --version names the commit $c ($("$HOLDUP" --version))"
else
	ok 0 "# SKIP not a git checkout"
fi
grep -q "^\.TH HOLDUP 1 .*\"holdup $release\"" doc/holdup.1
ok $? "doc/holdup.1 is the manual of holdup $release"
head -n 1 debian/changelog | grep -q "^holdup ($release)"
ok $? "debian/changelog's version is $release"

plan "$TAP_N"
[ "$TAP_FAILED" = 0 ]
