# lib.sh - TAP helpers for integration tests: plan, ok, fixtures that announce facts, and harm checks.
# Source it from a .t script; HOLDUP and FIXTURES come from the Makefile.
: "${HOLDUP:=./holdup}"
: "${FIXTURES:=build/fixtures}"
: "${GOFIXTURES:=build/gofixtures}"
: "${BENCHBIN:=build/bench}"
# Debian's python3 directly: a pyenv shim costs ~100 ms per call, which adds up in loops.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
# No debuginfod server unless a test starts one (Debian's profile.d may set one for login shells).
unset DEBUGINFOD_URLS
TAP_N=0
TAP_FAILED=0
TMPD=$(mktemp -d /tmp/holdup-test.XXXXXX)
FIXTURE_PIDS=""

plan() { echo "1..$1"; }
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
check() { # check DESCRIPTION COMMAND...: ok if the command succeeds
	local d=$1; shift
	"$@"; ok $? "$d"
}
diag() { echo "# $*"; }

# start_fixture NAME [ARGS...]: runs a fixture with stdout to $TMPD/NAME.out, waits for its ready
# line, sets FPID. Facts are read with fact KEY.
start_fixture() {
	local name=$1 bin; shift
	case "$name" in /*|./*) bin=$name;; *) bin=$FIXTURES/$name;; esac
	FOUT=$TMPD/$(basename "$name").$$.$RANDOM.out
	"$bin" "$@" >"$FOUT" 2>&1 &
	FPID=$!
	FIXTURE_PIDS="$FIXTURE_PIDS $FPID"
	local i
	for i in $(seq 1 200); do
		grep -q '^ready' "$FOUT" 2>/dev/null && return 0
		kill -0 "$FPID" 2>/dev/null || break
		sleep 0.05
	done
	diag "fixture $name did not become ready:"; sed 's/^/#   /' "$FOUT"
	return 1
}
# fact KEY: the value a fixture printed as "fact KEY VALUE" (the last one).
fact() { sed -n "s/^fact $1 //p" "$FOUT" | tail -n 1; }

# unharmed PID: the process exists, is not stopped or traced (job-control stopped is allowed with 'T' when $2=T).
unharmed() {
	$PY - "$1" "${2:-}" <<'PY'
import os, sys
pid, want = sys.argv[1], sys.argv[2]
bad = []
try:
    tasks = os.listdir(f"/proc/{pid}/task")
except OSError:
    print(f"# pid {pid} is gone"); sys.exit(1)
for t in tasks:
    try:
        st = open(f"/proc/{pid}/task/{t}/status", errors="replace").read()
    except OSError:
        continue
    f = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
    state, tracer = f["State"].split()[0], f["TracerPid"].strip()
    if tracer != "0": bad.append(f"{t} traced by {tracer}")
    if state == "t": bad.append(f"{t} in trace stop")
    if state == "T" and want != "T": bad.append(f"{t} stopped")
    if state in ("Z", "X") and t == pid: bad.append(f"{t} dead")
for b in bad[:5]: print("# " + b)
sys.exit(1 if bad else 0)
PY
}
# wait_unharmed PID: the kernel may take a moment to finish a detach; poll briefly.
wait_unharmed() {
	local i
	for i in $(seq 1 40); do unharmed "$@" 2>/dev/null >/dev/null && return 0; sleep 0.05; done
	unharmed "$@"
}

stop_fixture() { kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null; true; }

# json_get FILE PYTHON-EXPR: evaluates EXPR with j bound to the parsed JSON, prints the result.
json_get() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

tap_cleanup() {
	for p in $FIXTURE_PIDS; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMPD"
}
trap tap_cleanup EXIT
