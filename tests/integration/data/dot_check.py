# dot_check.py DOT JSON - holdup's wait-for graph against the same snapshot's JSON: a node per
# involved thread and per lock, waiter -> lock -> holder edges, the deadlock cycle's edges marked.
import json, re, sys

dot = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
nodes = dict(re.findall(r'^  ([tlux][0-9_]+) \[(.*)\];$', dot, re.M))
edges = {(a, b): attr for a, b, attr in re.findall(r'^  ([tlgux][0-9_]+) -> ([tlgux][0-9_]+) \[(.*)\];$', dot, re.M)}
held = {h for l in j["locks"] for h in l["holders"]}
waiting = {t["tid"] for t in j["threads"] if t["wait"] and t["wait"].get("address") and t["wait"]["kind"] not in ("syscall",)}
involved = held | waiting
tnodes = {int(k[1:]) for k in nodes if k[0] == "t"}
assert tnodes == involved, (tnodes, involved)
lnodes = [k for k in nodes if k[0] == "l"]
assert len(lnodes) == len(j["locks"]), (len(lnodes), len(j["locks"]))
byaddr = {}
for k in lnodes:
    m = re.search(r'\\n(0x[0-9a-f]+)"', nodes[k])
    byaddr[m.group(1)] = k
for t in j["threads"]:
    if t["tid"] in waiting:
        assert ("t%d" % t["tid"], byaddr[t["wait"]["address"]]) in edges, t["tid"]
for l in j["locks"]:
    for h in l["holders"]:
        assert (byaddr[l["address"]], "t%d" % h) in edges, (l["address"], h)
print("nodes ok", len(tnodes), len(lnodes))
want = set()
for d in j["deadlocks"]:
    n = len(d["threads"])
    for i in range(n):
        lk = byaddr[d["locks"][i]]
        want.add(("t%d" % d["threads"][i], lk))
        want.add((lk, "t%d" % d["threads"][(i + 1) % n]))
red = {e for e, a in edges.items() if "color=red" in a and "bold" in a}
assert want and red == want, (red, want)
print("cycle ok")
