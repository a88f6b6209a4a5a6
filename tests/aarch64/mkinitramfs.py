#!/usr/bin/env python3
# mkinitramfs.py - packs the guest of check-aarch64: busybox, holdup and the fixtures with every arm64 shared library they need, libc's debug file, and the init script, as a gzipped newc cpio.
# Usage: mkinitramfs.py OUT INIT BUSYBOX DEST=SRC...   (DEST a path inside the guest)
import gzip, os, stat, subprocess, sys

LIBDIRS = ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]


def needed(path):
    """The DT_NEEDED names of an ELF file (readelf reads any machine's)."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    return [l.split("[", 1)[1].split("]", 1)[0] for l in out.splitlines() if "(NEEDED)" in l]


def find_lib(name):
    for d in LIBDIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    sys.exit("mkinitramfs: no arm64 %s in %s (install its :arm64 package)" % (name, LIBDIRS))


def main():
    out, init, busybox, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    files = {"/init": init, "/bin/busybox": busybox,
             "/lib/ld-linux-aarch64.so.1": os.path.realpath("/lib/ld-linux-aarch64.so.1")}
    todo = []
    for p in pairs:
        dest, src = p.split("=", 1)
        files[dest] = src
        todo.append(src)
    seen = set()
    while todo:	# the libraries' closure
        for name in needed(todo.pop()):
            if name in seen or name.startswith("ld-linux"):
                continue
            seen.add(name)
            src = os.path.realpath(find_lib(name))
            files["/lib/aarch64-linux-gnu/" + name] = src
            todo.append(src)
    dirs = set()
    for dest in files:
        d = os.path.dirname(dest)
        while d not in ("/", ""):
            dirs.add(d)
            d = os.path.dirname(d)
    dirs |= {"/proc", "/sys", "/dev", "/tmp", "/usr", "/usr/bin", "/sbin"}
    ino = [1]

    def entry(f, name, mode, data=b""):
        ino[0] += 1
        hdr = "070701" + "".join("%08x" % v for v in (ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
                                                       len(name) + 1, 0))
        f.write(hdr.encode() + name.encode() + b"\0")
        f.write(b"\0" * ((4 - (110 + len(name) + 1) % 4) % 4))
        f.write(data)
        f.write(b"\0" * ((4 - len(data) % 4) % 4))

    with gzip.open(out, "wb", compresslevel=1) as f:
        for d in sorted(dirs):
            entry(f, d.lstrip("/"), stat.S_IFDIR | 0o755)
        for dest, src in sorted(files.items()):
            with open(src, "rb") as s:
                entry(f, dest.lstrip("/"), stat.S_IFREG | 0o755, s.read())
        entry(f, "TRAILER!!!", 0)


main()
