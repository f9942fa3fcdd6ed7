#!/usr/bin/env python3
"""Where the time between the end of DATA and the 250 goes, from Tern's own view (bench/latency-phases.sh).

    bench/latency_phases.py RECORDING.jfr [--client CLIENT.jsonl] [--jfr PATH] [--json]

Reads Tern's flight-recorder events of the recording (docs/operations.md, "Flight recorder events"):
dev.tern.EndOfData, one per message (its phases: content end, checks, spool commit, log line, reply), and
dev.tern.SharedSync, one per fsync wait (queued behind a running fsync, the fsync that covered it, the wake-up);
the JVM's GC pauses, safepoints and compilations in the same window. Prints, for the messages accepted:

- the server's whole (the event's duration) against what the client saw (latency.py's JSON lines, --client);
- each phase's p50, p90, p99, max and share of the time; the spool commit split into the journal's record write
  (CRC, lock, write) and its fsync wait (queued, fsync, wake-up), from the SharedSync event on the same thread
  inside the message's;
- the same phases averaged over the slowest 1% and 10% of messages: what the tail is made of;
- how many messages a GC pause or other safepoint overlapped, and the pauses themselves;
- the fsyncs of other files in the window (delivery's Maildir directory, spool/finished), which share the disk;
- the journal's rotations: each fsync of spool/journal itself (a new journal file's directory entry, or a
  compaction's deletions), how long it took, whether a message's own thread waited for it, and how many messages
  (of all, and of the slowest 1%) it overlapped.

With --json, one JSON object instead of the text.
"""
import argparse
import bisect
import json
import re
import subprocess
import sys
from datetime import datetime, timezone

EVENTS = ["dev.tern.EndOfData", "dev.tern.SharedSync", "jdk.GCPhasePause", "jdk.SafepointBegin",
          "jdk.ExecuteVMOperation", "jdk.Compilation", "jdk.Deoptimization", "jdk.GarbageCollection", "jdk.GCCPUTime",
          "jdk.FileWrite", "jdk.FileForce"]
PHASES = ["contentEnd", "checks", "spool", "logLine", "reply"]
SPOOL_SPLIT = ["write", "queued", "fsync", "wakeUp"]
DUR = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(-?[\d.]+)S)?$")


def ns(text):
    """An ISO-8601 duration of jfr --json ("PT0.000123S") in nanoseconds."""
    if text is None:
        return 0
    m = DUR.match(text)
    if not m:
        raise ValueError("not a duration: %r" % text)
    h, mi, s = m.groups()
    return round(((int(h or 0) * 60 + int(mi or 0)) * 60 + float(s or 0)) * 1e9)


def instant(text):
    """An instant of jfr --json ("2026-12-01T00:53:01.153102065Z") in nanoseconds since the epoch."""
    date, _, frac = text.rstrip("Z").partition(".")
    secs = int(datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
    return secs * 1_000_000_000 + int((frac + "000000000")[:9])


def pct(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))]


def ms(v):
    return None if v is None else round(v / 1e6, 3)


def summary(values):
    s = sorted(values)
    return {"p50": ms(pct(s, 50)), "p90": ms(pct(s, 90)), "p99": ms(pct(s, 99)), "max": ms(s[-1] if s else None),
            "mean": ms(sum(s) / len(s) if s else None)}


def load(path, jfr):
    out = subprocess.run([jfr, "print", "--json", "--events", ",".join(EVENTS), path], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def thread_of(values):
    t = values.get("eventThread") or {}
    return t.get("javaThreadId")


def analyse(events, client):
    msgs, syncs, pauses, safepoints, compiles, deopts, gcs = [], [], [], [], 0, 0, []
    gc_cpu, io = {}, {}
    for e in events:
        v = e["values"]
        start = instant(v["startTime"])
        dur = ns(v.get("duration"))
        t = e["type"]
        if t == "dev.tern.EndOfData":
            m = {"start": start, "end": start + dur, "total": dur, "thread": thread_of(v),
                 "accepted": v.get("accepted"), "id": v.get("queueId")}
            for p in PHASES:
                m[p] = ns(v.get(p))
            msgs.append(m)
        elif t == "dev.tern.SharedSync":
            syncs.append({"start": start, "end": start + dur, "total": dur, "thread": thread_of(v),
                          "file": v.get("file") or "", "leader": v.get("leader"), "covered": v.get("covered"),
                          "queued": ns(v.get("queued")), "fsync": ns(v.get("fsync")), "wakeUp": ns(v.get("wakeUp"))})
        elif t == "jdk.GCPhasePause":
            pauses.append((start, start + dur, v.get("gcId")))
        elif t == "jdk.GCCPUTime":
            gc_cpu[v.get("gcId")] = ns(v.get("userTime")) + ns(v.get("systemTime"))
        elif t in ("jdk.FileWrite", "jdk.FileForce"):
            path = v.get("path") or "(standard output or error)"
            kind = ("journal " if "/spool/journal/" in path else "stdout " if path.startswith("(") else "other ") + (
                "write" if t == "jdk.FileWrite" else "force")
            io.setdefault(thread_of(v), []).append((start, start + dur, kind))
        elif t in ("jdk.SafepointBegin", "jdk.ExecuteVMOperation"):
            if t == "jdk.ExecuteVMOperation" and not v.get("safepoint"):
                continue
            safepoints.append((start, start + dur, v.get("operation") or t))
        elif t == "jdk.Compilation":
            compiles += 1
        elif t == "jdk.Deoptimization":
            deopts += 1
        elif t == "jdk.GarbageCollection":
            gcs.append({"name": v.get("name"), "cause": v.get("cause"), "pauses": ns(v.get("sumOfPauses")),
                        "longest": ns(v.get("longestPause"))})
    accepted = [m for m in msgs if m["accepted"]]
    if not accepted:
        return {"error": "no dev.tern.EndOfData event of an accepted message in the recording"}
    lo = min(m["start"] for m in accepted)
    hi = max(m["end"] for m in accepted)

    # the journal's fsync wait of each message: its thread's SharedSync event on a journal file inside it
    by_thread = {}
    for s in syncs:
        if "/spool/journal/" in s["file"] or "/spool/slots/" in s["file"]:
            by_thread.setdefault(s["thread"], []).append(s)
    for lst in by_thread.values():
        lst.sort(key=lambda s: s["start"])
    matched = 0
    for m in accepted:
        lst = by_thread.get(m["thread"], [])
        i = bisect.bisect_left([s["start"] for s in lst], m["start"])
        s = lst[i] if i < len(lst) and lst[i]["end"] <= m["end"] else None
        if s is None:
            for k in SPOOL_SPLIT:
                m[k] = 0
            m["write"] = m["spool"]
            continue
        matched += 1
        m["queued"], m["fsync"], m["wakeUp"] = s["queued"], s["fsync"], s["wakeUp"]
        m["write"] = max(0, m["spool"] - s["total"]) + max(0, s["total"] - s["queued"] - s["fsync"] - s["wakeUp"])
        m["leader"], m["covered"] = s["leader"], s["covered"]

    def overlapping(spans):
        hit = 0
        for m in accepted:
            if any(a < m["end"] and b > m["start"] for a, b, _ in spans):
                hit += 1
        return hit

    in_window = lambda spans: [x for x in spans if x[1] > lo and x[0] < hi]
    gc_in = in_window(pauses)
    sp_in = in_window(safepoints)
    # fsyncs of the journal's directory: a new file's entry made durable (a rotation), or a compaction's deletions
    dir_syncs = [x for x in syncs if x["file"].endswith("/spool/journal")]
    rot_in = in_window([(x["start"], x["end"], x["thread"]) for x in dir_syncs])
    msg_threads = {m["thread"] for m in accepted}
    result = {
        "messages": len(accepted),
        "refused": len(msgs) - len(accepted),
        "window_s": round((hi - lo) / 1e9, 3),
        "server_total_ms": summary([m["total"] for m in accepted]),
        "phases_ms": {p: summary([m[p] for m in accepted]) for p in PHASES},
        "spool_split_ms": {p: summary([m[p] for m in accepted]) for p in SPOOL_SPLIT},
        "spool_matched": matched,
    }
    total_sum = sum(m["total"] for m in accepted) or 1
    result["share_pct"] = {p: round(100.0 * sum(m[p] for m in accepted) / total_sum, 1)
                           for p in PHASES + SPOOL_SPLIT}
    result["share_pct"]["unaccounted"] = round(
        100.0 * sum(m["total"] - sum(m[p] for p in PHASES) for m in accepted) / total_sum, 1)
    ranked = sorted(accepted, key=lambda m: m["total"])
    for label, frac in (("slowest_1pct", 0.01), ("slowest_10pct", 0.10)):
        tail = ranked[-max(1, int(round(len(ranked) * frac))):]
        result[label] = {"count": len(tail), "total_ms": ms(sum(m["total"] for m in tail) / len(tail))}
        for p in PHASES + SPOOL_SPLIT:
            result[label][p + "_ms"] = ms(sum(m[p] for m in tail) / len(tail))
        result[label]["gc_overlapped"] = sum(1 for m in tail if any(a < m["end"] and b > m["start"] for a, b, _ in gc_in))
        result[label]["safepoint_overlapped"] = sum(
            1 for m in tail if any(a < m["end"] and b > m["start"] for a, b, _ in sp_in))
        result[label]["journal_dir_fsync_overlapped"] = sum(
            1 for m in tail if any(a < m["end"] and b > m["start"] for a, b, _ in rot_in))
    covered = [m["covered"] for m in accepted if m.get("covered")]
    leaders = [m for m in accepted if m.get("leader")]
    result["journal_fsync"] = {
        "messages_per_fsync": round(len(covered) / max(1, len(leaders)), 2) if covered else None,
        "led": len(leaders),
        "rode": len(covered) - len(leaders),
        "waited_behind_a_running_fsync": sum(1 for m in accepted if m.get("queued", 0) > 50_000),
    }
    result["gc"] = {"pauses_in_window": len(gc_in), "pause_ms": summary([b - a for a, b, _ in gc_in]),
                    "cpu_ms": ms(sum(gc_cpu.get(g, 0) for g in {x[2] for x in gc_in})),
                    "messages_overlapped": overlapping(gc_in),
                    "collections": [g for g in gcs][:20]}
    result["safepoints"] = {"in_window": len(sp_in), "ms": summary([b - a for a, b, _ in sp_in]),
                            "messages_overlapped": overlapping(sp_in)}
    result["jit"] = {"compilations": compiles, "deoptimizations": deopts}
    result["journal_dir_fsyncs"] = {
        "in_window": len(rot_in), "ms": summary([b - a for a, b, _ in rot_in]),
        "on_a_session_thread": sum(1 for _, _, t in rot_in if t in msg_threads),
        "messages_overlapped": overlapping(rot_in)}
    others = {}
    for s in syncs:
        if s["start"] < lo or s["end"] > hi or "/spool/journal/" in s["file"]:
            continue
        kind = "spool/finished" if s["file"].endswith("/spool/finished") else (
            "maildir new/" if s["file"].endswith("/new") else "other")
        others.setdefault(kind, []).append(s)
    result["other_fsyncs"] = {k: {"waits": len(v), "fsyncs": sum(1 for s in v if s["leader"]),
                                  "fsync_ms": summary([s["fsync"] for s in v if s["leader"]])}
                              for k, v in others.items()}
    journal_runs = [s["fsync"] for s in syncs if s["leader"] and "/spool/journal/" in s["file"] and lo <= s["start"] <= hi]
    result["journal_fsync"]["fsync_ms"] = summary(journal_runs)
    if io:
        # --detail: the file writes and fsyncs each message's own thread made inside it, by kind
        per = []
        for m in accepted:
            d = {}
            for a, b, kind in io.get(m["thread"], []):
                if a >= m["start"] and b <= m["end"]:
                    d[kind] = d.get(kind, 0) + b - a
            per.append(d)
        kinds = {k for d in per for k in d}
        result["io_in_message_ms"] = {k: summary([d.get(k, 0) for d in per]) for k in kinds}
    if client:
        result["client"] = client
    return result


def text(r):
    if "error" in r:
        return r["error"]
    out = []
    w = out.append

    def row(name, s):
        w("  %-34s %8s %8s %8s %8s %8s" % (name, s["p50"], s["p90"], s["p99"], s["max"], s["mean"]))

    w("%d messages accepted in %.2f s (%d refused)" % (r["messages"], r["window_s"], r["refused"]))
    for c in r.get("client", []):
        w("client (%s): %d samples, p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %s, max %.2f ms; the client's own p99 %s ms" % (
            "latency.c" if c.get("client") == "c" else "latency.py", c.get("count", 0), c.get("p50_ms") or 0,
            c.get("p90_ms") or 0, c.get("p99_ms") or 0, c.get("p999_ms", "—"), c.get("max_ms") or 0,
            c.get("client_wake_p99_ms", "—")))
    w("  %-34s %8s %8s %8s %8s %8s" % ("ms", "p50", "p90", "p99", "max", "mean"))
    row("server: end of data -> 250 written", r["server_total_ms"])
    for p in PHASES:
        row("  " + p + " (%s%%)" % r["share_pct"][p], r["phases_ms"][p])
    for p in SPOOL_SPLIT:
        row("    spool: " + p + " (%s%%)" % r["share_pct"][p], r["spool_split_ms"][p])
    row("  journal fsyncs run (each)", r["journal_fsync"]["fsync_ms"])
    for k, v in r["other_fsyncs"].items():
        row("  %s fsyncs run (%d)" % (k, v["fsyncs"]), v["fsync_ms"])
    j = r["journal_fsync"]
    w("journal: %s messages per fsync (%d led, %d rode); %d waited behind a running fsync; %d of %d matched" % (
        j["messages_per_fsync"], j["led"], j["rode"], j["waited_behind_a_running_fsync"], r["spool_matched"],
        r["messages"]))
    for label in ("slowest_1pct", "slowest_10pct"):
        t = r[label]
        w("%s (%d): total %s ms = %s; GC-overlapped %d, safepoint-overlapped %d, journal-directory-fsync-overlapped %d" % (
            label, t["count"], t["total_ms"],
            ", ".join("%s %s" % (p, t[p + "_ms"]) for p in PHASES + SPOOL_SPLIT), t["gc_overlapped"],
            t["safepoint_overlapped"], t["journal_dir_fsync_overlapped"]))
    g = r["gc"]
    for k, v in sorted(r.get("io_in_message_ms", {}).items()):
        row("  in the message: " + k, v)
    w("GC pauses in the window: %d (p50 %s, max %s ms; GC CPU %s ms), overlapping %d messages" % (
        g["pauses_in_window"], g["pause_ms"]["p50"], g["pause_ms"]["max"], g["cpu_ms"], g["messages_overlapped"]))
    s = r["safepoints"]
    w("safepoints in the window: %d (p50 %s, max %s ms), overlapping %d messages" % (
        s["in_window"], s["ms"]["p50"], s["ms"]["max"], s["messages_overlapped"]))
    w("JIT in the recording: %d compilations, %d deoptimizations" % (r["jit"]["compilations"],
                                                                      r["jit"]["deoptimizations"]))
    d = r["journal_dir_fsyncs"]
    w("journal directory fsyncs (rotations, compactions) in the window: %d (p50 %s, max %s ms), %d of them on a"
      " session's thread (a 250 waited for it), overlapping %d messages" % (
          d["in_window"], d["ms"]["p50"], d["ms"]["max"], d["on_a_session_thread"], d["messages_overlapped"]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--client", help="latency.py's JSON output, one line per run")
    ap.add_argument("--jfr", default="jfr")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    client = []
    if a.client:
        with open(a.client) as f:
            client = [json.loads(line) for line in f if line.strip()]
    r = analyse(load(a.recording, a.jfr), client)
    print(json.dumps(r) if a.json else text(r))
    return 1 if "error" in r else 0


if __name__ == "__main__":
    sys.exit(main())
