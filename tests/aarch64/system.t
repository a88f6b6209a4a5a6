#!/usr/bin/env python3
# system.t - boots Debian's arm64 kernel under qemu-system-aarch64 with the check-aarch64 guest, and checks what holdup said of each fixture there, as TAP.
# The guest (tests/aarch64/init.sh) has busybox and no prove or python: it runs the fixtures and
# the dumps and prints them between markers; the facts are asserted here. Environment: KERNEL,
# INITRD; CONSOLE (where the console is kept); QEMU_TIMEOUT (seconds, default 1200: emulation is slow).
import json, os, re, subprocess, sys, tempfile

n = 0
failed = 0


def ok(cond, desc, diag=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        failed += 1
        for line in (diag or "").splitlines()[:12]:
            print("# " + line)
    sys.stdout.flush()


def boot():
    timeout = int(os.environ.get("QEMU_TIMEOUT", "1200"))
    cmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "max", "-smp", "2", "-m", "1024", "-nographic",
           "-no-reboot", "-nic", "none", "-kernel", os.environ["KERNEL"], "-initrd", os.environ["INITRD"],
           "-append", "console=ttyAMA0 quiet loglevel=1 panic=-1"]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        print("# qemu did not finish in %d s" % timeout)
    text = out.decode("utf-8", "replace").replace("\r", "")
    path = os.environ.get("CONSOLE") or tempfile.mkstemp(prefix="holdup-aarch64-console.", suffix=".txt")[1]
    with open(path, "w") as f:
        f.write(text)
    print("# the guest's console: " + path)
    return text


def sections(text):
    """fixtures: name -> (pid, facts dict); dumps: label -> dict(rc, json, stderr, status)."""
    fixtures, dumps = {}, {}
    for m in re.finditer(r"^=== fixture (\S+) (\d+)\n(.*?)^=== end$", text, re.S | re.M):
        facts = {}
        for line in m.group(3).splitlines():
            if line.startswith("fact "):
                k, _, v = line[5:].partition(" ")
                facts[k] = v
        fixtures[m.group(1)] = (int(m.group(2)), facts)
    for m in re.finditer(r"^=== dump (\S+) rc=(\d+)\n(.*?)\n=== stderr\n(.*?)=== status\n(.*?)^=== end$",
                         text, re.S | re.M):
        try:
            j = json.loads(m.group(3))
        except ValueError:
            j = None
        status = [l.split() for l in m.group(5).splitlines() if l.strip()]
        dumps[m.group(1)] = {"rc": int(m.group(2)), "json": j, "stderr": m.group(4), "status": status}
    return fixtures, dumps


def th(j, tid):
    return next((t for t in j["threads"] if t["tid"] == int(tid)), {})


def w(j, tid):
    return th(j, tid).get("wait") or {}


def lk(j, sym):
    return next((l for l in j["locks"] if l.get("symbol") == sym), {})


def check(dumps, label, rc, exprs, facts, stopped=False, process=True):
    """The dump's exit status, each expression over its JSON, and the target left untraced."""
    d = dumps.get(label)
    ok(d is not None and d["json"] is not None, "%s: a JSON dump came back" % label,
       d["stderr"] if d else "no such section in the console")
    if d is None or d["json"] is None:
        for _ in range(len(exprs) + 2):
            ok(False, "%s: (no dump)" % label)
        return
    j = d["json"]
    ok(d["rc"] == rc, "%s: exit status %d" % (label, rc), "rc %d; %s" % (d["rc"], d["stderr"]))
    env = {"j": j, "f": facts, "th": lambda t: th(j, t), "w": lambda t: w(j, t), "lk": lambda s: lk(j, s)}
    for desc, e in exprs:
        try:
            v = eval(e, env)
        except Exception as x:
            v = "error %r" % x
        ok(v is True, "%s: %s" % (label, desc), "%s -> %r" % (e, v))
    if not process:
        return
    bad = [s for s in d["status"] if len(s) != 3 or s[2] != "0" or s[1] == "t" or (s[1] == "T") != stopped]
    ok(not bad and d["status"], "%s: target left %s and untraced" % (label, "stopped" if stopped else "running"),
       repr(d["status"]))


def record_section(text, name):
    """The match of a '=== NAME rc=' record section (rc, stdout, stderr) and its JSON lines."""
    m = re.search(r"^=== %s rc=(\d+)\n(.*?)^=== stderr\n(.*?)^=== end$" % re.escape(name), text, re.S | re.M)
    snaps = []
    for line in (m.group(2).splitlines() if m else []):
        try:
            snaps.append(json.loads(line))
        except ValueError:
            pass
    return m, snaps


def main():
    for v in ("KERNEL", "INITRD"):
        if not os.environ.get(v):
            print("1..0 # SKIP %s not set (make check-aarch64 sets it)" % v)
            return 0
    text = boot()
    fixtures, dumps = sections(text)
    m = re.search(r"^=== guest (\S+) (\S+)", text, re.M)
    ok(m is not None and m.group(1) == "aarch64", "the guest booted, an aarch64 kernel",
       "\n".join(text.splitlines()[-12:]))
    ok("=== done" in text, "the guest ran every step and powered off", "\n".join(text.splitlines()[-12:]))
    F = {k: v[1] for k, v in fixtures.items()}
    a = F.get("abba", {})
    abba = [
        ("the dump says aarch64", "j['arch'] == 'aarch64'"),
        ("one cycle of t1 and t2", "[sorted(d['threads']) for d in j['deadlocks']] == [sorted([int(f['t1']), int(f['t2'])])]"),
        ("holders of both mutexes", "lk('lock_a')['holders'] == [int(f['t1'])] and lk('lock_b')['holders'] == [int(f['t2'])]"),
        ("t1 blocked on lock_b in futex (98 on arm64)",
         "(th(f['t1'])['state'], w(f['t1'])['kind'], w(f['t1'])['symbol'], th(f['t1'])['syscall']['nr']) == ('blocked', 'mutex', 'lock_b', 98)"),
        ("t1's stack from libc to worker, with file and line",
         "any(x.get('function') == 'worker' and (x.get('file') or '').endswith('lock_abba.c') and (x.get('line') or 0) > 0 for x in th(f['t1'])['frames'])"
         " and any((x.get('function') or '').startswith('__pthread_mutex_lock') or x.get('function') == 'pthread_mutex_lock' for x in th(f['t1'])['frames'])"),
    ]
    check(dumps, "abba", 3, abba, a)
    check(dumps, "abba-stop-all", 3, abba[:4] + [("all three threads stopped", "j['threads_stopped'] == 3")], a)
    check(dumps, "abba-save", 3, abba[1:3], a)
    check(dumps, "abba-core", 3, abba[1:3] + [
        ("read from the saved core", "j['source'].startswith('core file')"),
        ("the core's threads have their stacks", "any(x.get('function') == 'worker' for x in th(f['t1'])['frames'])"),
    ], a, process=False)
    m, snaps = record_section(text, "record")
    ok(m is not None and m.group(1) == "0", "record: exit status 0", m.group(3) if m else "no record section")
    t1 = int(a.get("t1", 0))
    ok(len(snaps) >= 5 and all(s["arch"] == "aarch64" for s in snaps) and all(
        any(t["tid"] == t1 and (t.get("wait") or {}).get("symbol") == "lock_b" for t in s["threads"]) for s in snaps),
       "record: %d snapshots, every one with t1 waiting on lock_b" % len(snaps),
       json.dumps(snaps[0])[:600] if snaps else (m.group(3) if m else ""))
    check(dumps, "abba-sigstopped", 3, abba[1:3] + [("it says the target was stopped", "j['target_was_stopped'] is True")],
          a, stopped=True)
    p = F.get("philo", {})
    check(dumps, "philo", 3, [
        ("one cycle of five", "[len(d['threads']) for d in j['deadlocks']] == [5]"),
        ("phil2 waits on forks[3] held by phil3", "(w(f['phil2'])['symbol'], w(f['phil2'])['holders']) == ('forks[3]', [int(f['phil3'])])"),
    ], p)
    check(dumps, "rwlock", 0, [
        ("held by 3 readers", "(lk('table_lock')['kind'], lk('table_lock')['readers'], lk('table_lock')['variant']) == ('rwlock', 3, 'prefer-writer-nonrecursive')"),
        ("the writer wants to write", "(th(f['writer'])['state'], w(f['writer'])['kind']) == ('blocked', 'rwlock-write')"),
        ("the queued readers want to read", "sorted(w(t)['kind'] for t in f['queued_readers'].split()) == ['rwlock-read'] * 3"),
    ], F.get("rwlock", {}))
    check(dumps, "mutexkinds", 0, [
        ("recursive mutex held twice", "(lk('rec_lock')['variant'], lk('rec_lock')['holders'], lk('rec_lock').get('count')) == ('recursive', [int(f['rec_holder'])], 2)"),
        ("PI mutex holder", "(lk('pi_lock')['variant'], lk('pi_lock')['holders']) == ('pi', [int(f['pi_holder'])])"),
        ("robust mutex whose owner died", "(lk('robust_lock')['variant'], lk('robust_lock')['holders'], lk('robust_lock')['owner_died']) == ('robust', [int(f['robust_holder'])], True)"),
    ], F.get("mutexkinds", {}))
    check(dumps, "events", 0, [
        ("condvar waiters", "sorted(w(t)['kind'] for t in f['cond_waiters'].split()) == ['condvar'] * 3"),
        ("semaphore", "(w(f['sem_waiter'])['kind'], w(f['sem_waiter'])['symbol']) == ('semaphore', 'work_sem')"),
        ("barrier", "w(f['barrier_waiter'])['kind'] == 'barrier'"),
        ("join names the joined thread", "(w(f['joiner'])['kind'], w(f['joiner'])['holders']) == ('join', [int(f['joined'])])"),
    ], F.get("events", {}))
    bpid = fixtures.get("busy", (0, {}))[0]
    pm = re.search(r"^=== paranoid (-?\d+)", text, re.M)
    paranoid = int(pm.group(1)) if pm else -1

    def busy_snaps(mode):
        m, snaps = record_section(text, "record-busy-" + mode)
        ok(m is not None and m.group(1) == "0" and len(snaps) >= 10, "record busy (%s): exit 0, %d snapshots" % (mode, len(snaps)),
           m.group(3) if m else "no record-busy-%s section" % mode)
        return snaps[1:]	# the first snapshot may stop threads that had no sample yet

    later = busy_snaps("no-sandbox")
    spin = [t for s in later for t in s["threads"] if t["tid"] != bpid]
    ok(later and all(s["capture_mode"] == "sampled" and s["threads_stopped"] == 0 for s in later),
       "record busy --no-sandbox: sampled with perf, no thread stopped",
       repr([(s["capture_mode"], s["threads_stopped"], s.get("capture_note")) for s in later[:3]]))
    ok(spin and all(t["capture"] == "sampled" and any(x.get("function") == "spin" for x in t["frames"]) for t in spin),
       "record busy --no-sandbox: every spinner sampled, its stack in spin() from perf's arm64 registers",
       repr([(t["capture"], [x.get("function") for x in t["frames"]][:4]) for t in spin[:4]]))
    later = busy_snaps("confined")
    if paranoid > 2:
        ok(later and all("perf_event_paranoid is %d" % paranoid in (s.get("capture_note") or "") and
                         s["capture_mode"] != "sampled" for s in later),
           "record busy confined, perf_event_paranoid %d: every snapshot says why it stops threads instead" % paranoid,
           repr([s.get("capture_note") for s in later[:2]]))
    else:
        ok(later and all(s["capture_mode"] == "sampled" for s in later), "record busy confined: sampled",
           repr([s.get("capture_note") for s in later[:2]]))
    check(dumps, "busy-after", 0, [("the spinners are running", "sum(t['state'] in ('running', 'runnable') for t in j['threads']) == int(f['spinners'])")],
          F.get("busy", {}))
    check(dumps, "gomutex", 0, [
        ("the mutex is a go-mutex named by its symbol, with its waiters",
         "[(l['symbol'], len(l['goroutine_waiters'])) for l in j['locks'] if l['kind'] == 'go-mutex' and l['address'] == f['lock_addr']] == [(f['lock'], int(f['waiters']))]"),
        ("goroutines were read", "len(j['goroutines']) > int(f['waiters'])"),
        ("goroutine frames have main.go and a line",
         "any(any((x.get('file') or '').endswith('gomutex/main.go') and (x.get('line') or 0) > 0 for x in g['frames']) for g in j['goroutines'])"),
    ], F.get("gomutex", {}))
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
