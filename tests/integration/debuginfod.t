#!/bin/bash
# debuginfod.t - with DEBUGINFOD_URLS set, a stripped program's debug file (and a saved core's executable) come from a debuginfod server by build ID; without it, nothing is asked.
. tests/integration/lib.sh
plan 8

if ! command -v debuginfod >/dev/null 2>&1 || ! command -v debuginfod-find >/dev/null 2>&1; then
	for i in $(seq 8); do echo "ok $i # SKIP debuginfod (the server) is not installed"; done
	exit 0
fi

# The server holds the stripped executable and its debug file; the program runs from a directory
# where its debug file is not, so only the server can name its functions.
SRV=$TMPD/srv BIN=$TMPD/bin
mkdir -p "$SRV" "$BIN" "$TMPD/empty"
cp "$FIXTURES/lock_abba-stripped" "$FIXTURES/lock_abba-stripped.debug" "$SRV/"
cp "$FIXTURES/lock_abba-stripped" "$BIN/abba"
ID=$(readelf -n "$BIN/abba" | sed -n 's/.*Build ID: *//p')
PORT=$((20000 + $$ % 20000))
debuginfod -F -p "$PORT" -d "$TMPD/db.sqlite" -t 0 -g 0 "$SRV" >"$TMPD/srv.log" 2>&1 &
SPID=$!
FIXTURE_PIDS="$FIXTURE_PIDS $SPID"
export DEBUGINFOD_CACHE_PATH=$TMPD/cache
URL=http://127.0.0.1:$PORT
up=1
for i in $(seq 100); do
	# a fresh cache each try: a miss is cached, and the server indexes its directory after it starts
	DEBUGINFOD_CACHE_PATH=$TMPD/poll.$i DEBUGINFOD_URLS=$URL debuginfod-find debuginfo "$ID" >/dev/null 2>&1 && { up=0; break; }
	sleep 0.2
done
ok $up "the test's debuginfod server serves the fixture's debug file (port $PORT)"
rm -rf "$DEBUGINFOD_CACHE_PATH"	# holdup fetches it itself

start_fixture "$BIN/abba" || exit 1
fnames() { json_get "$1" 'sorted(set(f["function"] for t in j["threads"] for f in t["frames"] if f["function"]))'; }

env -u DEBUGINFOD_URLS "$HOLDUP" dump --json "$FPID" >"$TMPD/plain.json" 2>"$TMPD/plain.err"
rc=$?
[ $rc = 3 ] && ! fnames "$TMPD/plain.json" | grep -q "'worker'" && [ ! -e "$DEBUGINFOD_CACHE_PATH" ]
ok $? "without DEBUGINFOD_URLS: the deadlock is found (rc $rc), worker is not named, no server asked"

DEBUGINFOD_URLS=$URL "$HOLDUP" dump --json --save "$TMPD/abba.core" "$FPID" >"$TMPD/fetched.json" 2>"$TMPD/fetched.err"
rc=$?
[ $rc = 3 ] && fnames "$TMPD/fetched.json" | grep -q "'worker'"
ok $? "with DEBUGINFOD_URLS: the debug file is fetched before the sandbox and worker is named (rc $rc)"
json_get "$TMPD/fetched.json" '[f for t in j["threads"] for f in t["frames"] if f["function"] == "worker"][0]["file"]' |
	grep -q 'lock_abba.c'
ok $? "with DEBUGINFOD_URLS: the fetched debug file gives worker's source file"
cp "/proc/$FPID/maps" "$TMPD/fetched.maps"
wait_unharmed "$FPID"; ok $? "target unharmed"
stop_fixture "$FPID"

# A saved core read where its executable is not (a sysroot with only the libraries): fetched by
# build ID too.
SR=$TMPD/sr
for lib in $(awk '$6 ~ /\.so/ {print $6}' "$TMPD/fetched.maps" | sort -u); do
	mkdir -p "$SR$(dirname "$lib")" && cp "$lib" "$SR$lib"
done
DEBUGINFOD_URLS=$URL "$HOLDUP" dump --json --sysroot "$SR" "$TMPD/abba.core" >"$TMPD/core.json" 2>&1
rc=$?
[ $rc = 3 ] && fnames "$TMPD/core.json" | grep -q "'worker'"
ok $? "a saved core in a sysroot without its executable: the executable and debug file come from the server (rc $rc)"
env -u DEBUGINFOD_URLS "$HOLDUP" dump --json --sysroot "$SR" "$TMPD/abba.core" >"$TMPD/core0.json" 2>&1
! fnames "$TMPD/core0.json" | grep -q "'worker'"
ok $? "the same core without DEBUGINFOD_URLS: worker unnamed"

# A server that does not answer: the dump still comes, without those names.
DEBUGINFOD_URLS=http://127.0.0.1:1 DEBUGINFOD_TIMEOUT=2 timeout -s KILL 60 "$HOLDUP" dump --json --sysroot "$TMPD/empty" \
	"$TMPD/abba.core" >"$TMPD/down.json" 2>&1
rc=$?
[ $rc = 3 ]; ok $? "an unreachable server: the dump is still made, deadlock found (rc $rc)"
kill "$SPID" 2>/dev/null
exit $((TAP_FAILED > 0))
