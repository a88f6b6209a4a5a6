#!/bin/bash
# launch.t - choosing targets: several PIDs in one dump, --subprocesses (dump, record, watch), launch
# mode (record|watch -- CMD) with the command's exit status, signals passed on, an unprivileged
# user, and the CI hang catcher: watch --subprocesses -- SUITE dumps the descendant that hung.
. tests/integration/lib.sh
plan 50

yes_no() { [ "$@" ] && echo 0 || echo 1; }
is() { ok $(yes_no "$1" = "$2") "$3 (got '$1', want '$2')"; }
wait_for() { local n=$(( $1 * 10 )) i; shift; for i in $(seq $n); do "$@" && return 0; sleep 0.1; done; return 1; }
H() { timeout -s KILL 60 "$HOLDUP" "$@"; }

# --- usage
H record 1 -- true >/dev/null 2>&1; is $? 2 "record PID -- CMD: a PID or a command, not both: exit 2"
H watch -- >/dev/null 2>&1; is $? 2 "watch -- with no command: exit 2"
H dump -- true >/dev/null 2>&1; is $? 2 "dump has no launch mode: exit 2"
H record 1 2 >/dev/null 2>&1; is $? 2 "record takes one PID: exit 2"

# --- launch mode: the command's exit status is holdup's
H record -- sh -c 'exit 7' >/dev/null 2>$TMPD/l1.err; is $? 7 "record -- sh -c 'exit 7': exit 7"
grep -q "exited with status 7" $TMPD/l1.err; ok $? "record says how the command ended"
H watch -i 0.2 --dir $TMPD -- sh -c 'sleep 0.3; exit 7' >/dev/null 2>&1; is $? 7 "watch -- sh -c 'exit 7': exit 7"
H record -o $TMPD/k.folded -- sh -c 'sleep 0.5; kill -9 $$' >/dev/null 2>&1; is $? 137 "a command killed by SIGKILL: exit 128+9"
H record -- /nonexistent/command >/dev/null 2>$TMPD/l2.err; is $? 127 "a command that does not exist: exit 127"
grep -q "/nonexistent/command: No such file" $TMPD/l2.err; ok $? "and says why"
H record -- sh -c 'exit 0' >/dev/null 2>&1; is $? 0 "a command done before the first sample: exit 0"
H record -o $TMPD/no/such/dir/p.folded -- sh -c "touch $TMPD/ran" >/dev/null 2>&1; is $? 1 "record -o into a missing directory: exit 1"
ok $([ -e $TMPD/ran ] && echo 1 || echo 0) "and the command was never started"

# --- record in launch mode writes a profile; --subprocesses names each process at the stack root
H record -r 20 --subprocesses -o $TMPD/l.folded -- timeout -s KILL 2 "$FIXTURES/lock_abba" >/dev/null 2>$TMPD/l3.err
is $? 137 "record --subprocesses -- timeout 2 lock_abba: the command's status (timeout's 128+9)"
grep -q '^[0-9]* lock_abba;blocked;.*\[mutex lock_[ab]\] [0-9]*$' $TMPD/l.folded; ok $? "folded profile: a \"PID lock_abba\" root frame above the deadlocked stacks"
grep -q '^[0-9]* timeout;' $TMPD/l.folded; ok $? "folded profile: the command itself (timeout) under its own root"
H record -r 20 -o $TMPD/l.pb.gz --subprocesses -- timeout -s KILL 1 "$FIXTURES/lock_abba" >/dev/null 2>&1
if command -v go >/dev/null; then
	GOCACHE=${GOCACHE:-/tmp/holdup-gocache} go tool pprof -tags $TMPD/l.pb.gz 2>/dev/null >$TMPD/tags.txt
	awk '/^ *process:/ { f = 1; next } /^ *[a-z_]+:/ { f = 0 } f' $TMPD/tags.txt | grep -q lock_abba
	ok $? "pprof profile: a process label (lock_abba)"
	grep -q "^ *pid:" $TMPD/tags.txt; ok $? "pprof profile: a pid label"
else
	ok 0 "# SKIP go tool pprof missing"; ok 0 "# SKIP go tool pprof missing"
fi

# --- signals: SIGTERM to holdup goes on to the command, holdup waits for it and passes its status on
# (holdup itself, not under timeout(1), which would take the signal)
"$HOLDUP" watch -i 0.2 --dir $TMPD -- sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done' >$TMPD/s.out 2>&1 &
WP=$!
wait_for 10 grep -q "watching command" $TMPD/s.out; CP=$(sed -n 's/.*watching command \([0-9]*\).*/\1/p' $TMPD/s.out)
sleep 0.5
kill -TERM $WP; wait $WP; is $? 9 "SIGTERM to watch: passed on to the command, which exits 9: exit 9"
ok $(kill -0 "$CP" 2>/dev/null && echo 1 || echo 0) "the command is gone, not left stopped"
"$HOLDUP" record -o $TMPD/t.folded -- sh -c 'trap "" TERM; sleep 1; exit 3' >/dev/null 2>&1 &
RP=$!; sleep 0.4
kill -TERM $RP; wait $RP; is $? 3 "a command that ignores SIGTERM: record waits for its exit (3)"
test -s $TMPD/t.folded; ok $? "and writes its profile"

# --- several PIDs in one dump
start_fixture lock_abba || exit 1
A=$FPID
start_fixture forktree 2 || exit 1
T=$FPID; TOUT=$FOUT
H dump $A $T >$TMPD/m.txt 2>$TMPD/m.err; is $? 3 "dump of a deadlocked and a fine process: exit 3"
is "$(grep -c '^==== process' $TMPD/m.txt)" 2 "a header per process"
grep -q "^==== process $A (1 of 2)" $TMPD/m.txt && grep -q "^==== process $T (2 of 2)" $TMPD/m.txt; ok $? "in the order given"
grep -q DEADLOCK $TMPD/m.txt; ok $? "the deadlock is shown"
H dump --json -p $A,$T >$TMPD/m.json 2>/dev/null; is $? 3 "dump --json -p A,T: exit 3"
is "$(json_get $TMPD/m.json '[p["pid"] for p in j["processes"]]')" "[$A, $T]" "JSON: processes holds both snapshots"
is "$(json_get $TMPD/m.json '[len(p["deadlocks"]) for p in j["processes"]]')" "[1, 0]" "JSON: the deadlock is the first one's"
H dump $T 4194000 >$TMPD/b.txt 2>$TMPD/b.err; is $? 1 "dump of a fine process and a bad PID: exit 1"
grep -q "process 4194000: no such process" $TMPD/b.err; ok $? "the bad PID is named"
grep -q "^Process $T" $TMPD/b.txt; ok $? "the good one is still dumped"
H dump --json $T 4194000 >$TMPD/b.json 2>/dev/null
is "$(json_get $TMPD/b.json '[e["pid"] for e in j["errors"]]')" "[4194000]" "JSON: errors names the bad PID"

# --- --subprocesses on a process tree
FOUT=$TOUT; KIDS=$(sed -n 's/^fact child //p' $TOUT | tr '\n' ' '); GK=$(sed -n 's/^fact grandchild //p' $TOUT)
H dump --json --subprocesses $T >$TMPD/t.json 2>/dev/null; is $? 0 "dump --subprocesses of the tree: exit 0"
want=$($PY -c "import sys; print(sorted([$T, $GK] + [int(x) for x in sys.argv[1].split()]))" "$KIDS")
is "$(json_get $TMPD/t.json 'sorted(p["pid"] for p in j["processes"])')" "$want" "the root, its children and the grandchild"
is "$(json_get $TMPD/t.json 'sum(1 for p in j["processes"] for t in p["threads"] if t["state"] == "blocked")')" 3 \
	"each child and the grandchild has its thread blocked on child_lock"
H record -r 20 -d 1.5 --subprocesses -o $TMPD/t.folded $T >/dev/null 2>&1; is $? 0 "record --subprocesses of the tree: exit 0"
is "$(cut -d';' -f1 $TMPD/t.folded | sort -u | wc -l)" 4 "one root frame per process"
bad=0; for p in $T $KIDS $GK; do wait_unharmed $p || bad=1; done
ok $bad "every process of the tree unharmed"
stop_fixture $T

# --- descendants that appear later are picked up
sh -c "sleep 0.2; $FIXTURES/lock_abba" >/dev/null 2>&1 &
S2=$!; FIXTURE_PIDS="$FIXTURE_PIDS $S2"
H record -r 10 -d 2.5 --subprocesses -o $TMPD/late.folded $S2 >/dev/null 2>&1
grep -q "^[0-9]* lock_abba;blocked;" $TMPD/late.folded; ok $? "record --subprocesses: a child started after recording began is in the profile"
L=$(sed -n 's/^\([0-9]*\) lock_abba;.*/\1/p' $TMPD/late.folded | head -1)
[ -n "$L" ] && wait_unharmed $L; ok $? "and is unharmed ($L)"
{ kill -9 $L $S2; wait $S2; } 2>/dev/null

# --- the CI hang catcher: watch --subprocesses -- SUITE; a test of the suite deadlocks
D=$TMPD/ci; mkdir -p $D
cat >$TMPD/suite.sh <<SUITE
#!/bin/sh
echo "test 1: ok"
true
echo "test 2:"
$FIXTURES/lock_abba >/dev/null
echo "test 2 ended with \$?"
exit 4
SUITE
chmod +x $TMPD/suite.sh
H watch -i 0.25 --blocked-for 1 --subprocesses --dir $D -- $TMPD/suite.sh >$TMPD/ci.out 2>&1 &
WP=$!
wait_for 20 eval "ls $D/holdup-*.json >/dev/null 2>&1"; ok $? "watch wrote a dump while the suite hung"
json=$(ls $D/holdup-*.json | head -1); txt=${json%.json}.txt
HP=$(json_get $json 'j["pid"]')
is "$(basename "$(json_get $json 'j["exe"]')")" lock_abba "the dump is of the hung descendant (pid $HP), not of the shell"
is "$(json_get $json 'len(j["deadlocks"])')" 1 "JSON dump: one deadlock"
grep -q DEADLOCK $txt; ok $? "text dump names the deadlock"
grep -q "process $HP (lock_abba): deadlock of threads" $TMPD/ci.out; ok $? "watch's log names the process"
wait_unharmed $HP; ok $? "the hung descendant is unharmed"
kill -9 $HP
wait $WP; is $? 4 "after the hung test is killed, watch exits with the suite's status"
grep -q "test 2 ended with 137" $TMPD/ci.out; ok $? "the suite ran on to its end"

# --- an unprivileged user may watch and record what it launched
if [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)" -ge 2 ]; then
	ok 0 "# SKIP kernel.yama.ptrace_scope >= 2: only root may trace, even its children"
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	U=$TMPD/u; mkdir -p $U; chmod 777 $U; chmod 755 $TMPD
	# ptrace_scope is $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo "absent (no Yama)")
	setpriv --reuid=nobody --regid=nogroup --clear-groups timeout -s KILL 60 "$HOLDUP" record -r 20 --subprocesses \
		-o $U/u.folded -- timeout -s KILL 1 "$FIXTURES/lock_abba" >/dev/null 2>$U/u.err
	rc=$?
	ok $([ $rc -eq 137 ] && grep -q "lock_abba;blocked;.*mutex lock_" $U/u.folded && echo 0 || echo 1) \
		"unprivileged (nobody, ptrace_scope $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo absent)): record -- CMD profiles its own child (rc $rc)"
else
	ok 0 "# SKIP setpriv or user nobody missing"
fi
