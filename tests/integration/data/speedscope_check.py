# speedscope_check.py FILE PID W1 W2 - checks a holdup speedscope file against the structure the
# speedscope file format requires (jlfwong/speedscope src/lib/file-format-spec.ts, whose JSON schema
# is https://www.speedscope.app/file-format-schema.json), then what holdup promises on top.
import json, sys

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
UNITS = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"}


def num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_file(j):
    assert isinstance(j, dict), "top level is an object"
    for k in ("$schema", "shared", "profiles"):
        assert k in j, "required " + k
    assert j["$schema"] == SCHEMA, j["$schema"]
    if "name" in j: assert isinstance(j["name"], str)
    if "exporter" in j: assert isinstance(j["exporter"], str)
    if "activeProfileIndex" in j: assert num(j["activeProfileIndex"])
    frames = j["shared"]["frames"]
    assert isinstance(frames, list) and frames, "shared.frames"
    for f in frames:
        assert isinstance(f.get("name"), str), f
        if "file" in f: assert isinstance(f["file"], str)
        if "line" in f: assert num(f["line"])
        if "col" in f: assert num(f["col"])
        assert set(f) <= {"name", "file", "line", "col"}, f
    assert isinstance(j["profiles"], list) and j["profiles"]
    for p in j["profiles"]:
        assert p["type"] == "evented", p["type"]
        for k in ("name", "unit", "startValue", "endValue", "events"):
            assert k in p, "profile requires " + k
        assert isinstance(p["name"], str) and p["unit"] in UNITS
        assert num(p["startValue"]) and num(p["endValue"]) and p["startValue"] <= p["endValue"]
        stack, last = [], p["startValue"]
        for e in p["events"]:
            assert set(e) == {"type", "at", "frame"} and e["type"] in ("O", "C"), e
            assert num(e["at"]) and isinstance(e["frame"], int) and 0 <= e["frame"] < len(frames), e
            assert last <= e["at"] <= p["endValue"], ("events in time order", last, e)
            last = e["at"]
            if e["type"] == "O":
                stack.append(e["frame"])
            else:
                assert stack and stack[-1] == e["frame"], ("balanced close", p["name"], e)
                stack.pop()
        assert not stack, ("every opened frame closed", p["name"])
    return frames


j = json.load(open(sys.argv[1]))
frames = check_file(j)
pid, w1, w2 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
names = {p["name"].split('"')[0].strip(): p for p in j["profiles"]}
for tid in (pid, w1, w2):
    assert "Thread %d" % tid in names, ("a profile per thread", tid, list(names))
print("profiles per thread ok")
fn = {f["name"]: f for f in frames}
assert "worker" in fn and fn["worker"].get("file", "").endswith("rec_hang.c") and fn["worker"].get("line", 0) > 0, fn.get("worker")
prof = names["Thread %d" % w1]
opened = {frames[e["frame"]]["name"] for e in prof["events"] if e["type"] == "O"}
assert "worker" in opened and "start_thread" in opened, opened
print("functions ok")
# the root frame of each moment is the thread's state: find when each worker's last
# "blocked" stretch began; at least one began after the recording started, and the worker ends
# its recording blocked on a mutex (the deadlock)
began = []
for tid in (w1, w2):
    prof = names["Thread %d" % tid]
    roots = [e for e in prof["events"] if e["type"] == "O" and frames[e["frame"]]["name"] in
             ("running", "runnable", "blocked", "waiting", "sleeping", "io", "disk", "stopped", "dead", "unknown")]
    assert roots and frames[roots[-1]["frame"]]["name"] == "blocked", (tid, [frames[r["frame"]]["name"] for r in roots])
    leaf = [frames[e["frame"]]["name"] for e in prof["events"] if e["type"] == "O"][-1]
    assert leaf.startswith("[mutex "), leaf
    began.append(roots[-1]["at"])
assert max(began) > 0, began
print("began waiting ok", began)
