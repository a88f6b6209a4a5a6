#!/usr/bin/env python3
# report.py - turns bench/run.sh's raw results into the markdown of doc/performance.md (and small JSON look-ups for run.sh).
import datetime
import glob
import json
import os
import re
import statistics
import subprocess
import sys

TOOL_LABEL = {
	"idle": "no tool (noise, 0.2 s window)",
	"floor": "bare ptrace floor",
	"holdup": "holdup dump --json (default)",
	"holdup-stopall": "holdup dump --json --stop-all",
	"holdup-text": "holdup dump (text)",
	"eu-stack": "eu-stack -i -s -p",
	"gdb": "gdb -batch thread apply all bt",
}
TOOL_ORDER = ["idle", "floor", "holdup", "holdup-stopall", "holdup-text", "eu-stack", "gdb"]
OK_EXIT = {"holdup": {0, 3}, "holdup-stopall": {0, 3}, "holdup-text": {0, 3}, "eu-stack": {0, 1}}


def find_key(o, key):
	"""First value of key anywhere in a parsed JSON document (depth first), or None."""
	if isinstance(o, dict):
		if key in o:
			return o[key]
		for v in o.values():
			r = find_key(v, key)
			if r is not None:
				return r
	elif isinstance(o, list):
		for v in o:
			r = find_key(v, key)
			if r is not None:
				return r
	return None


def load_json(path):
	with open(path, errors="replace") as f:
		text = f.read()
	try:
		return json.loads(text)
	except ValueError:
		# JSON lines (one snapshot per line) are accepted too.
		return [json.loads(l) for l in text.splitlines() if l.strip().startswith(("{", "["))]


def median(xs):
	xs = [x for x in xs if x is not None]
	return statistics.median(xs) if xs else None


def num(s):
	try:
		return float(s)
	except (TypeError, ValueError):
		return None


def fmt_ms(us, digits=2):
	return "n/a" if us is None else f"{us / 1000:.{digits}f}"


def fmt(x, spec=".2f"):
	return "n/a" if x is None else format(x, spec)


# --- symbolization counts from one kept output per tool and N ---

def count_eustack(path):
	threads = frames = sym = line = 0
	lines = open(path, errors="replace").read().splitlines()
	for i, l in enumerate(lines):
		if re.match(r"^TID \d+:", l):
			threads += 1
		m = re.match(r"^#\d+\s+0x[0-9a-f]+\s*(\S*)", l)
		if m:
			frames += 1
			if m.group(1) and m.group(1) != "??":
				sym += 1
			if i + 1 < len(lines) and re.match(r"^\s+\S+:\d+", lines[i + 1]) and not lines[i + 1].startswith("#"):
				line += 1
	return threads, frames, sym, line


def count_gdb(path):
	threads = frames = sym = line = 0
	for l in open(path, errors="replace"):
		if re.match(r"^Thread \d+ ", l):
			threads += 1
		elif re.match(r"^#\d+ ", l):
			frames += 1
			if not re.search(r"\?\? \(", l):
				sym += 1
			if re.search(r" at \S+:\d+\s*$", l):
				line += 1
	return threads, frames, sym, line


def holdup_threads(doc):
	th = find_key(doc, "threads")
	return th if isinstance(th, list) else []


def count_holdup(path):
	doc = load_json(path)
	threads = frames = sym = line = 0
	for t in holdup_threads(doc):
		threads += 1
		fr = t.get("frames") or t.get("stack") or []
		for f in fr:
			if not isinstance(f, dict):
				continue
			frames += 1
			if f.get("function") or f.get("func") or f.get("symbol"):
				sym += 1
			if f.get("file") and f.get("line"):
				line += 1
	return threads, frames, sym, line


def count_floor(path):
	m = re.search(r"stopped=(\d+)", open(path, errors="replace").read())
	return (int(m.group(1)) if m else 0), None, None, None


COUNTERS = {"eu-stack": count_eustack, "gdb": count_gdb, "holdup": count_holdup,
			"holdup-stopall": count_holdup, "floor": count_floor}


def machine():
	cpu = "unknown"
	for l in open("/proc/cpuinfo"):
		if l.startswith("model name"):
			cpu = l.split(":", 1)[1].strip()
			break
	mem = ""
	for l in open("/proc/meminfo"):
		if l.startswith("MemTotal"):
			mem = f"{int(l.split()[1]) // 1024} MiB RAM"
	def ver(cmd):
		try:
			return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.splitlines()[0]
		except Exception:
			return "n/a"
	return {
		"cpu": cpu, "nproc": os.cpu_count(), "kernel": os.uname().release, "mem": mem,
		"eu-stack": ver(["eu-stack", "-V"]), "gdb": ver(["gdb", "--version"]),
	}


def report(wd, out, ns, repeat, mode, holdup):
	rows = {}
	fails = {}
	harm = []
	for l in open(os.path.join(wd, "results.tsv")):
		p = l.rstrip("\n").split("\t")
		if len(p) < 12:
			continue
		n, tool, rep, wall, rss, ex, to, hb, off, self_, nst, hm = p[:12]
		n = int(n)
		ok = to == "0" and ex != "" and int(ex) in OK_EXIT.get(tool, {0})
		if hm != "ok":
			harm.append(f"N={n} {tool} rep {rep}: {hm}")
		if not ok:
			fails.setdefault((n, tool), []).append(f"exit {ex or '?'}{' (time limit)' if to == '1' else ''}")
			continue
		r = rows.setdefault((n, tool), {"wall": [], "rss": [], "hb": [], "off": [], "self": [], "nst": []})
		r["wall"].append(num(wall)); r["rss"].append(num(rss)); r["hb"].append(num(hb))
		r["off"].append(num(off)); r["self"].append(num(self_)); r["nst"].append(num(nst))
	med = {k: {f: median(v) for f, v in r.items()} | {"runs": len(r["wall"])} for k, r in rows.items()}
	tools = [t for t in TOOL_ORDER if any(k[1] == t for k in list(med) + list(fails))]
	nlist = [int(x) for x in ns.split()]
	counts = {}
	for (n, tool) in set(list(med) + list(fails)):
		path = os.path.join(wd, f"keep.{n}.{tool}")
		if tool in COUNTERS and os.path.exists(path):
			try:
				counts[(n, tool)] = COUNTERS[tool](path)
			except Exception as e:  # a tool's odd output must not lose the whole table
				counts[(n, tool)] = None
				harm.append(f"N={n} {tool}: output not parsed ({e})")

	m = machine()
	la0 = open(os.path.join(wd, "loadavg.start")).read().split()[:3] if os.path.exists(os.path.join(wd, "loadavg.start")) else []
	la1 = open(os.path.join(wd, "loadavg.end")).read().split()[:3] if os.path.exists(os.path.join(wd, "loadavg.end")) else []
	L = []
	L.append("# holdup performance")
	L.append("")
	L.append("Generated by `make bench` (bench/run.sh, bench/report.py); do not edit by hand, rerun it.")
	L.append("")
	started = os.path.join(wd, "loadavg.start")
	when = datetime.datetime.fromtimestamp(os.stat(started).st_mtime) if os.path.exists(started) else datetime.datetime.now()
	L.append(f"- Date: {when.strftime('%Y-%m-%d %H:%M')} (start of the run)")
	L.append(f"- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem']}, kernel {m['kernel']}")
	L.append(f"- Load average at start / end: {' '.join(la0) or 'n/a'} / {' '.join(la1) or 'n/a'}"
			 " (the machine may be shared; numbers are medians of repeated runs)")
	try:
		built = open(os.path.join(wd, "built")).read().strip()
	except OSError:
		built = ""
	if not built:
		try:
			built = datetime.datetime.fromtimestamp(os.stat(holdup).st_mtime).strftime("%Y-%m-%d %H:%M")
		except OSError:
			built = "n/a"
	L.append(f"- Tools: {m['eu-stack']}; {m['gdb']}; holdup `{holdup}` (built {built})")
	L.append(f"- Target: bench/target.c, N threads parked in `{mode}` wait 4 calls deep, plus main (sigwait)"
			 " and one heartbeat thread spinning on clock_gettime; repetitions per cell: "
			 f"{repeat} (gdb at N>=1000 may use fewer, see runs)")
	L.append("")
	L.append("Columns: **wall** is the tool's whole run; **pause (target)** is the longest gap the heartbeat"
			 " thread saw while the tool ran, less the time in that gap it was runnable but waiting for a CPU"
			 " (schedstat run delay), i.e. the time it was held; in parentheses the raw longest gap, which also"
			 " holds ordinary preemption on a busy machine (see the no-tool row for that noise);"
			 " **pause (tool)** is what the tool reports about itself; **x floor** is pause (target) over the"
			 " floor's at the same N; **stopped** is how many threads the tool stopped (holdup and floor say);"
			 " **RSS** is peak resident memory (wait4 rusage);"
			 " **threads / frames / file:line** count what the output shows (holdup from its JSON).")
	L.append("")
	L.append("| N | tool | wall ms | pause (target) ms | pause (tool) ms | x floor | stopped | RSS MB | threads | frames | with file:line | runs |")
	L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for n in nlist:
		fl = med.get((n, "floor"), {}).get("off")
		for t in tools:
			k = (n, t)
			if k not in med:
				if k in fails:
					L.append(f"| {n} | {TOOL_LABEL[t]} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | 0 ({', '.join(sorted(set(fails[k])))}) |")
				continue
			r = med[k]
			ratio = (r["off"] / fl) if (fl and r["off"] is not None and t not in ("idle", "floor")) else None
			c = counts.get(k)
			thr = fr = fl_ = "n/a"
			if c:
				thr = str(c[0])
				if c[1] is not None:
					fr = str(c[1])
					fl_ = f"{c[3]} ({100 * c[3] / c[1]:.0f}%)" if c[1] else "0"
			pause_t = "n/a" if r["hb"] is None else f"{fmt_ms(r['off'])} ({fmt_ms(r['hb'])})"
			runs = str(r["runs"]) + (f" (+{len(fails[k])} failed)" if k in fails else "")
			L.append(f"| {n} | {TOOL_LABEL[t]} | {fmt_ms(r['wall'], 1) if t != 'idle' else '-'} | {pause_t} | "
					 f"{fmt_ms(r['self'], 3)} | {fmt(ratio)} | {fmt(r['nst'], '.0f')} | "
					 f"{fmt(r['rss'] / 1024 if r['rss'] else None, '.1f') if t != 'idle' else '-'} | {thr} | {fr} | {fl_} | {runs} |")
	L.append("")

	# Scaling: cost per thread.
	L.append("## Scaling: cost per thread (µs per thread, medians)")
	L.append("")
	L.append("| tool | " + " | ".join(f"wall/N @{n}" for n in nlist) + " | " + " | ".join(f"pause/N @{n}" for n in nlist) + " |")
	L.append("|---|" + "---|" * (2 * len(nlist)))
	for t in tools:
		if t == "idle":
			continue
		walls = []
		pauses = []
		for n in nlist:
			r = med.get((n, t))
			walls.append(fmt(r["wall"] / n if r and r["wall"] is not None else None, ".1f"))
			pauses.append(fmt(r["off"] / n if r and r["off"] is not None else None, ".2f"))
		L.append(f"| {TOOL_LABEL[t]} | " + " | ".join(walls) + " | " + " | ".join(pauses) + " |")
	L.append("")
	L.append("The per-thread pause of the default holdup mode is not expected to be constant: it stops only"
			 " threads that are not blocked in the kernel, so its pause should stay flat as N grows.")
	L.append("")

	# Repeated snapshots.
	rep_lines, rep_ratio = repeated(wd)
	L.append("## Repeated snapshots (holdup record -r 10 --format json; capture_us and pause_us of each snapshot)")
	L.append("")
	L.extend(rep_lines)
	L.append("")

	# Live cost.
	live_lines, live = live_cost(wd)
	L.append("## Live cost: bench/cpuload.c, 100 CPU-bound threads, throughput in work units/s")
	L.append("")
	L.extend(live_lines)
	L.append("")

	# Blocked threads plus wakers: the targeted retake.
	wak_lines, wak = wakers(wd)
	L.extend(wak_lines)
	L.append("")

	# Go at scale.
	go_lines, go = go_scale(wd)
	L.extend(go_lines)
	L.append("")

	# Targets.
	L.append("## Targets (issue 7)")
	L.append("")
	L.append("| target | measured | verdict |")
	L.append("|---|---|---|")
	L.extend(targets(med, counts, nlist, rep_ratio, live))
	if wak:
		L.extend(wak)
	L.extend(round_two(med, go))
	L.append("")
	L.append("A verdict of n/a means the measurement was not available in this run (tool missing or failed, N not run).")
	L.append("")
	notes = open(os.path.join(wd, "notes.txt")).read().strip().splitlines() if os.path.exists(os.path.join(wd, "notes.txt")) else []
	if notes or harm:
		L.append("## Notes from this run")
		L.append("")
		for x in notes + harm:
			L.append(f"- {x}")
		L.append("")
	# How to read the numbers, and the known gaps: kept next to this script so a rerun keeps them.
	extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "performance-notes.md")
	if os.path.exists(extra):
		L.append(open(extra).read().rstrip())
		L.append("")
	with open(out, "w") as f:
		f.write("\n".join(L))


def repeated(wd):
	"""First vs later snapshot cost from holdup record's JSON (whatever per-snapshot timings it holds)."""
	lines = []
	best = None
	files = sorted(glob.glob(os.path.join(wd, "record.*.jsonl")), key=lambda p: int(p.split(".")[-2]))
	if not files:
		return ["n/a: holdup record produced no JSON in this run (see notes)."], None
	lines.append("| N | snapshots | first capture ms | later capture ms (median) | later/first | first pause ms | later pause ms (median) | first interval ms | later intervals ms (median) | later/first |")
	lines.append("|---|---|---|---|---|---|---|---|---|---|")
	for p in files:
		n = int(p.split(".")[-2])
		try:
			doc = load_json(p)
		except Exception as e:
			lines.append(f"| {n} | unreadable ({e}) | | | | | | | | |")
			continue
		snaps = []
		def walk(o):
			if isinstance(o, dict):
				if "capture_us" in o or "pause_us" in o:
					snaps.append(o)
					return
				for v in o.values():
					walk(v)
			elif isinstance(o, list):
				for v in o:
					walk(v)
		walk(doc)
		cap = [num(s.get("capture_us")) for s in snaps]
		pau = [num(s.get("pause_us")) for s in snaps]
		if len(snaps) < 2 or cap[0] is None:
			lines.append(f"| {n} | {len(snaps)} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |")
			continue
		later = median(cap[1:])
		ratio = later / cap[0] if cap[0] else None
		# Start-to-start intervals: when record cannot keep its 100 ms period they are each snapshot's
		# whole cost (capture, unwinding, analysis, output), not just the capture.
		ts = [num(s_.get("time")) for s_ in snaps]
		iv = [(b - a) * 1e6 for a, b in zip(ts, ts[1:]) if a is not None and b is not None]
		iv_first = iv[0] if iv else None
		iv_later = median(iv[1:]) if len(iv) > 1 else None
		iv_ratio = iv_later / iv_first if iv_first and iv_later is not None else None
		if best is None or best[0] != 1000:
			best = (n, cap[0], later, ratio, iv_first, iv_later, iv_ratio)
		lines.append(f"| {n} | {len(snaps)} | {fmt_ms(cap[0])} | {fmt_ms(later)} | {fmt(ratio)} | {fmt_ms(pau[0], 3)} | {fmt_ms(median(pau[1:]), 3)} |"
					 f" {fmt_ms(iv_first, 1)} | {fmt_ms(iv_later, 1)} | {fmt(iv_ratio)} |")
	lines.append("")
	lines.append("Intervals are start-to-start times of consecutive snapshots; at 10 Hz an interval of 100 ms means"
				 " record kept its rate and the snapshot cost less than that, so only intervals above 100 ms measure cost.")
	return lines, best


WAKER_LABEL = {
	"holdup": "holdup dump --json (default)",
	"floor-one": "bare ptrace floor, the heartbeat alone (one PTRACE_INTERRUPT round trip)",
	"floor-moved": "bare ptrace floor, the heartbeat and the wakers",
	"holdup-stopall": "holdup dump --json --stop-all",
	"floor": "bare ptrace floor, every thread",
}


def spread(xs, scale=1000, digits=2):
	"""median (min-max) of the values, /scale, or n/a."""
	xs = [x for x in xs if x is not None]
	if not xs:
		return "n/a"
	return f"{statistics.median(xs) / scale:.{digits}f} ({min(xs) / scale:.{digits}f}-{max(xs) / scale:.{digits}f})"


def wakers(wd):
	"""The blocked-plus-wakers rows (bench/run.sh's wakers part) and its target line."""
	p = os.path.join(wd, "wakers.tsv")
	rows = {}
	if not os.path.exists(p) or os.path.getsize(p) == 0:
		return [], []
	conf = open(os.path.join(wd, "wakers.conf")).read().split() if os.path.exists(os.path.join(wd, "wakers.conf")) else ["?", "?", "?"]
	fails = {}
	for l in open(p):
		c = l.rstrip("\n").split("\t")
		if len(c) < 11:
			continue
		tool, rep, wall, ex, hb, off, self_, nst, rounds, retaken, hm = c[:11]
		if ex not in ("0", "3"):
			fails[tool] = fails.get(tool, 0) + 1
			continue
		r = rows.setdefault(tool, {k: [] for k in ("wall", "hb", "off", "self", "nst", "rounds", "retaken")})
		for k, v in (("wall", wall), ("hb", hb), ("off", off), ("self", self_), ("nst", nst), ("rounds", rounds), ("retaken", retaken)):
			r[k].append(num(v))
	n, w, ms = conf[:3]
	L = [f"## {n} threads blocked on a mutex + {w} wakers every {ms} ms + 1 spinner (the targeted retake)", "",
		 "The heartbeat is the spinner; the wakers wait in pthread_cond_timedwait and are created first, so holdup"
		 " reads them first and they wake while it reads the others. Cells are median (min-max) over the runs;"
		 " pause (target) is the heartbeat's held time, raw gap in the next column; rounds and retaken are holdup's"
		 " own `capture_rounds` and `threads_retaken`.", "",
		 "| tool | wall ms | pause (target) ms | raw gap ms | pause (tool) ms | stopped | rounds | retaken | runs |",
		 "|---|---|---|---|---|---|---|---|---|"]
	for t in ("holdup", "floor-one", "floor-moved", "holdup-stopall", "floor"):
		if t not in rows:
			if t in fails:
				L.append(f"| {WAKER_LABEL[t]} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | 0 (+{fails[t]} failed) |")
			continue
		r = rows[t]
		hold = t.startswith("holdup") and t != "holdup-stopall"
		L.append(f"| {WAKER_LABEL[t]} | {spread(r['wall'], 1000, 1)} | {spread(r['off'])} | {spread(r['hb'])} | {spread(r['self'], 1000, 3)} |"
				 f" {spread(r['nst'], 1, 0)} | {spread(r['rounds'], 1, 0) if t.startswith('holdup') else '-'} |"
				 f" {spread(r['retaken'], 1, 0) if hold else '-'} | {len(r['wall'])}{f' (+{fails[t]} failed)' if t in fails else ''} |")
	tg = []
	h = rows.get("holdup")
	if h:
		off = median(h["off"]); nst = max([x for x in h["nst"] if x is not None] or [0])
		fm = median(rows.get("floor-moved", {}).get("off", []))
		bound = (int(w) + 2) if w.isdigit() else None
		ok = off is not None and off <= 1000 and bound is not None and nst <= bound
		lim = f"; physical limit (floor stopping the heartbeat and the wakers) {fmt_ms(fm, 3)} ms" if fm is not None else ""
		tg.append(f"| {n} blocked + {w} wakers at {ms} ms + 1 spinner: pause <= 1 ms, at most the moved threads stopped |"
				  f" heartbeat held {fmt_ms(off, 3)} ms (median), at most {nst:.0f} stopped (the {w} wakers, the heartbeat and"
				  f" main may move){lim} | {'met' if ok else '**not met**'} |")
	return L, tg


def live_cost(wd):
	res, cpu, helper = {}, {}, {}
	p = os.path.join(wd, "live.tsv")
	if os.path.exists(p):
		for l in open(p):
			c = l.rstrip("\n").split("\t")
			if len(c) >= 3 and num(c[2]) is not None:
				res.setdefault(c[0], []).append(num(c[2]))
			if len(c) >= 4 and num(c[3]) is not None:
				cpu.setdefault(c[0], []).append(num(c[3]))
			if len(c) >= 5 and num(c[4]) is not None:
				helper.setdefault(c[0], []).append(num(c[4]))
	if "none" not in res:
		return ["n/a: the live-cost part did not run (BENCH_LIVE=0 or cpuload failed)."], {}
	base = median(res["none"])
	lines = ["| configuration | windows | units/s (median) | min - max | vs unmonitored (median) | the tool's own CPU (median) |", "|---|---|---|---|---|---|"]
	live = {}
	names = {"none": "unmonitored", "top10": "holdup top -i 0.1 (10 Hz, in a detached tmux)",
			 "record10": "holdup record -r 10 (pprof; stand-in for top at 10 Hz)",
			 "record100": "holdup record -r 100 (pprof)",
			 "record100json": "holdup record -r 100 --format json (every snapshot written whole)",
			 "burner10": "floor: bench/burner at 10 Hz burning record -r 10's CPU share, nothing else",
			 "burner100": "floor: bench/burner at 100 Hz burning record -r 100's CPU share, nothing else"}
	for k in ["none", "top10", "record10", "record100", "record100json", "burner10", "burner100"]:
		if k.startswith("burner") and k not in res:
			continue
		if k not in res:
			lines.append(f"| {names[k]} | 0 | n/a | n/a | n/a | n/a |")
			continue
		m = median(res[k])
		loss = 100 * (base - m) / base if base else None
		live[k] = loss
		own = f"{median(cpu[k]):.1f}% of the machine" if cpu.get(k) else "-"
		if helper.get(k):
			own += f" (+ the tmux server's {median(helper[k]):.1f}%)"
		live[k + "_cpu"] = median(cpu[k]) if cpu.get(k) else None
		lines.append(f"| {names[k]} | {len(res[k])} | {m:.0f} | {min(res[k]):.0f} - {max(res[k]):.0f} | {'-' if k == 'none' else f'{-loss:+.1f}%'} | {own} |")
	# record's achieved rate, from its own summary line "N samples in S s, M ticks missed".
	rates = []
	for f in glob.glob(os.path.join(wd, "live-record.[0-9]*.log")):
		mm = re.search(r"(\d+) samples in ([\d.]+)s", open(f, errors="replace").read())
		if mm and float(mm.group(2)) > 0:
			rates.append(int(mm.group(1)) / float(mm.group(2)))
	live["rate"] = median(rates)
	lines.append("")
	lines.append(f"holdup record -r 100 (pprof) achieved rate: {fmt(live['rate'], '.1f')} snapshots/s (median over {len(rates)} runs,"
				 " from record's own \"N samples in S s\" summary)")
	return lines, live


def go_scale(wd):
	"""The Go part: holdup dump of gomany with N goroutines, JSON and the default (folding) text."""
	p = os.path.join(wd, "go.tsv")
	rows = [l.rstrip("\n").split("\t") for l in open(p)] if os.path.exists(p) else []
	res = {}
	for r in rows:
		if len(r) < 8 or r[5] not in ("0", "3"):
			continue
		d = res.setdefault(r[1], {"wall": [], "rss": [], "bytes": [], "n": r[0], "read": []})
		d["wall"].append(num(r[3])); d["rss"].append(num(r[4])); d["bytes"].append(num(r[6]))
		if r[7]:
			d["read"].append(num(r[7]))
	if not res:
		return [], {}
	n = next(iter(res.values()))["n"]
	L = [f"## Go at scale: tests/gofixtures/gomany with {n} goroutines parked on a channel receive", "",
		 "| dump | runs | wall ms (median, min-max) | peak RSS MB (median) | output MB | goroutines read |",
		 "|---|---|---|---|---|---|"]
	label = {"json": "holdup dump --json (every goroutine)", "text": "holdup dump (text, identical goroutines folded)"}
	out = {}
	for k in ("json", "text"):
		d = res.get(k)
		if not d:
			continue
		w = [x for x in d["wall"] if x is not None]
		m = [x for x in d["rss"] if x is not None]
		L.append(f"| {label[k]} | {len(w)} | {fmt_ms(median(w), 0)} ({fmt_ms(min(w), 0)}-{fmt_ms(max(w), 0)}) |"
				 f" {fmt(median(m) / 1024, '.0f')} | {fmt(median(d['bytes']) / 1e6, '.1f')} | {fmt(median(d['read']), '.0f') if d['read'] else '-'} |")
		out[k] = (median(w), median(m), n)
	return L, out


def round_two(med, go):
	"""The goals of the second round (issue 15) that the tables above measure."""
	out = []
	def g(n, t, f):
		return med.get((n, t), {}).get(f)
	def verdict(b):
		return "n/a" if b is None else ("met" if b else "**not met**")
	hw = g(1000, "holdup", "wall"); ew = g(1000, "eu-stack", "wall")
	ok = None if not (hw and ew) else ew / hw >= 20
	out.append(f"| (round two) holdup dump --json at 1000 threads >= 20x faster than eu-stack | "
			   f"{'n/a' if ok is None else f'holdup {fmt_ms(hw, 1)} ms vs eu-stack {fmt_ms(ew, 1)} ms = {ew / hw:.1f}x'} | {verdict(ok)} |")
	h10 = g(10000, "holdup", "wall")
	out.append(f"| (round two) a 10,000-thread holdup dump --json under 0.5 s | {fmt_ms(h10, 0)} ms | {verdict(None if h10 is None else h10 < 500e3)} |")
	j = go.get("json")
	ok = None if not j else (j[0] < 1e6 and j[1] < 256 * 1024)
	out.append(f"| (round two) {j[2] if j else 'N'} goroutines dumped (JSON) in under 1 s and under 256 MB | "
			   f"{'n/a' if not j else f'{fmt_ms(j[0], 0)} ms, {j[1] / 1024:.0f} MB'} | {verdict(ok)} |")
	return out


def targets(med, counts, nlist, rep_ratio, live):
	out = []
	def g(n, t, f):
		return med.get((n, t), {}).get(f)
	def verdict(b):
		return "n/a" if b is None else ("met" if b else "**not met**")
	# 1: 1000 blocked + 1 running.
	hb = g(1000, "holdup", "hb"); off = g(1000, "holdup", "off"); nst = g(1000, "holdup", "nst")
	c = counts.get((1000, "holdup"))
	# Two threads may run: the heartbeat, and main when it happens to be awake; the 1000 must not be stopped.
	ok = None if off is None else (off < 1000 and (nst is not None and nst <= 2))
	out.append(f"| 1000 blocked + 1 running: pause seen by the running thread < 1 ms, blocked threads not stopped |"
			   f" heartbeat held {fmt_ms(off, 3)} ms (raw gap {fmt_ms(hb, 3)} ms), threads stopped {fmt(nst, '.0f')}"
			   f" of 1002{'' if not c else f', {c[0]} threads and {c[1]} frames in the output'} | {verdict(ok)} |")
	# 2: pause vs floor.
	for t in ("holdup", "holdup-stopall"):
		parts = []
		oks = []
		for n in (100, 1000):
			h, f = g(n, t, "off"), g(n, "floor", "off")
			if h is None or not f:
				parts.append(f"N={n}: n/a")
				oks.append(None)
				continue
			parts.append(f"N={n}: {fmt_ms(h, 3)} ms vs floor {fmt_ms(f, 3)} ms = {h / f:.2f}x")
			oks.append(h <= 1.5 * f)
		ok = None if None in oks else all(oks)
		out.append(f"| pause seen by the target <= 1.5x floor at 100 and 1000 threads ({TOOL_LABEL[t]}) | {'; '.join(parts)} | {verdict(ok)} |")
	# 3: wall vs eu-stack at 1000, all symbolized.
	hw = g(1000, "holdup-text", "wall") or g(1000, "holdup", "wall")
	ew = g(1000, "eu-stack", "wall")
	hc = counts.get((1000, "holdup"))
	ec = counts.get((1000, "eu-stack"))
	if hw and ew:
		sym = ""
		symok = None
		if hc and hc[1]:
			# Some frames have no line anywhere (_start, the vDSO): compare with eu-stack on the same target.
			sym = f"; holdup frames named {hc[2]}/{hc[1]}, with file:line {hc[3]}/{hc[1]}"
			if ec and ec[1]:
				sym += f" (eu-stack named {ec[2]}/{ec[1]}, with file:line {ec[3]}/{ec[1]})"
				symok = hc[3] >= ec[3] and hc[1] - hc[2] <= ec[1] - ec[2]
		ok = (ew / hw >= 10) and (symok is not False)
		out.append(f"| holdup dump wall at 1000 threads >= 10x faster than eu-stack, all frames symbolized with file:line (as many as eu-stack finds) |"
				   f" holdup {fmt_ms(hw, 1)} ms vs eu-stack {fmt_ms(ew, 1)} ms = {ew / hw:.1f}x{sym} | {verdict(ok)} |")
	else:
		out.append("| holdup dump wall at 1000 threads >= 10x faster than eu-stack | n/a | n/a |")
	# 4: repeated snapshot.
	if rep_ratio and rep_ratio[3] is not None:
		n, first, later, ratio, ivf, ivl, ivr = rep_ratio
		iv = ""
		ok = ratio <= 1 / 3
		if ivr is not None:
			iv = f"; whole snapshot (interval) first {fmt_ms(ivf, 1)} ms, later {fmt_ms(ivl, 1)} ms = {ivr:.2f}"
			if ivl > 105e3:	# only a saturated recorder's intervals are costs
				ok = ok and ivr <= 1 / 3
		out.append(f"| a repeated snapshot costs <= 1/3 of the first | N={n}: capture first {fmt_ms(first)} ms, later {fmt_ms(later)} ms = {ratio:.2f}{iv} | {verdict(ok)} |")
	else:
		out.append("| a repeated snapshot costs <= 1/3 of the first | n/a | n/a |")
	# 5: live cost.
	t10 = live.get("top10"); r10 = live.get("record10"); r100 = live.get("record100"); rate = live.get("rate")
	def own(k):
		c = live.get(k + "_cpu")
		return "" if c is None else f" (holdup's own CPU {c:.1f}% of the machine)"
	out.append(f"| holdup top at 10 Hz costs the 100-thread target <= 2% throughput | {fmt(t10, '.1f')}% lost{own('top10')} | {verdict(None if t10 is None else t10 <= 2)} |")
	out.append(f"| (stand-in) holdup record at 10 Hz costs <= 2% | {fmt(r10, '.1f')}% lost{own('record10')} | {verdict(None if r10 is None else r10 <= 2)} |")
	rate_ok = None if rate is None else rate >= 90
	ok = None if r100 is None else (r100 <= 5 and rate_ok is not False)
	out.append(f"| holdup record at 100 Hz costs <= 5% and keeps its rate | {fmt(r100, '.1f')}% lost{own('record100')}, {fmt(rate, '.1f')} snapshots/s | {verdict(ok)} |")
	# 6: memory.
	rss = [g(1000, t, "rss") for t in ("holdup", "holdup-stopall", "holdup-text") if g(1000, t, "rss")]
	mx = max(rss) if rss else None
	out.append(f"| holdup peak memory at 1000 threads < 64 MB | {fmt(mx / 1024 if mx else None, '.1f')} MB | {verdict(None if mx is None else mx < 64 * 1024)} |")
	return out


def main():
	if len(sys.argv) >= 4 and sys.argv[1] == "jsonkey":
		v = find_key(load_json(sys.argv[2]), sys.argv[3])
		if v is None:
			return 1
		print(v)
		return 0
	if len(sys.argv) >= 8 and sys.argv[1] == "report":
		report(*sys.argv[2:8])
		return 0
	print("usage: report.py jsonkey FILE KEY | report WORKDIR OUT NS REPEAT MODE HOLDUP", file=sys.stderr)
	return 2


if __name__ == "__main__":
	sys.exit(main())
