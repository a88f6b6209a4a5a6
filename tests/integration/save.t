#!/bin/bash
# save.t - holdup dump --save: the saved ELF core reads back offline as the same dump (all but source and timing), and other tools open it.
. tests/integration/lib.sh
plan 21

PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# same LIVE SAVED: every top-level field agrees but the capture's source and timing
same() {
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
skip = {"time", "pause_us", "capture_us", "threads_stopped", "source", "capture_mode", "capture_rounds",
	"capture_round_detail"}
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [k for k in sorted(set(a) | set(b)) if k not in skip and a.get(k) != b.get(k)]
for k in bad[:5]:
	print("# %s: live %.200r saved %.200r" % (k, a.get(k), b.get(k)))
sys.exit(1 if bad or not a.get("threads") else 0)
PYEOF
}

for fx in lock_abba:3 lock_rwlock:0; do
	name=${fx%%:*} want=${fx##*:}
	start_fixture "$name" || exit 1
	CORE=$TMPD/$name.core
	$HOLDUP dump --json --save "$CORE" "$FPID" >"$TMPD/$name.live.json"
	rc=$?
	[ "$rc" = "$want" ]; ok $? "$name: live dump with --save exits $want (got $rc)"
	wait_unharmed "$FPID"; ok $? "$name: target unharmed"
	$HOLDUP dump --json "$CORE" >"$TMPD/$name.saved.json"
	rc=$?
	[ "$rc" = "$want" ]; ok $? "$name: the saved core exits $want too (got $rc)"
	same "$TMPD/$name.live.json" "$TMPD/$name.saved.json"; ok $? "$name: saved dump has the live dump's fields"
	size=$(stat -c %s "$CORE")
	diag "$name saved core: $size bytes"
	[ "$size" -gt 0 ] && [ "$size" -lt $((4 << 20)) ]; ok $? "$name: saved core under 4 MiB ($size bytes)"
	[ "$(stat -c %a "$CORE")" = 600 ]; ok $? "$name: saved core is 0600"
	readelf -h "$CORE" 2>/dev/null | grep -q 'CORE (Core file)'; ok $? "$name: readelf sees an ET_CORE"
	[ "$name" = lock_abba ] && ABBA=$CORE ABBAPID=$FPID || stop_fixture "$FPID"
done

$HOLDUP dump --save "$ABBA" "$ABBAPID" >/dev/null 2>"$TMPD/exist.err"
[ $? = 1 ] && grep -q 'File exists' "$TMPD/exist.err"; ok $? "an existing file is never overwritten"
$HOLDUP dump --save "$TMPD/two.core" "$ABBAPID" "$ABBAPID" >/dev/null 2>"$TMPD/two.err"
[ $? = 2 ] && grep -q 'exactly one PID' "$TMPD/two.err" && [ ! -e "$TMPD/two.core" ]; ok $? "several PIDs are refused"
$HOLDUP dump --save "$TMPD/c2.core" "$ABBA" >/dev/null 2>&1
[ $? = 2 ]; ok $? "--save of a core file is refused"
stop_fixture "$ABBAPID"
eu-stack --core "$ABBA" -e "$FIXTURES/lock_abba" >"$TMPD/eu.txt" 2>&1
[ "$(grep -c '^TID ' "$TMPD/eu.txt")" -ge 3 ]; ok $? "eu-stack opens the saved core and lists its threads"
grep -q ' worker$' "$TMPD/eu.txt" && grep -q 'pthread_mutex_lock' "$TMPD/eu.txt"; ok $? "eu-stack symbolizes it (the modules' headers are saved): worker, pthread_mutex_lock"
gdb -batch -nx -ex 'thread apply all bt' -c "$ABBA" "$FIXTURES/lock_abba" >"$TMPD/gdb.txt" 2>&1
grep -q '^Thread ' "$TMPD/gdb.txt"; ok $? "gdb opens the saved core and lists its threads"
grep -q 'in worker ' "$TMPD/gdb.txt" && grep -q 'pthread_mutex_lock' "$TMPD/gdb.txt"
ok $? "gdb symbolizes the executable and libc (NT_AUXV and the link map are saved): worker, pthread_mutex_lock"
