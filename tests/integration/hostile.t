#!/bin/bash
# hostile.t - output files a hostile user could aim holdup (often root) at: -o through another user's symlink, watch's dump names and modes; budgets; the dump's and the sessions' sandboxes.
. tests/integration/lib.sh
plan 31

start_fixture lock_abba || exit 1
P=$FPID

# --- -o through a symbolic link another user planted is refused, and what it points to is untouched
echo "precious" >"$TMPD/precious"
ln -s "$TMPD/precious" "$TMPD/planted"
chown -h nobody "$TMPD/planted" 2>/dev/null
"$HOLDUP" dump -o "$TMPD/planted" $P >"$TMPD/out" 2>&1; rc=$?
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "dump -o through another user's symlink: exit 1 (rc $rc)"
grep -q "symbolic link of uid .*not followed" "$TMPD/out"; ok $? "dump -o: says it does not follow the link"
[ "$(cat "$TMPD/precious")" = precious ]; ok $? "dump -o: the link's target is untouched"
timeout -s KILL 20 "$HOLDUP" record -d 1 -o "$TMPD/planted" $P >"$TMPD/out" 2>&1; rc=$?
ok $([ $rc -eq 1 ] && [ "$(cat "$TMPD/precious")" = precious ] && echo 0 || echo 1) "record -o through it: exit 1, target untouched (rc $rc)"
# a link of our own is followed, as users expect (-o /dev/stdout and the like)
ln -s "$TMPD/mine.txt" "$TMPD/mylink"
"$HOLDUP" dump -o "$TMPD/mylink" $P >/dev/null 2>&1
grep -q "^Process $P" "$TMPD/mine.txt"; ok $? "dump -o through our own link writes its target"

# --- watch: dumps are 0600 and their names carry a random part (a planted name cannot block them)
D=$TMPD/w; mkdir -p $D
timeout -s KILL 30 "$HOLDUP" watch -i 0.2 --blocked-for 0.5 --dir $D $P >"$TMPD/w.out" 2>&1 &
WP=$!
for i in $(seq 1 100); do ls $D/holdup-$P-*.txt >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.3; kill $WP 2>/dev/null; wait $WP 2>/dev/null
f=$(ls $D/holdup-$P-*.txt 2>/dev/null | head -n 1)
[ -n "$f" ] && [ "$(stat -c %a "$f")" = 600 ] && [ "$(stat -c %a "${f%.txt}.json")" = 600 ]
ok $? "watch: dumps are mode 0600 ($(basename "$f"))"
echo "$f" | grep -Eq "holdup-$P-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}\.txt$"; ok $? "watch: the name ends in a random part"
# --- watch's output budgets: a dump over --max-dump-bytes is cut (text) or replaced by a note (JSON),
#     each saying so, in the file and in the log
D=$TMPD/wb; mkdir -p $D
timeout -s KILL 30 "$HOLDUP" watch -i 0.2 --max-dump-bytes 4096 --dir $D $P >"$TMPD/wb.out" 2>&1 &
WP=$!
for i in $(seq 1 100); do grep -q "wrote" "$TMPD/wb.out" && break; sleep 0.1; done
kill $WP 2>/dev/null; wait $WP 2>/dev/null
t=$(ls $D/holdup-$P-*.txt 2>/dev/null | head -n 1)
[ -n "$t" ] && [ "$(stat -c %s "$t")" -le 4200 ] && tail -n 1 "$t" | grep -q "^Truncated: output budget 4096 bytes reached"
ok $? "watch --max-dump-bytes: the text dump is cut at the budget and says so"
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if "output budget 4096 bytes reached" in j["truncated"][0] else 1)' "${t%.txt}.json"
ok $? "watch --max-dump-bytes: the JSON dump is valid and says it was not written whole"
grep -q "output budget 4096 bytes reached" "$TMPD/wb.out"; ok $? "watch --max-dump-bytes: the log says so"
# --- dump's output budget: text cut and saying so; JSON in a file replaced by a valid note; JSON
#     into a pipe cannot be rewritten: cut, and exit 1 saying it does not parse
"$HOLDUP" dump --max-output-bytes 4096 $P >"$TMPD/cut.txt" 2>"$TMPD/cut.err"; rc=$?
[ $rc = 3 ] && [ "$(stat -c %s "$TMPD/cut.txt")" -lt 4300 ] && tail -n 1 "$TMPD/cut.txt" | grep -q "^Truncated: output budget 4096 bytes" &&
	grep -q "output budget 4096 bytes reached" "$TMPD/cut.err"
ok $? "dump --max-output-bytes: the text is cut at the budget and says so, in the dump and on stderr (rc $rc)"
"$HOLDUP" dump --json --max-output-bytes 4096 -o "$TMPD/cut.json" $P 2>/dev/null; rc=$?
[ $rc = 3 ] && json_get "$TMPD/cut.json" 'j["truncated"][0]' | grep -q "output budget 4096 bytes reached"
ok $? "dump --max-output-bytes -o FILE: the JSON is replaced by a valid note saying why (rc $rc)"
"$HOLDUP" dump --json --max-output-bytes 4096 $P 2>"$TMPD/cutp.err" | cat >/dev/null; rc=${PIPESTATUS[0]}
[ $rc = 1 ] && grep -q "does not parse" "$TMPD/cutp.err"; ok $? "dump --max-output-bytes into a pipe: exit 1, says the JSON is cut (rc $rc)"
# --- the frame budget: threads after it are not unwound, each says so, and so does the snapshot
"$HOLDUP" dump --json --max-frames 6 $P >"$TMPD/fr.json" 2>/dev/null; rc=$?
[ $rc = 3 ] && json_get "$TMPD/fr.json" 'j["truncated"]' | grep -q "frame budget 6 frames reached" &&
	[ "$(json_get "$TMPD/fr.json" 'sum(1 for t in j["threads"] if "frame budget" in (t["unwind_error"] or ""))')" -ge 1 ] &&
	[ "$(json_get "$TMPD/fr.json" 'sum(len(t["frames"]) for t in j["threads"])')" -lt 16 ]
ok $? "dump --max-frames 6: the threads past the budget are not unwound and say so, the deadlock is still found (rc $rc)"

# --- the sandbox: a dump confined after its capture reads the same as one with full privileges
"$HOLDUP" dump --json $P >"$TMPD/sb.json" 2>"$TMPD/sb.err"; rc1=$?
"$HOLDUP" dump --json --no-sandbox $P >"$TMPD/nosb.json" 2>/dev/null; rc2=$?
$PY - "$TMPD/sb.json" "$TMPD/nosb.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda j: sorted((t["tid"], tuple(f.get("function") for f in t["frames"]), (t.get("wait") or {}).get("symbol")) for t in j["threads"])
sys.exit(0 if key(a) == key(b) and len(a["deadlocks"]) == len(b["deadlocks"]) == 1 else 1)
PY
ok $? "sandboxed dump: same threads, frames, locks and deadlock as --no-sandbox (rc $rc1/$rc2)"
if command -v strace >/dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -qq -e trace=setresuid,prctl,execve -o "$TMPD/sb.st" "$HOLDUP" dump $P >/dev/null 2>&1
	grep -Eq "^setresuid\(65534, 65534, 65534\) += 0" "$TMPD/sb.st" && grep -Eq "PR_SET_NO_NEW_PRIVS, 1.* += 0" "$TMPD/sb.st" &&
	    grep -Eq "PR_SET_SECCOMP, SECCOMP_MODE_FILTER.* += 0" "$TMPD/sb.st"
	ok $? "dump as root becomes nobody, sets no_new_privs and a seccomp filter before parsing"
else
	ok 0 "# SKIP strace missing"
fi
wait_unharmed $P; ok $? "target unharmed"
stop_fixture $P

# --- C1 controls (U+0080-U+009F: CSI is C2 9B) in a path and in the thread names it gives
C1=$(printf 'ab\302\233[2Jc\302\205d')
cp "$FIXTURES/lock_abba" "$TMPD/$C1"
start_fixture "$TMPD/$C1" || exit 1
timeout -s KILL 20 "$HOLDUP" dump --json $FPID >"$TMPD/c1.json" 2>&1
$PY - "$TMPD/c1.json" <<'PY'
import json, re, sys
raw = open(sys.argv[1], "rb").read()
json.loads(raw)
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", raw)
sys.exit(1 if bad else 0)
PY
ok $? "C1 in the executable's path and thread names: valid JSON without raw C0/C1 controls"
timeout -s KILL 20 "$HOLDUP" dump $FPID >"$TMPD/c1.txt" 2>&1
! LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\x1b' "$TMPD/c1.txt"; ok $? "C1 in names: the text dump holds none raw"
grep -q 'ab\\x' "$TMPD/c1.txt"; ok $? "C1 in names: shown escaped"
timeout -s KILL 20 "$HOLDUP" record -d 0.5 -r 20 --format folded -o "$TMPD/c1.folded" $FPID >/dev/null 2>&1
[ -s "$TMPD/c1.folded" ] && ! LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\x1b' "$TMPD/c1.folded"; ok $? "C1 in names: folded output holds none"
wait_unharmed $FPID; ok $? "C1 target unharmed"
stop_fixture $FPID

# --- a snapshot's analysis past its deadline: watch says so and goes on sampling (10,000 goroutines
#     cannot be read in 1 ms)
if [ -x "$GOFIXTURES/gomany" ]; then
	start_fixture "$(realpath "$GOFIXTURES/gomany")" || exit 1
	timeout -s KILL 30 "$HOLDUP" watch -i 0.3 --analysis-timeout 0.001 --dir $D $FPID >"$TMPD/dl.out" 2>&1 &
	WP=$!
	for i in $(seq 1 100); do [ "$(grep -c "analysis stopped: deadline" "$TMPD/dl.out")" -ge 3 ] && break; sleep 0.1; done
	kill $WP 2>/dev/null; wait $WP 2>/dev/null
	[ "$(grep -c "analysis stopped: deadline budget reached" "$TMPD/dl.out")" -ge 3 ]
	ok $? "watch --analysis-timeout: each snapshot past its deadline is reported, and sampling goes on"
	wait_unharmed $FPID; ok $? "gomany unharmed"
	stop_fixture $FPID
else
	ok 0 "# SKIP no Go fixtures"; ok 0 "# SKIP no Go fixtures"
fi

# --- the sessions' sandbox: record and watch analyse confined (no_new_privs, a seccomp filter, uid
#     nobody when run as root); watch's broker, unconfined, holds none of the target's descriptors,
#     makes the dumps (0600) and runs the hook; --no-sandbox leaves the process as it was
field() { sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status 2>/dev/null | awk '{print $1}'; }
# pid_of PARENT [SECCOMP]: holdup, the child of the timeout PARENT, once its Seccomp field reads SECCOMP (2)
pid_of() { local i p; for i in $(seq 1 100); do p=$(pgrep -o -P "$1" -x holdup); [ -n "$p" ] && [ "$(field $p Seccomp)" = "${2:-2}" ] && { echo $p; return; }; sleep 0.1; done; echo "${p:-none}"; }
start_fixture lock_abba || exit 1
P=$FPID
ROOT=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)
timeout -s KILL 30 "$HOLDUP" record -r 10 -d 3 --format folded -o "$TMPD/sbr.folded" $P >/dev/null 2>&1 &
RJ=$!
RP=$(pid_of $RJ)
st="uid $(field $RP Uid) seccomp $(field $RP Seccomp) nnp $(field $RP NoNewPrivs)"
wait $RJ; rc=$?
{ [ $ROOT = 0 ] || [[ "$st" == "uid 65534 "* ]]; } && [[ "$st" == *"seccomp 2 nnp 1" ]] && [ $rc = 0 ] &&
	grep -q 'mutex lock_a' "$TMPD/sbr.folded"
ok $? "record analyses confined ($st) and still records the waits (rc $rc)"
timeout -s KILL 30 "$HOLDUP" record --no-sandbox -r 10 -d 2 --format folded -o "$TMPD/nsbr.folded" $P >/dev/null 2>&1 &
RJ=$!
RP=$(pid_of $RJ 0)
st="seccomp $(field $RP Seccomp) uid $(field $RP Uid)"
wait $RJ
[ "$st" = "seccomp 0 uid $(id -u)" ]; ok $? "record --no-sandbox keeps its privileges ($st)"

SD=$TMPD/sbw; mkdir -p "$SD"
timeout -s KILL 60 "$HOLDUP" watch -i 0.2 --blocked-for 0.3 --dir "$SD" --exec "id -u > '$SD/hook.uid'" $P >"$TMPD/sbw.log" 2>&1 &
WJ=$!
WP=$(pid_of $WJ)
BP=$(pgrep -P "$WP" -x holdup | head -n 1)
for i in $(seq 1 100); do [ -s "$SD/hook.uid" ] && break; sleep 0.1; done
wst="seccomp $(field $WP Seccomp) nnp $(field $WP NoNewPrivs) uid $(field $WP Uid)"
bst="seccomp $(field ${BP:-none} Seccomp) fds $(ls /proc/${BP:-none}/fd 2>/dev/null | sort -n | tr '\n' ' ')"
kill $WJ 2>/dev/null; wait $WJ 2>/dev/null
[[ "$wst" == "seccomp 2 nnp 1 uid "* ]] && { [ $ROOT = 0 ] || [ "$wst" = "seccomp 2 nnp 1 uid 65534" ]; }
ok $? "watch analyses confined ($wst)"
[ -n "$BP" ] && [ "$bst" = "seccomp 0 fds 0 1 2 3 " ]
ok $? "watch's broker is not confined and holds only its socket and stdio ($bst)"
txt=$(ls "$SD"/holdup-*.txt 2>/dev/null | head -n 1)
[ -n "$txt" ] && [ "$(stat -c '%a %u' "$txt")" = "600 $(id -u)" ] && grep -q DEADLOCK "$txt" &&
	[ "$(cat "$SD/hook.uid" 2>/dev/null)" = "$(id -u)" ] && grep -q 'exited with status 0' "$TMPD/sbw.log"
ok $? "watch confined: the broker wrote the dump (mode $(stat -c '%a, owner %u' "$txt" 2>/dev/null)) and ran the hook as uid $(cat "$SD/hook.uid" 2>/dev/null), its exit logged"
! grep -q 'not analysing\|sandbox:' "$TMPD/sbw.log"; ok $? "watch: no sandbox error in its log"
wait_unharmed $P; ok $? "sandboxed sessions: target unharmed"
stop_fixture $P
