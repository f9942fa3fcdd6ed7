#!/usr/bin/env python3
"""Per-message costs from a JFR recording of Tern under load (bench/run.sh --only profile).

    bench/jfr_report.py RECORDING.jfr MESSAGES CPU_SECONDS [--jfr PATH] [--top 10]

CPU_SECONDS is the process's user + system CPU time over the recording (from /proc, by the caller). Bytes
allocated are the sum of the weights of jdk.ObjectAllocationSample (JFR's estimate of all allocation, each
sample standing for the bytes allocated since the previous one on that thread). Prints one JSON line on
stdout first ({"messages", "cpu_ms_per_msg", "alloc_bytes_per_msg", "alloc_sites", "cpu_methods"}), then
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("messages", type=int)
    ap.add_argument("cpu_seconds", type=float)
    ap.add_argument("--jfr", default=os.path.join(os.path.dirname(sys.executable), "jfr"))
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    out = subprocess.run([a.jfr, "print", "--json", "--stack-depth", "3", "--events",
                          "jdk.ObjectAllocationSample,jdk.ExecutionSample", a.recording],
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
    result = {
        "messages": a.messages,
        "cpu_ms_per_msg": round(a.cpu_seconds * 1000 / n, 3),
        "alloc_bytes_per_msg": round(alloc_total / n),
        "alloc_sites": [[s, round(w / n)] for s, w in sites.most_common(a.top)],
        "cpu_methods": [[m, round(100 * c / max(1, samples), 1)] for m, c in cpu.most_common(a.top)],
    }
    print(json.dumps(result))
    print("%d messages: %.2f ms CPU and %.0f KB allocated per message" %
          (a.messages, result["cpu_ms_per_msg"], result["alloc_bytes_per_msg"] / 1024))
    print("top allocation sites (bytes per message, allocating frame < caller (class)):")
    for s, w in result["alloc_sites"]:
        print("  %9d  %s" % (w, s))
    print("top CPU methods (%% of %d execution samples, top frame):" % samples)
    for m, p in result["cpu_methods"]:
        print("  %5.1f%%  %s" % (p, m))


main()
