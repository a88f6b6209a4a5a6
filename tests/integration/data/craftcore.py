#!/usr/bin/env python3
# craftcore.py - makes hostile variants of a saved Go core (x86-64, go1.19 layouts): an allgs that repeats its g pointers a million times, a semaphore waiter list that loops.
# usage: craftcore.py allgs CORE OUT ALLGS_ADDR COUNT
#        craftcore.py semloop CORE OUT SEMTABLE_ADDR
# Prints what it changed; exits 1 when the core does not hold what the change needs.
import struct
import sys

SEMTAB_SIZE, SEMTAB_STRIDE, TREAP_OFF = 251, 64, 8     # runtime.semtable: [251]struct{root semaRoot; pad}
SUDOG_WAITLINK = 64                                      # sudog: g next prev elem acquiretime releasetime ticket.. parent waitlink


class Core:
    def __init__(self, path):
        self.d = bytearray(open(path, "rb").read())
        self.phoff = struct.unpack_from("<Q", self.d, 32)[0]
        self.phnum = struct.unpack_from("<H", self.d, 56)[0]
        self.ph = [list(struct.unpack_from("<IIQQQQQQ", self.d, self.phoff + 56 * i)) for i in range(self.phnum)]

    def where(self, addr, n):
        for p in self.ph:
            if p[0] == 1 and p[3] <= addr and addr + n <= p[3] + p[5]:
                return p[2] + addr - p[3]
        return None

    def read(self, addr, n):
        off = self.where(addr, n)
        return None if off is None else bytes(self.d[off:off + n])

    def u64(self, addr):
        b = self.read(addr, 8)
        return None if b is None else struct.unpack("<Q", b)[0]

    def write(self, addr, data):
        off = self.where(addr, len(data))
        if off is None:
            sys.exit("craftcore: 0x%x is not in the core" % addr)
        self.d[off:off + len(data)] = data

    def add_segment(self, addr, data):
        # the program headers move to the end of the file, one more, then the new segment's bytes
        self.phoff = len(self.d)
        data_off = self.phoff + 56 * (self.phnum + 1)
        self.ph.append([1, 6, data_off, addr, 0, len(data), len(data), 1])
        self.phnum += 1
        for p in self.ph:
            self.d += struct.pack("<IIQQQQQQ", *p)
        self.d += data
        struct.pack_into("<Q", self.d, 32, self.phoff)
        struct.pack_into("<H", self.d, 56, self.phnum)

    def save(self, path):
        open(path, "wb").write(self.d)


def allgs(core, out, addr, count):
    c = Core(core)
    ptr, n, cap = struct.unpack("<QQQ", c.read(addr, 24) or sys.exit("craftcore: allgs header not in the core"))
    gs = c.read(ptr, 8 * n)
    if not gs or n == 0:
        sys.exit("craftcore: allgs array not in the core")
    arr = (gs * (count // n + 1))[:8 * count]
    base = 0x7e0000000000
    c.add_segment(base, arr)
    c.write(addr, struct.pack("<QQQ", base, count, count))
    c.save(out)
    print("allgs: %d g pointers repeated into %d entries at 0x%x" % (n, count, base))


def semloop(core, out, addr):
    c = Core(core)
    for i in range(SEMTAB_SIZE):
        s = c.u64(addr + SEMTAB_STRIDE * i + TREAP_OFF)
        if not s or c.u64(s + SUDOG_WAITLINK) is None:
            continue
        w = c.u64(s + SUDOG_WAITLINK)
        if w and c.u64(w + SUDOG_WAITLINK) is not None:
            c.write(w + SUDOG_WAITLINK, struct.pack("<Q", s))     # the list's second waiter leads back to the tree node
            what = "sudog 0x%x (listed after tree node 0x%x) now links back to it" % (w, s)
        else:
            c.write(s + SUDOG_WAITLINK, struct.pack("<Q", s))     # the tree node's list is itself
            what = "tree node sudog 0x%x now links to itself" % s
        c.save(out)
        print("semloop: semtable[%d]: %s" % (i, what))
        return
    sys.exit("craftcore: no semaphore waiter in the core")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "allgs":
        allgs(sys.argv[2], sys.argv[3], int(sys.argv[4], 0), int(sys.argv[5]))
    elif len(sys.argv) == 5 and sys.argv[1] == "semloop":
        semloop(sys.argv[2], sys.argv[3], int(sys.argv[4], 0))
    else:
        sys.exit(__doc__ or "usage: craftcore.py allgs|semloop ...")
