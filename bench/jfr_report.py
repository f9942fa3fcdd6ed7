#!/usr/bin/env python3
"""Per-message costs from a JFR recording of Tern under load (bench/run.sh --only profile).

    bench/jfr_report.py RECORDING.jfr MESSAGES CPU_SECONDS [--jfr PATH] [--top 10]

CPU_SECONDS is the process's user + system CPU time over the recording (from /proc, by the caller). Bytes
allocated per message are counted from the heap (alloc_bytes_per_msg): the caller runs a full GC
(`jcmd GC.run`) at each end of the run, and every byte allocated in between is the heap's growth from the
end of one collection to the start of the next (jdk.GCHeapSummary), summed from the first of those two
collections to the last; without them (an older recording) it is null. The sum of the weights of
jdk.ObjectAllocationSample is JFR's estimate of the same (alloc_sampled_bytes_per_msg; each sample stands
for the bytes its thread allocated since its previous sample, so the sites' shares are rough, and the total
came out 2 to 3 times the heap's count here). Prints one JSON line on stdout first ({"messages",
"cpu_ms_per_msg", "alloc_bytes_per_msg", "alloc_sampled_bytes_per_msg", "alloc_sites", "cpu_methods"}), then
the same as text: the top allocation sites (the allocating frame and its caller, by estimated bytes) and the
top CPU methods (the top frame of jdk.ExecutionSample, by samples).
"""
import argparse
import collections
import json
import os
import subprocess
import sys


def frames(event):
    st = event["values"].get("stackTrace") or {}
    return st.get("frames") or []


def name(frame):
    m = frame.get("method") or {}
    t = (m.get("type") or {}).get("name", "?")
    return "%s.%s:%s" % (t.rsplit(".", 1)[-1].replace("/", "."), m.get("name", "?"), frame.get("lineNumber", "?"))


def heap_allocated(events):
    """Bytes allocated between the first and the last full GC run by jcmd (cause "Diagnostic Command"), or None."""
    before, after, cause = {}, {}, {}
    for e in events:
        v = e["values"]
        if e["type"] == "jdk.GCHeapSummary":
            (before if v.get("when") == "Before GC" else after)[v["gcId"]] = v["heapUsed"]
        elif e["type"] == "jdk.GarbageCollection":
            cause[v["gcId"]] = v.get("cause")
    ends = sorted(g for g, c in cause.items() if c == "Diagnostic Command" and g in before and g in after)
    if len(ends) < 2:
        return None
    total, prev = 0, after[ends[0]]
    for g in sorted(g for g in before if ends[0] < g <= ends[-1]):
        if g not in after:
            return None
        total += before[g] - prev
        prev = after[g]
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("messages", type=int)
    ap.add_argument("cpu_seconds", type=float)
    ap.add_argument("--jfr", default=os.path.join(os.path.dirname(sys.executable), "jfr"))
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    out = subprocess.run([a.jfr, "print", "--json", "--stack-depth", "3", "--events",
                          "jdk.ObjectAllocationSample,jdk.ExecutionSample,jdk.GCHeapSummary,jdk.GarbageCollection", a.recording],
                         check=True, capture_output=True).stdout
    events = json.loads(out)["recording"]["events"]
    alloc_total = 0
    sites = collections.Counter()
    cpu = collections.Counter()
    samples = 0
    for e in events:
        if e["type"] == "jdk.ObjectAllocationSample":
            w = e["values"].get("weight", 0)
            alloc_total += w
            fr = frames(e)
            cls = ((e["values"].get("objectClass") or {}).get("name") or "?").rsplit(".", 1)[-1]
            where = " < ".join(name(f) for f in fr[:2]) if fr else "?"
            sites["%s (%s)" % (where, cls)] += w
        elif e["type"] == "jdk.ExecutionSample":
            fr = frames(e)
            if fr:
                cpu[name(fr[0])] += 1
                samples += 1
    n = max(1, a.messages)
    heap = heap_allocated(events)
    result = {
        "messages": a.messages,
        "cpu_ms_per_msg": round(a.cpu_seconds * 1000 / n, 3),
        "alloc_bytes_per_msg": None if heap is None else round(heap / n),
        "alloc_sampled_bytes_per_msg": round(alloc_total / n),
        "alloc_sites": [[s, round(w / n)] for s, w in sites.most_common(a.top)],
        "cpu_methods": [[m, round(100 * c / max(1, samples), 1)] for m, c in cpu.most_common(a.top)],
    }
    print(json.dumps(result))
    heap_kb = "?" if heap is None else "%.0f" % (result["alloc_bytes_per_msg"] / 1024)
    print("%d messages: %.2f ms CPU and %s KB allocated per message (JFR's samples: %.0f KB)" %
          (a.messages, result["cpu_ms_per_msg"], heap_kb, result["alloc_sampled_bytes_per_msg"] / 1024))
    print("top allocation sites (sampled bytes per message, allocating frame < caller (class)):")
    for s, w in result["alloc_sites"]:
        print("  %9d  %s" % (w, s))
    print("top CPU methods (%% of %d execution samples, top frame):" % samples)
    for m, p in result["cpu_methods"]:
        print("  %5.1f%%  %s" % (p, m))


main()
