#!/bin/bash
# watch.t - holdup watch: dumps (text + JSON) and --exec when a deadlock or a long block appears,
# nothing for contended but progressing locks, one dump per event, exit 0 when the target exits.
. tests/integration/lib.sh
plan 33

yes_no() { [ "$@" ] && echo 0 || echo 1; }
# wait_for SECONDS COMMAND...: polls until the command succeeds
wait_for() { local n=$(( $1 * 10 )) i; shift; for i in $(seq $n); do "$@" && return 0; sleep 0.1; done; return 1; }
# wait_exit PID SECONDS: waits for a background holdup to end by itself; RC gets its status
wait_exit() {
	wait_for "$2" eval "! kill -0 $1 2>/dev/null" || { diag "pid $1 still running"; kill -9 "$1"; wait "$1"; RC=255; return 1; }
	wait "$1"; RC=$?
}
ndumps() { ls "$1"/holdup-*.txt 2>/dev/null | wc -l; }

# --- usage
"$HOLDUP" watch >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "watch without PID: exit 2"
"$HOLDUP" watch --blocked-for soon 1 >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "--blocked-for soon: exit 2"
"$HOLDUP" watch --dir $TMPD/nonexistent $$ >/dev/null 2>&1; ok $([ $? -eq 1 ] && echo 0 || echo 1) "--dir that does not exist: exit 1"
"$HOLDUP" watch --help | grep -q 'usage: holdup watch'; ok $? "watch --help prints usage"

# --- a deadlock two seconds in
D=$TMPD/dl; mkdir -p $D
start_fixture rec_hang deadlock 2 || exit 1
P=$FPID; W1=$(fact worker1_tid); W2=$(fact worker2_tid)
"$HOLDUP" watch -i 0.25 --blocked-for 3 --dir $D \
	--exec "printf '%s|%s|%s|%s\n' \"\$1\" \"\$HOLDUP_DUMP\" \"\$2\" \"\$HOLDUP_REASON\" >>$D/exec.log" $P >$TMPD/w1.out 2>&1 &
WP=$!
sleep 1
ok $(yes_no "$(ndumps $D)" = 0) "no dump while the workers still make progress"
wait_for 20 test -s $D/exec.log; ok $? "--exec ran after the deadlock appeared"
txt=$(ls $D/holdup-$P-*.txt 2>/dev/null | head -n 1); json=${txt%.txt}.json
ok $(yes_no -s "$txt" -a -s "$json") "text and JSON dumps written ($(basename "$txt"))"
grep -q 'DEADLOCK' "$txt"; ok $? "text dump reports the deadlock"
got=$(json_get "$json" 'sorted(j["deadlocks"][0]["threads"])' 2>/dev/null)
ok $(yes_no "$got" = "$(python3 -c "print(sorted([$W1, $W2]))")") "JSON dump: deadlock of the two workers ($got)"
IFS='|' read -r a1 env1 a2 reason <$D/exec.log
ok $(yes_no "$a1" = "$txt" -a "$env1" = "$txt") "--exec: \$1 and \$HOLDUP_DUMP are the text dump"
ok $(yes_no "$a2" = "$json") "--exec: \$2 is the JSON dump"
case "$reason" in *deadlock*) r=0;; *) r=1;; esac; ok $r "--exec: \$HOLDUP_REASON says deadlock ($reason)"
grep -q "deadlock of threads .*wrote $txt" $TMPD/w1.out; ok $? "watch says what it wrote"
sleep 4	# longer than --blocked-for: the deadlocked threads must not cause a second dump
ok $(yes_no "$(ndumps $D)" = 1) "one dump for one deadlock ($(ndumps $D))"
wait_unharmed $P; ok $? "deadlocked target unharmed while watched"
stop_fixture $P
wait_exit $WP 20; ok $RC "watch exits 0 when the target exits (status $RC)"
[ "$RC" = 0 ] || sed 's/^/#   /' $TMPD/w1.out
grep -q "pid $P exited" $TMPD/w1.out; ok $? "watch says the target exited"
grep -q "exited with status 0" $TMPD/w1.out; ok $? "watch reports the --exec status"

# --- one thread blocked for good behind a sleeping holder (no cycle)
D=$TMPD/st; mkdir -p $D
start_fixture rec_hang stall 1 || exit 1
P=$FPID; W2=$(fact worker2_tid)
"$HOLDUP" watch -i 0.25 --blocked-for 2 --dir $D --save \
	--exec "printf '%s|%s\n' \"\$3\" \"\$HOLDUP_DUMP_CORE\" >>$D/exec.log" $P >$TMPD/w2.out 2>&1 &
WP=$!
wait_for 20 eval '[ "$(ndumps $D)" -ge 1 ]'; ok $? "a block longer than --blocked-for triggers a dump"
wait_for 10 test -s $D/exec.log
core=$(ls $D/holdup-$P-*.core 2>/dev/null | head -n 1)
ok $(yes_no -s "$core" -a "$(stat -c %a "$core" 2>/dev/null)" = 600) "--save: the snapshot is saved beside the dumps as a 0600 core ($(basename "$core"))"
IFS='|' read -r a3 envc <$D/exec.log
ok $(yes_no "$a3" = "$core" -a "$envc" = "$core") "--exec: \$3 and \$HOLDUP_DUMP_CORE are the saved core"
"$HOLDUP" dump --json "$core" >$TMPD/w2core.json 2>$TMPD/w2core.err; rc=$?
ok $(yes_no "$rc" = 0 -a "$(json_get $TMPD/w2core.json "[t['state'] for t in j['threads'] if t['tid'] == $W2][0]" 2>/dev/null)" = blocked) \
	"--save: holdup dump of the core exits 0 and shows the worker blocked (rc $rc)"
grep -q "thread $W2 blocked on ledger_lock" $TMPD/w2.out; ok $? "watch names the blocked thread and lock"
json=$(ls $D/holdup-$P-*.json | head -n 1)
ok $(yes_no "$(json_get "$json" 'len(j["deadlocks"])')" = 0) "stall dump: no deadlock in it"
ok $(yes_no "$(json_get "$json" "[t['state'] for t in j['threads'] if t['tid'] == $W2][0]")" = blocked) "stall dump: the worker is blocked"
sleep 3
ok $(yes_no "$(ndumps $D)" = 1) "the same block is not dumped again"
wait_unharmed $P; ok $? "stalled target unharmed while watched"
kill -TERM $WP; wait_exit $WP 10; ok $RC "SIGTERM: watch exits 0"
stop_fixture $P

# --- contended but progressing: nothing to report
D=$TMPD/pr; mkdir -p $D
start_fixture rec_contend || exit 1
P=$FPID
"$HOLDUP" watch -i 0.2 --blocked-for 1 --dir $D $P >$TMPD/w3.out 2>&1 &
WP=$!
sleep 6
kill -TERM $WP; wait_exit $WP 10; ok $RC "progressing target: watch exits 0 on SIGTERM"
ok $(yes_no "$(ndumps $D)" = 0) "progressing target: no dump in 6 s with --blocked-for 1"
grep -q 'stopping after 0 dumps' $TMPD/w3.out; ok $? "progressing target: watch says it wrote nothing"
wait_unharmed $P; ok $? "progressing target unharmed"
stop_fixture $P

# --- a target that exits on its own
start_fixture rec_contend 1 || exit 1
P=$FPID
"$HOLDUP" watch -i 0.2 --dir $TMPD $P >$TMPD/w4.out 2>&1 &
WP=$!
wait_exit $WP 15; ok $RC "target exits by itself: watch exits 0"
