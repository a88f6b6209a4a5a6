#!/bin/bash
# files.t - files the target names are opened inside its root, as the mapped file: a binary only its mount namespace sees, a deleted executable, hostile names.
. tests/integration/lib.sh
plan 23

J=$TMPD/d.json
# check_named DESC: the JSON dump in $J names lock_abba's frames and locks and finds its deadlock.
check_named() {
	$PY - "$J" "$T1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t1 = int(sys.argv[2])
th = [t for t in j["threads"] if t["tid"] == t1][0]
fns = [f.get("function") for f in th["frames"]]
bad = []
if "worker" not in fns and not any(f and f.startswith("worker") for f in fns): bad.append("no worker frame: %r" % fns)
if (th.get("wait") or {}).get("symbol") not in ("lock_a", "lock_b"): bad.append("lock unnamed: %r" % th.get("wait"))
if len(j.get("deadlocks", [])) != 1: bad.append("deadlocks: %r" % j.get("deadlocks"))
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
}

# 1. A binary only visible inside the target's own mount namespace (a container's files).
mkdir -p "$TMPD/cx"
unshare -m --propagation private sh -c "mount -t tmpfs none '$TMPD/cx' && cp '$FIXTURES/lock_abba' '$TMPD/cx/' && exec '$TMPD/cx/lock_abba'" >"$TMPD/cx.out" 2>&1 &
P=$!; FIXTURE_PIDS="$FIXTURE_PIDS $P"
for i in $(seq 1 100); do grep -q '^ready' "$TMPD/cx.out" && break; sleep 0.05; done
FOUT=$TMPD/cx.out; T1=$(fact t1)
test ! -e "$TMPD/cx/lock_abba"; ok $? "the binary is not visible from holdup's mount namespace"
"$HOLDUP" dump --json "$P" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "mount namespace: dump exits 3 (deadlock) (rc $rc)"
check_named; ok $? "mount namespace: frames and locks named from the target's own binary"
wait_unharmed "$P"; ok $? "mount namespace: target unharmed"
stop_fixture "$P"

# 2. A deleted executable: still read through the mapping.
cp "$FIXTURES/lock_abba" "$TMPD/abba-deleted"
start_fixture "$TMPD/abba-deleted"; T1=$(fact t1)
rm -f "$TMPD/abba-deleted"
"$HOLDUP" dump --json "$FPID" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "deleted executable: dump exits 3 (rc $rc)"
check_named; ok $? "deleted executable: frames and locks named"
wait_unharmed "$FPID"; ok $? "deleted executable: target unharmed"

# 3. A FIFO, then a symlink to /dev/zero, then to a root-only file, planted at the deleted file's
#    name: never opened (the dump must finish, under a hard timeout), the mapped file is read instead.
mkfifo "$TMPD/abba-deleted"
timeout -s KILL 20 "$HOLDUP" dump --json "$FPID" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "FIFO at the deleted name: dump finishes, exits 3 (rc $rc)"
check_named; ok $? "FIFO at the deleted name: frames still named"
rm -f "$TMPD/abba-deleted"; ln -s /dev/zero "$TMPD/abba-deleted"
timeout -s KILL 20 "$HOLDUP" dump --json "$FPID" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "/dev/zero at the deleted name: dump finishes, exits 3 (rc $rc)"
check_named; ok $? "/dev/zero at the deleted name: frames still named"
wait_unharmed "$FPID"; ok $? "hostile names: target unharmed"
stop_fixture "$FPID"

# 3b. Debug links a target controls: one names a FIFO beside the binary, one "../../../../dev/zero".
#     Neither may block or be read: the FIFO is looked at through O_PATH only, the path with a "/"
#     is not tried at all (strace shows what was opened).
if command -v strace >/dev/null; then
	mkdir -p "$TMPD/dl"
	cp "$FIXTURES/lock_abba" "$TMPD/dl/app"
	objcopy --only-keep-debug "$TMPD/dl/app" "$TMPD/dl/app.dbg"
	objcopy --strip-debug --add-gnu-debuglink="$TMPD/dl/app.dbg" "$TMPD/dl/app" "$TMPD/dl/fifo-link"
	rm -f "$TMPD/dl/app.dbg"; mkfifo "$TMPD/dl/app.dbg"
	printf '../../../../dev/zero\0\0\0\0\0\0\0\0' >"$TMPD/dl/sect"
	objcopy --strip-debug --add-section .gnu_debuglink="$TMPD/dl/sect" "$TMPD/dl/app" "$TMPD/dl/zero-link"
	for b in fifo-link zero-link; do
		start_fixture "$TMPD/dl/$b"
		# LeakSanitizer cannot run under a tracer: a sanitized build would fail at exit for that alone
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -s KILL 20 strace -f -qq -e trace=open,openat,openat2 -o "$TMPD/dl/$b.st" "$HOLDUP" dump $FPID >/dev/null 2>&1; rc=$?
		ok $([ $rc -eq 3 ] && echo 0 || echo 1) "debuglink $b: dump finishes with the deadlock (rc $rc)"
		! grep -E 'app\.dbg|dev/zero' "$TMPD/dl/$b.st" | grep -v O_PATH | grep -q .; ok $? "debuglink $b: the named file is never opened for reading"
		stop_fixture $FPID
	done
else
	for i in 1 2 3 4; do ok 0 "# SKIP strace missing"; done
fi

# 3c. A deleted executable whose name now links to a root-only ELF: its symbols are never used.
cp "$FIXTURES/lock_philo" "$TMPD/secret"; chmod 600 "$TMPD/secret"
cp "$FIXTURES/lock_abba" "$TMPD/victim"
start_fixture "$TMPD/victim"; rm -f "$TMPD/victim"; ln -s "$TMPD/secret" "$TMPD/victim"
# and at the name as maps shows it, " (deleted)" and all (libdwfl's own find_elf opened that)
ln -s "$TMPD/secret" "$TMPD/victim (deleted)"
"$HOLDUP" dump --json $FPID >"$J" 2>/dev/null
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); fns=[f.get("function") or "" for t in j["threads"] for f in t["frames"]] + [l.get("symbol") or "" for l in j["locks"]]; sys.exit(1 if any("philosopher" in f or "forks" in f for f in fns) else 0)' "$J"
ok $? "a root-only file at a deleted binary's name: none of its symbols appear"
# and it is never opened at all: strace sees every open (an O_PATH look at a name reads nothing)
if command -v strace >/dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -s KILL 30 strace -f -qq -e trace=open,openat,openat2 \
		-o "$TMPD/secret.st" "$HOLDUP" dump --json $FPID >/dev/null 2>&1; rc=$?
	opened=$(grep -E 'secret|victim' "$TMPD/secret.st" | grep -v O_PATH | head -n 3)
	[ $rc = 3 ] && [ -s "$TMPD/secret.st" ] && [ -z "$opened" ]
	ok $? "a root-only file at a deleted binary's name: never opened (strace, rc $rc${opened:+: $opened})"
else
	ok 0 "# SKIP strace missing"
fi
wait_unharmed $FPID; ok $? "root-only link: target unharmed"
stop_fixture $FPID

# 4. The same with map_files out of reach (an unprivileged holdup, as the target's own user, with
#    CAP_SYS_PTRACE only): files are opened inside the root and checked by inode.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	cp "$FIXTURES/lock_abba" "$TMPD/abba-user"; chmod 755 "$TMPD" "$TMPD/abba-user"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMPD/abba-user" >"$TMPD/u.out" 2>&1 &
	P=$!; FIXTURE_PIDS="$FIXTURE_PIDS $P"
	for i in $(seq 1 100); do grep -q '^ready' "$TMPD/u.out" && break; sleep 0.05; done
	FOUT=$TMPD/u.out; T1=$(fact t1)
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+sys_ptrace --ambient-caps=+sys_ptrace \
		"$HOLDUP" dump --json "$P" >"$J" 2>"$TMPD/err"; rc=$?
	ok $([ $rc -eq 3 ] && echo 0 || echo 1) "unprivileged: dump exits 3 (rc $rc)"
	check_named; ok $? "unprivileged: frames and locks named through the root"
	# the file replaced by another of the same name: refused (another inode), not misread
	cp "$FIXTURES/lock_philo" "$TMPD/abba-new" && mv -f "$TMPD/abba-new" "$TMPD/abba-user"
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+sys_ptrace --ambient-caps=+sys_ptrace \
		"$HOLDUP" dump --json "$P" >"$J" 2>"$TMPD/err"
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); fns=[f.get("function") or "" for t in j["threads"] for f in t["frames"] if "abba" in (f.get("module") or "")]; bad=[f for f in fns if "philosopher" in f]; sys.exit(1 if bad else 0)' "$J"
	ok $? "unprivileged, executable replaced on disk: the new file's symbols are not used"
	wait_unharmed "$P"; ok $? "unprivileged: target unharmed"
	stop_fixture "$P"
else
	for i in 1 2 3 4; do ok 0 "# SKIP setpriv or user nobody missing"; done
fi
