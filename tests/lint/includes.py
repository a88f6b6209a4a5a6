#!/usr/bin/env python3
"""includes.py - the module include graph of src/ and ui/ has no cycle and every include points down the layers.

Usage: tests/lint/includes.py [-v] [ROOT]    check the tree at ROOT (default: this checkout)
       tests/lint/includes.py --self-test    check the checker on small made-up trees

A module is X.c and X.h together (named X; everything under src/arch/ is the one module "arch";
a private header X_int.h, shared by the files X.c and X_*.c, belongs to module X).
An edge X -> Y is an `#include "..."` in X.c or X.h that resolves (like -Isrc -Iui) to a file of
module Y. Exit status: 0 clean, 1 a cycle or a layer violation (each one printed), 2 usage error.
"""

import fnmatch
import io
import os
import re
import sys
import tempfile

# The layers, lowest first. A module is named exactly or by a pattern (exact names win).
LAYERS = [
    ("base", ["util", "rcbuf", "sanitize", "json", "protobuf", "demangle", "signals", "syscalls",
              "sandbox", "broker", "arch"]),  # arch: the architecture seam (register layout), below the snapshot; broker: a confined session's privileged half
    ("snapshot", ["snapshot", "corenote"]),  # plain data, result types included; corenote: its saved form
    ("capture", ["capture", "capture_*", "proc", "proctree", "sampler"]),
    ("analysis", ["analyze", "unwind", "threadstate", "lockdecode", "lockdecode_*", "rustlock", "perfmap", "lockgraph", "goruntime",
                  "godwarf", "debugfile", "targetfile", "holders", "symserver", "outcap"]),
    ("output", ["output", "output_*", "profile"]),
    # the loop top, record and watch share: capture + analysis on a ticker
    ("session", ["session", "launch"]),  # launch: the command launch mode starts
    ("ui", ["history", "model", "term", "top", "topstate", "uistr", "view", "view_*"]),
    ("commands", ["cmd", "cmd_*", "main", "options"]),  # options: the parser every command shares
]

# Which layers a module of each layer may include: its own and lower ones, except that analysis
# reads snapshots without knowing how they were captured, and outputs and ui/ draw snapshots
# without the analysis or capture code (ui/ saves through an output and gets its snapshots from
# the session, never from capture itself).
MAY_INCLUDE = {
    "base": {"base"},
    "snapshot": {"base", "snapshot"},
    "capture": {"base", "snapshot", "capture"},
    "analysis": {"base", "snapshot", "analysis"},
    "output": {"base", "snapshot", "output"},
    "session": {"base", "snapshot", "capture", "analysis", "output", "session"},
    "ui": {"base", "snapshot", "output", "session", "ui"},
    "commands": {"base", "snapshot", "capture", "analysis", "output", "session", "ui", "commands"},
}

DIRS = ("src", "ui")  # searched in this order for an include, after the including file's own dir
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def module_of(rel):
    """Module name of a path relative to the root, e.g. src/lockgraph.c -> lockgraph."""
    parts = rel.split("/")
    if len(parts) > 2 and parts[0] == "src" and parts[1] == "arch":
        return "arch"
    base, ext = os.path.splitext(parts[-1])
    if ext == ".h" and base.endswith("_int"):
        return base[: -len("_int")]
    return base


def layer_of(mod):
    for name, members in LAYERS:
        if mod in members:
            return name
    for name, members in LAYERS:
        if any(fnmatch.fnmatchcase(mod, m) for m in members if "*" in m):
            return name
    return None


def source_files(root):
    """Paths relative to root of every .c and .h under src/ and ui/, sorted."""
    out = []
    for d in DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
    return out


def resolve(root, rel, name):
    """The file (relative to root) an include of name in rel means, or None if not ours."""
    for base in [os.path.dirname(rel)] + list(DIRS):
        cand = os.path.normpath(os.path.join(base, name)).replace(os.sep, "/")
        if cand.split("/")[0] in DIRS and os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def build_graph(root):
    """Returns (modules: {mod: [files]}, edges: {(a, b): [(file, line, name)]})."""
    modules, edges = {}, {}
    for rel in source_files(root):
        mod = module_of(rel)
        modules.setdefault(mod, []).append(rel)
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                target = resolve(root, rel, m.group(1))
                if target is None:
                    continue
                dst = module_of(target)
                if dst != mod:
                    edges.setdefault((mod, dst), []).append((rel, lineno, m.group(1)))
    return modules, edges


def strongly_connected(nodes, succ):
    """Tarjan's algorithm, iterative; returns the components with more than one node."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(succ.get(start, ())))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ.get(w, ()))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def one_cycle(comp, start, succ):
    """A shortest cycle through start inside a strongly connected component, as a node list."""
    members = set(comp)
    prev, queue = {start: None}, [start]
    for v in queue:
        for w in sorted(succ.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return path[::-1] + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return [start, start]


def cycles(comp, succ):
    """The shortest cycle through each module of a component, each cycle once, smallest name first."""
    seen, out = set(), []
    for start in comp:
        cyc = one_cycle(comp, start, succ)[:-1]
        i = cyc.index(min(cyc))
        cyc = cyc[i:] + cyc[:i]
        if tuple(cyc) not in seen:
            seen.add(tuple(cyc))
            out.append(cyc + [cyc[0]])
    return sorted(out, key=lambda c: (len(c), c))


def check(root, verbose=False, out=sys.stdout):
    """Prints every problem of the tree at root; returns the number found."""
    modules, edges = build_graph(root)
    problems = 0
    for mod in sorted(modules):
        if layer_of(mod) is None:
            print("%s: module %s is in no layer: add it to LAYERS in tests/lint/includes.py"
                  % (modules[mod][0], mod), file=out)
            problems += 1
    bad = []
    for (a, b), where in edges.items():
        la, lb = layer_of(a), layer_of(b)
        if la is None or lb is None or lb in MAY_INCLUDE[la]:
            continue
        allowed = ", ".join(n for n, _ in LAYERS if n in MAY_INCLUDE[la])
        for rel, lineno, name in where:
            bad.append((rel, lineno, '%s:%d: #include "%s": %s (%s) may not include %s (%s); %s may include %s'
                        % (rel, lineno, name, a, la, b, lb, la, allowed)))
    for _, _, text in sorted(bad):
        print(text, file=out)
    problems += len(bad)
    succ = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
    for comp in strongly_connected(sorted(modules), succ):
        print("include cycle among %s:" % " ".join(comp), file=out)
        for cyc in cycles(comp, succ):
            print("  cycle: %s" % " -> ".join(cyc), file=out)
            for a, b in zip(cyc, cyc[1:]):
                rel, lineno, name = edges[(a, b)][0]
                print('    %s:%d: #include "%s"' % (rel, lineno, name), file=out)
            problems += 1
    if verbose:
        for name, _ in LAYERS:
            for mod in sorted(m for m in modules if layer_of(m) == name):
                deps = sorted(b for (a, b) in edges if a == mod)
                print("%-9s %-16s -> %s" % (name, mod, " ".join(deps)), file=out)
    if problems == 0:
        print("includes: %d modules, %d module edges: no cycle, every include points down"
              % (len(modules), len(edges)), file=out)
    return problems


def self_test():
    """Small trees with known answers; returns the number of failures."""
    cases = [
        ("clean", {"src/util.h": "", "src/snapshot.h": '#include "util.h"\n',
                   "src/lockgraph.c": '#include "lockgraph.h"\n#include "snapshot.h"\n',
                   "src/lockgraph.h": '#include "snapshot.h"\n',
                   "src/arch/x86_64.c": '#include "../arch.h"\n', "src/arch.h": ""}, []),
        ("cycle", {"src/lockgraph.h": '#include "lockdecode.h"\n', "src/lockgraph.c": "",
                   "src/lockdecode.h": "", "src/lockdecode.c": '  # include "lockgraph.h"\n'},
         ["cycle: lockdecode -> lockgraph -> lockdecode"]),
        ("ui cycle through headers", {"ui/top.c": '#include "view.h"\n', "ui/top.h": "",
                                      "ui/view.h": '#include "top.h"\n'},
         ["cycle: top -> view -> top"]),
        ("upward", {"src/snapshot.c": '#include "lockgraph.h"\n', "src/lockgraph.h": ""},
         ['src/snapshot.c:1: #include "lockgraph.h": snapshot (snapshot) may not include lockgraph']),
        ("output needs analysis", {"src/output_text.c": '\n#include "goruntime.h"\n', "src/goruntime.h": ""},
         ["output_text (output) may not include goruntime (analysis)"]),
        ("analysis needs capture", {"src/unwind.c": '#include "capture_stop.h"\n', "src/capture_stop.h": ""},
         ["unwind (analysis) may not include capture_stop (capture)"]),
        ("unknown module", {"src/mystery.c": ""}, ["module mystery is in no layer"]),
        ("not ours", {"src/util.c": '#include "cmocka_private.h"\n'}, []),
    ]
    failures = 0
    for title, files, want in cases:
        with tempfile.TemporaryDirectory() as root:
            for rel, text in files.items():
                os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
                with open(os.path.join(root, rel), "w") as f:
                    f.write(text)
            sink = io.StringIO()
            n = check(root, out=sink)
            missing = [w for w in want if w not in sink.getvalue()]
            ok = not missing and (n > 0) == bool(want)
            print("%s - %s" % ("ok" if ok else "FAILED", title))
            if not ok:
                print("  got %d problems:\n%s  missing: %s" % (n, sink.getvalue(), missing))
                failures += 1
    return failures


def main(argv):
    args = argv[1:]
    if args == ["--self-test"]:
        return 1 if self_test() else 0
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    root = args[0] if args else os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    if not os.path.isdir(os.path.join(root, "src")):
        print("includes.py: %s has no src/" % root, file=sys.stderr)
        return 2
    return 1 if check(root, verbose) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
