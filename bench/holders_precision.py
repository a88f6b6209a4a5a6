#!/usr/bin/env python3
"""holders_precision.py - precision and recall of probable holders on the fixtures built for them.

Usage: bench/holders_precision.py [ROUNDS]   (from the top of the tree, after make fixtures)
Starts each fixture, dumps it ROUNDS times (fast, and with --stop-all), and compares the probable
holders listed with the holders the fixture prints as facts. Prints one line per fixture and mode.
"""
import json, os, subprocess, sys, time

HOLDUP = os.environ.get("HOLDUP", "./holdup")


def start(path):
    p = subprocess.Popen([path], stdout=subprocess.PIPE, text=True)
    facts = {}
    for line in p.stdout:
        if line.startswith("fact "):
            _, k, v = line.rstrip("\n").split(" ", 2)
            facts.setdefault(k, []).append(v)
        if line.startswith("ready"):
            return p, facts
    raise SystemExit("%s never got ready" % path)


def held(j, addr):
    for l in j["locks"]:
        if l["address"] == addr:
            return {str(h.get("thread", h.get("goroutine"))) for h in l["probable_holders"]}
    return set()


def cases(name, facts, j):
    """(true holders, listed) per lock of interest."""
    out = []
    if name == "goholders":
        out.append((set(facts["reader"]), held(j, facts["lock_addr"][0])))
        dl = facts["deadlocked"]
        locks = [l for l in j["locks"] if l["kind"] == "go-mutex"]
        for l in locks:
            # each transfer mutex is held by the goroutine not waiting on it
            waiters = {str(g) for g in l["goroutine_waiters"]}
            out.append((set(dl) - waiters, {str(h["goroutine"]) for h in l["probable_holders"]}))
    elif name == "holders_c":
        out.append((set(facts["readers"][0].split()), held(j, facts["lock_addr"][0])))
        tl = [l for l in j["locks"] if l["kind"] == "rwlock" and l["address"] != facts["lock_addr"][0]]
        for l in tl:
            out.append(({facts["dl_reader"][0]}, {str(h["thread"]) for h in l["probable_holders"]}))
    elif name == "holders_cxx":
        out.append((set(facts["readers"][0].split()),
                     {str(h["thread"]) for l in j["locks"] for h in l["probable_holders"]}))
    elif name == "gorwqueue":
        # 4 readers hold a global RWMutex without defer and without a pointer: nothing to see
        n = int(facts["readers"][0])
        out.append(({"reader%d" % i for i in range(n)}, held(j, facts["lock_addr"][0])))
    elif name == "gomutex":
        out.append(({"holder"}, held(j, facts["lock_addr"][0])))
    return out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    fixtures = [("build/gofixtures/goholders", "goholders"), ("build/fixtures/holders_c", "holders_c"),
                ("build/fixtures/holders_cxx", "holders_cxx"), ("build/gofixtures/gorwqueue", "gorwqueue"),
                ("build/gofixtures/gomutex", "gomutex")]
    for path, name in fixtures:
        p, facts = start(path)
        try:
            for mode in ([], ["--stop-all"]):
                tp = listed = true = 0
                for _ in range(rounds):
                    r = subprocess.run([HOLDUP, "dump", "--json"] + mode + [str(p.pid)], capture_output=True, text=True)
                    j = json.loads(r.stdout)
                    for want, got in cases(name, facts, j):
                        tp += len(want & got)
                        listed += len(got)
                        true += len(want)
                prec = "%d/%d" % (tp, listed) if listed else "-/0"
                print("%-12s %-9s precision %-7s recall %d/%d" % (name, "stop-all" if mode else "fast", prec, tp, true))
        finally:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
