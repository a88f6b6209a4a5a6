#!/bin/bash
# perfmap.t - JIT frames named from the target's /tmp/perf-PID.map (module "[perf-map]", jit: true), the
# map re-read when it grows, a symlinked map refused; the target unharmed.
. tests/integration/lib.sh
plan 9
case "$FIXTURES" in /*|./*) ;; *) FIXTURES=./$FIXTURES;; esac

frame0() { # frame0 JSON TID: function module jit offset of the thread's innermost frame
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
t = [t for t in j["threads"] if t["tid"] == int(sys.argv[2])][0]
f = t["frames"][0] if t["frames"] else {}
print(f.get("function"), f.get("module"), f.get("jit", False), f.get("offset"))' "$@"
}

start_fixture jit_perfmap || exit 1
P=$FPID
if [ -n "$(fact skip)" ]; then
	for i in $(seq 1 9); do echo "ok $i # skip $(fact skip)"; done
	exit 0
fi
w=$(fact waiter); map=$(fact perfmap)
"$HOLDUP" dump --json $P >$TMPD/j.json 2>$TMPD/err; rc=$?
ok $rc "dump --json succeeds"
got=$(frame0 $TMPD/j.json $w)
[ "$got" = "Lcom/example/Queue;take(J)V [perf-map] True 14" ]; ok $? "the JIT frame is named from the perf map, marked jit ($got)"
"$HOLDUP" dump $P >$TMPD/t.txt 2>&1
grep -q 'Lcom/example/Queue;take(J)V+0xe (\[perf-map\])' $TMPD/t.txt; ok $? "text shows the JIT name and [perf-map]"
"$HOLDUP" dump --stop-all --json $P >$TMPD/s.json 2>$TMPD/err
got=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
t = [t for t in j["threads"] if t["tid"] == int(sys.argv[2])][0]
print(" ".join((f.get("function") or "??") for f in t["frames"][:2]))' $TMPD/s.json $w)
[ "$got" = "Lcom/example/Queue;take(J)V waiter" ]; ok $? "stop-all: unwound out of the JIT frame (frame pointer) into waiter ($got)"
wait_unharmed $P; ok $? "target unharmed"

# the JIT replaces its code at the same address: the map grows, a later line wins
code=$(fact jit_start)
printf '%x 10 Lcom/example/Queue;poll()V\n' $((code)) >>"$map"
"$HOLDUP" dump --json $P >$TMPD/j2.json 2>$TMPD/err
got=$(frame0 $TMPD/j2.json $w)
[ "$got" = "Lcom/example/Queue;poll()V [perf-map] True 14" ]; ok $? "an appended line for the same code is read and wins ($got)"

# a symlink in the map's place is not followed
mv "$map" "$map.real"; ln -s "$map.real" "$map"
"$HOLDUP" dump --json $P >$TMPD/j3.json 2>$TMPD/err
got=$(frame0 $TMPD/j3.json $w)
case "$got" in None\ *False*) ok 0 "a symlinked perf map is refused: frame unnamed ($got)";; *) diag "$got"; ok 1 "symlink refused";; esac
rm -f "$map"; mv "$map.real" "$map"
"$HOLDUP" dump --json $P >$TMPD/j4.json 2>$TMPD/err
got=$(frame0 $TMPD/j4.json $w)
case "$got" in *"[perf-map] True"*) ok 0 "the regular file is read again";; *) diag "$got"; ok 1 "read again";; esac
wait_unharmed $P; ok $? "target unharmed after the dumps"
stop_fixture $P
rm -f "$map"
