#!/usr/bin/env python3
# funclen.py - fails when a C function in src/ or ui/ is longer than the limit (the tree's style: braces of a function at column 0).
import os
import re
import sys

LIMIT = int(os.environ.get("FUNCLEN_LIMIT", "120"))


def functions(path):
    """Yields (line, name, body_lines) for every function definition of a file in the tree's style."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    head, start = None, None
    for i, line in enumerate(lines):
        if start is None and re.match(r"^[A-Za-z_][A-Za-z0-9_]*\(", line):
            head = (i + 1, line.split("(")[0])
        elif line == "{" and start is None and head is not None:
            start = i
        elif line == "}" and start is not None:
            yield head[0], head[1], i - start - 1
            head, start = None, None


def main(roots):
    bad = 0
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for name in sorted(files):
                if not name.endswith(".c"):
                    continue
                path = os.path.join(dirpath, name)
                for line, fn, n in functions(path):
                    if n > LIMIT:
                        print(f"{path}:{line}: {fn} has {n} lines (limit {LIMIT})")
                        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src", "ui"]))
