#!/bin/bash
# record.t - holdup record: pprof read back by go tool pprof (top, tags, tagfocus), folded parsed,
# JSON Lines, Ctrl-C and target exit leave complete files, and the target is never harmed.
. tests/integration/lib.sh
plan 41

yes_no() { [ "$@" ] && echo 0 || echo 1; }
HAVE_GO=1; command -v go >/dev/null 2>&1 || HAVE_GO=0
pprof() { GOCACHE=${GOCACHE:-$TMPD/gocache} HOME=${HOME:-$TMPD} go tool pprof "$@" 2>$TMPD/pprof.err; }
skip_or() { # skip_or DESCRIPTION COMMAND...: ok if the command succeeds; skipped without go
	if [ $HAVE_GO = 0 ]; then TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - # SKIP no go: $1"; return; fi
	check "$@"
}
samples_of() { sed -n 's/.* \([0-9][0-9]*\) samples in .*/\1/p' "$1" | tail -n 1; }

# --- usage
"$HOLDUP" record >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "record without PID: exit 2"
"$HOLDUP" record -r 0 1 >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "record -r 0: exit 2"
"$HOLDUP" record --format svg 1 >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "record --format svg: exit 2"
"$HOLDUP" record --help | grep -q 'usage: holdup record'; ok $? "record --help prints usage"

start_fixture rec_contend || exit 1
P=$FPID
NT=$(fact threads)
WAITFN=$(fact wait_function)

# --- pprof, chosen by the file name
"$HOLDUP" record -d 2 -o $TMPD/r.pb.gz $P >$TMPD/sum 2>$TMPD/err; rc=$?
ok $rc "record -d 2 -o r.pb.gz exits 0"
wait_unharmed $P; ok $? "target unharmed after pprof record"
gzip -t $TMPD/r.pb.gz; ok $? "pprof file is valid gzip"
n=$(samples_of $TMPD/err)
ok $(yes_no "$n" -a "${n:-0}" -ge 10) "about 2 s at 10 Hz: $n samples (>= 10)"
grep -q 'accounts_lock' $TMPD/sum; ok $? "summary on stdout names accounts_lock"
grep -q "$WAITFN" $TMPD/sum; ok $? "summary shows the waiting stack ($WAITFN)"
skip_or "pprof -top shows $WAITFN" sh -c "$(declare -f pprof); TMPD=$TMPD; pprof -top $TMPD/r.pb.gz | grep -q '$WAITFN'"
if [ $HAVE_GO = 1 ]; then
	pprof -top $TMPD/r.pb.gz >$TMPD/top
	pprof -top -tagfocus=state=blocked $TMPD/r.pb.gz >$TMPD/top.blocked
	pprof -tags $TMPD/r.pb.gz >$TMPD/tags
	pprof -raw $TMPD/r.pb.gz >$TMPD/raw
fi
skip_or "pprof -top: sample type wall" grep -q '^Type: wall' $TMPD/top
skip_or "unfiltered top includes main's pause" grep -qw 'pause' $TMPD/top
skip_or "tagfocus=state=blocked keeps $WAITFN" grep -q "$WAITFN" $TMPD/top.blocked
skip_or "tagfocus=state=blocked drops main's pause" sh -c "! grep -qw 'pause' $TMPD/top.blocked"
skip_or "tags: state label with blocked" grep -q 'blocked' $TMPD/tags
skip_or "tags: lock label 'mutex accounts_lock'" grep -q 'mutex accounts_lock' $TMPD/tags
skip_or "tags: thread names teller-N" grep -q 'teller-0' $TMPD/tags
skip_or "raw: file:line of the fixture" grep -q 'rec_contend.c:[0-9]' $TMPD/raw
# mappings carry build IDs (Parca and Pyroscope symbolize by them): the fixture's and libc's
BID=$(readelf -n "$FIXTURES/rec_contend" | sed -n 's/^ *Build ID: //p')
skip_or "raw: the executable's mapping has its build ID ($BID)" grep -Eq "^1: 0x[0-9a-f/x]+ [^ ]*rec_contend $BID " $TMPD/raw
skip_or "raw: libc's mapping has a build ID" grep -Eq "libc\.so\.6 [0-9a-f]{40} " $TMPD/raw
skip_or "tags: tid and thread labels on the samples" sh -c "grep -q 'tid:' $TMPD/tags && grep -q 'thread:' $TMPD/tags"

# --- folded
"$HOLDUP" record -d 1.5 --format folded -o $TMPD/r.folded $P >/dev/null 2>$TMPD/err; rc=$?
[ $rc -ne 0 ] && { diag "exit $rc:"; sed 's/^/#   /' $TMPD/err; }
ok $rc "record --format folded exits 0"
wait_unharmed $P; ok $? "target unharmed after folded record"
n=$(samples_of $TMPD/err)
bad=$(grep -cvE '^(unknown|running|runnable|blocked|waiting|sleeping|io|disk|stopped|dead)(;[^;]+)* [0-9]+$' $TMPD/r.folded)
ok $(yes_no "$bad" = 0 -a -s $TMPD/r.folded) "every folded line is 'state;frames count' ($bad bad)"
sum=$(awk '{ s += $NF } END { print s }' $TMPD/r.folded)
ok $(yes_no "${n:-0}" -gt 0 -a "$sum" = "$((n * NT))") "folded counts sum to samples x threads ($sum = $n x $NT)"
grep -qE "^blocked;.*;$WAITFN;.*\[mutex accounts_lock\] [0-9]+$" $TMPD/r.folded
ok $? "folded: blocked path through $WAITFN ends at [mutex accounts_lock]"

# --- json lines, to stdout
"$HOLDUP" record -d 1 --format json $P >$TMPD/r.jsonl 2>$TMPD/err; ok $? "record --format json exits 0"
n=$(samples_of $TMPD/err)
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2]), (len(lines), sys.argv[2])
for l in lines:
    j = json.loads(l)
    assert j["pid"] == int(sys.argv[3]) and len(j["threads"]) == int(sys.argv[4])
' $TMPD/r.jsonl "${n:-x}" $P $NT 2>$TMPD/pyerr
ok $? "json: one object per line per snapshot ($n), each with every thread"
wait_unharmed $P; ok $? "target unharmed after json record"

# --- SIGINT mid-record still writes a complete profile
"$HOLDUP" record -o $TMPD/int.pb.gz $P >/dev/null 2>$TMPD/err &
R=$!
sleep 2
kill -INT $R
wait $R; ok $? "SIGINT: record exits 0"
grep -q 'interrupted' $TMPD/err; ok $? "SIGINT: says it was interrupted"
gzip -t $TMPD/int.pb.gz; ok $? "SIGINT: file is valid gzip"
skip_or "SIGINT: pprof reads it and shows $WAITFN" sh -c "$(declare -f pprof); TMPD=$TMPD; pprof -top $TMPD/int.pb.gz | grep -q '$WAITFN'"
wait_unharmed $P; ok $? "target unharmed after SIGINT"
stop_fixture $P

# --- the target exits: the profile so far is written, exit 0
start_fixture rec_contend 2 || exit 1
P=$FPID
"$HOLDUP" record --format folded -o $TMPD/exit.folded $P >/dev/null 2>$TMPD/err; rc=$?
ok $([ $rc -eq 0 ] && grep -q 'target exited' $TMPD/err && echo 0 || echo 1) "target exit: exit 0 with a note (rc $rc)"
grep -q "$WAITFN" $TMPD/exit.folded; ok $? "target exit: the profile so far is written"
stop_fixture $P

# --- a Go target: goroutines are in the profile, with the sync.Mutex they wait on
gobin=$GOFIXTURES/gomutex; case "$gobin" in /*) ;; *) gobin=./$gobin;; esac
if [ -x "$gobin" ] && start_fixture "$gobin"; then
	P=$FPID
	"$HOLDUP" record -d 1 -o $TMPD/go.pb.gz $P >$TMPD/gosum 2>$TMPD/err; ok $? "record of a Go program exits 0"
	grep -q 'mutex main.accountsMu' $TMPD/gosum; ok $? "Go: summary names main.accountsMu"
	skip_or "Go: tagfocus=lock=accountsMu shows main.deposit" sh -c "$(declare -f pprof); TMPD=$TMPD; pprof -top -tagfocus=lock=accountsMu $TMPD/go.pb.gz | grep -q 'main.deposit'"
	wait_unharmed $P; ok $? "Go target unharmed after record"
	stop_fixture $P
else
	for i in 1 2 3 4; do TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - # SKIP no Go fixture gomutex"; done
fi
