#!/bin/sh
# demo.sh - runs the bundled demo program and shows holdup's dump of it, then cleans up.
holdup=$1 demo=$2
out=$(mktemp)
"$demo" >"$out" &
pid=$!
i=0
while ! grep -q '^ready' "$out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
echo "== the demo (pid $pid): an auditor sleeps holding accounts_lock, two tellers wait for it,"
echo "== and two transfers deadlock on ledger_a/ledger_b. Running: $holdup dump $pid"
echo
"$holdup" dump "$pid"
rc=$?
echo
case $rc in
	3) echo "== holdup exited with 3: it found a deadlock (0 = none, 1 = error, 2 = usage).";;
	*) echo "== holdup exited with $rc";;
esac
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
rm -f "$out"
[ $rc -eq 0 ] || [ $rc -eq 3 ]
