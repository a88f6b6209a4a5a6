#!/bin/bash
# snapshots.t - the analysis and every dump format, from saved cores in tests/snapshots (no live process): each output must equal the expected one kept beside it.
. tests/integration/lib.sh
SNAP=tests/snapshots
export TZ=UTC
mapfile -t NAMES < <(sed -n 's/^\([a-z_0-9]*\)\t.*/\1/p' $SNAP/list)
plan $((${#NAMES[@]} * 6 + 6))

# The kept files at the paths the cores name, under one sysroot: the same bytes on every machine.
ROOT=$TMPD/root
built=0
while read -r stored path; do
	mkdir -p "$ROOT$(dirname "$path")" && xz -dc "$SNAP/files/$stored.xz" >"$ROOT$path" || built=1
done <$SNAP/files/MANIFEST
ok $built "the sysroot of kept files is built ($(wc -l <$SNAP/files/MANIFEST) files)"

# run NAME OUT ARGS...: holdup dump ARGS on NAME's core in the sysroot, normalized, into OUT; sets RC.
run() {
	local name=$1 out=$2; shift 2
	timeout -s KILL 60 $HOLDUP dump "$@" --sysroot "$ROOT" "$SNAP/$name.core" >"$out.raw" 2>"$out.err"
	RC=$?
	sed -E -f $SNAP/normalize.sed "$out.raw" >"$out"
}
# same EXPECTED GOT WHAT: ok if they are equal, else the first lines of the difference
same() {
	diff -u "$1" "$2" >"$2.diff"
	local rc=$?
	[ $rc = 0 ] || sed -n '1,12s/^/#   /p' "$2.diff"
	ok $rc "$3"
}

for name in "${NAMES[@]}"; do
	O=$TMPD/$name
	run "$name" "$O.txt" --no-color
	[ "$RC" = "$(cat $SNAP/$name.rc)" ]; ok $? "$name: exits $(cat $SNAP/$name.rc) (got $RC)"
	same "$SNAP/$name.txt" "$O.txt" "$name: text dump as expected"
	run "$name" "$O.json" --json
	same "$SNAP/$name.json" "$O.json" "$name: JSON dump as expected"
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["threads"] and j["source"].startswith("core file") else 1)' "$O.json"
	ok $? "$name: the JSON parses, has threads and says it came from a core file"
	run "$name" "$O.dot" --format dot
	same "$SNAP/$name.dot" "$O.dot" "$name: dot graph as expected"
	run "$name" "$O.group.txt" --group --no-color
	same "$SNAP/$name.group.txt" "$O.group.txt" "$name: grouped text as expected"
done

# What the cores are known to hold, asserted apart from the expected files (a regen that lost it fails here).
j=$TMPD/lock_abba.json
[ "$(json_get "$j" 'len(j["deadlocks"])')" = 1 ] &&
	[ "$(json_get "$j" 'sorted(l["symbol"] for l in j["locks"] if l["holders_known"] and l["holders"])')" = "['lock_a', 'lock_b']" ]
ok $? "lock_abba: one deadlock through lock_a and lock_b, both with owners"
j=$TMPD/goholders.json
[ "$(json_get "$j" 'len(j["goroutines"]) > 150')" = True ]; ok $? "goholders: the goroutines are read from the saved core"

# A damaged core is refused with a message, never followed: truncated, and its notes overwritten.
head -c 3000 $SNAP/lock_abba.core >"$TMPD/trunc.core"
timeout -s KILL 30 $HOLDUP dump "$TMPD/trunc.core" >/dev/null 2>"$TMPD/trunc.err"
rc=$?
[ $rc = 1 ] && grep -q 'core' "$TMPD/trunc.err"; ok $? "a truncated core exits 1 with a message (rc $rc: $(head -c 120 "$TMPD/trunc.err"))"
cp $SNAP/lock_abba.core "$TMPD/bad.core"
printf '\377%.0s' $(seq 1 400) | dd of="$TMPD/bad.core" bs=1 seek=200 conv=notrunc 2>/dev/null
timeout -s KILL 30 $HOLDUP dump --json "$TMPD/bad.core" >"$TMPD/bad.json" 2>"$TMPD/bad.err"
rc=$?
[ $rc -le 3 ] && [ $rc != 0 ]; ok $? "a core with corrupt notes is read without a crash or hang, not 'all fine' (rc $rc)"

# Without the kept files, the same core still reads, and says what it could not find.
mkdir -p "$TMPD/empty"
timeout -s KILL 60 $HOLDUP dump --sysroot "$TMPD/empty" $SNAP/lock_abba.core >"$TMPD/nofiles.txt" 2>&1
rc=$?
[ $rc = 3 ] && grep -q 'lock_abba' "$TMPD/nofiles.txt"; ok $? "with an empty sysroot the deadlock is still found from the saved facts (rc $rc)"
exit $((TAP_FAILED > 0))
