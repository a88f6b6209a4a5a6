#!/bin/bash
# bench.t - smoke test of `make bench`: one tiny run (N=10, one repetition) produces the tables and harms no target, then one short live-cost run.
. tests/integration/lib.sh
plan 16

out=$TMPD/perf.md
keep=$TMPD/bench
BENCH_N=10 BENCH_WAKERS="20 3 5" BENCH_GO=2000 GOFIXTURES=$GOFIXTURES BENCH_REPEAT=1 BENCH_LIVE=0 BENCH_RECORD_SECONDS=1 BENCH_TIMEOUT=60 BENCH_OUT=$out BENCH_KEEP=$keep \
	HOLDUP=$HOLDUP BENCHBIN=$BENCHBIN bash bench/run.sh >"$TMPD/run.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/#   /' "$TMPD/run.log" | tail -n 30
ok $rc "bench/run.sh exits 0"
check "the report is written" test -s "$out"

# row_matches FILE PREFIX AWK-CONDITION: the first table row of FILE starting "| PREFIX" meets the
# condition on its |-separated fields
row_matches() {
	local line
	line=$(grep -F "| $2" "$1" | head -n 1)
	[ -n "$line" ] || { diag "no row for $2"; return 1; }
	echo "$line" | awk -F'|' "{ exit !($3) }" || { diag "row without numbers: $line"; return 1; }
}
# row TOOL-LABEL-PREFIX: the N=10 table row of that tool; its wall cell (4th field) must be a number.
row_has_numbers() {
	row_matches "$out" "10 | $1" '$4 ~ /^ [0-9]+(\.[0-9]+)? $/ && $5 ~ /^ [0-9]+(\.[0-9]+)? \(/'
}
check "floor row has wall time and pause" row_has_numbers "bare ptrace floor"
check "holdup row has wall time and pause" row_has_numbers "holdup dump --json (default)"
check "holdup --stop-all row has wall time and pause" row_has_numbers "holdup dump --json --stop-all"
check "eu-stack row has wall time and pause" row_has_numbers "eu-stack"
check "gdb row has wall time and pause" row_has_numbers "gdb"
check "wakers table has holdup's rounds" grep -q '^| holdup dump --json (default) | [0-9.]* ([0-9.-]*) | [0-9.]* (.*| [0-9] ([0-9]-[0-9]) |' "$out"
check "targets table is there" grep -q '^| holdup peak memory at 1000 threads' "$out"
check "Go table has the JSON dump's time and the goroutines read" grep -Eq '^\| holdup dump --json \(every goroutine\) \| 1 \| [0-9]+ \([0-9]+-[0-9]+\) \| [0-9]+ \| [0-9.]+ \| 200[0-9] \|' "$out"

# Every target the run started must be gone now, and none was left stopped or traced while it ran.
left=""
for p in $(cat "$keep/pids" 2>/dev/null); do [ -d /proc/$p ] && left="$left $p"; done
bad=$(grep -c 'not clean' "$keep/notes.txt" 2>/dev/null)
[ -s "$keep/pids" ] && [ -z "$left" ] && [ "${bad:-0}" = 0 ]
ok $? "targets were left unharmed and are gone (left:${left:- none}, unclean: ${bad:-0})"

# The live-cost part, one short window each: every configuration gets a row with a throughput and
# the tool's CPU, the floor rows included (bench/burner with record's share).
lout=$TMPD/live.md
BENCH_PARTS=live BENCH_REPEAT=1 BENCH_LIVE_SECONDS=1 BENCH_OUT=$lout BENCH_KEEP=$TMPD/live \
	HOLDUP=$HOLDUP BENCHBIN=$BENCHBIN bash bench/run.sh >"$TMPD/live.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/#   /' "$TMPD/live.log" | tail -n 30
ok $rc "bench/run.sh (live part) exits 0"
# live_row LABEL-PREFIX: its units/s (4th field) and its CPU cell (7th) are numbers
live_row() {
	row_matches "$lout" "$1" '$4 ~ /^ [0-9]+ $/ && $7 ~ /^ [0-9]+\.[0-9]% of the machine/'
}
check "top's live row has a throughput and its CPU" live_row "holdup top -i 0.1"
check "record's live row has a throughput and its CPU" live_row "holdup record -r 100 (pprof)"
check "the 10 Hz burner floor row has a throughput and its CPU" live_row "floor: bench/burner at 10 Hz"
check "the 100 Hz burner floor row has a throughput and its CPU" live_row "floor: bench/burner at 100 Hz"
