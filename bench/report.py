#!/usr/bin/env python3
"""Turns bench/run.sh's results.jsonl into the Markdown tables of bench/RESULTS.md (medians over runs)."""
import json, statistics, sys
from collections import defaultdict


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def f0(x):
    return "—" if x is None else f"{x:.0f}"


def ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}×"


def main():
    machine, results = sys.argv[1], sys.argv[2]
    rows = [json.loads(l) for l in open(results) if l.strip()]
    print("### Machine\n")
    print("```")
    print(open(machine).read().rstrip())
    print("```\n")

    tp = defaultdict(lambda: defaultdict(list))
    loads = defaultdict(list)
    bad = []
    for r in rows:
        if r["test"] != "throughput" or r["rep"] == 0:
            continue
        res = r["result"]
        key = (r["size"], r["mode"], r["sessions"], res["messages"])
        if not res["ok"]:
            bad.append((r["server"], key, res))
        tp[key][r["server"] + "_acc"].append(res["accepted_rate"] if res["ok"] else None)
        tp[key][r["server"] + "_del"].append(res["delivered_rate"] if res["ok"] else None)
        loads[key].append(float(r["load"].split()[0]))
    if tp:
        print("### Throughput (msgs/s, median of runs; smtp-source, one recipient each)\n")
        print("| size | msgs/conn | sessions | msgs/run | runs | accepted Tern | accepted Postfix | ratio | delivered Tern | delivered Postfix | ratio | load (1 min) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for key in sorted(tp):
            size, mode, s, n = key
            d = tp[key]
            per = "1" if mode == "1" else f"{n // s}"
            ta, pa, td, pd = (med(d["tern_acc"]), med(d["postfix_acc"]), med(d["tern_del"]), med(d["postfix_del"]))
            ls = loads[key]
            print(f"| {'1 KB' if size < 10000 else '100 KB'} | {per} | {s} | {n} | {len(d['tern_acc'])} | {f0(ta)} | {f0(pa)} | {ratio(ta, pa)} "
                  f"| {f0(td)} | {f0(pd)} | {ratio(td, pd)} | {min(ls):.1f}–{max(ls):.1f} |")
        print()
        for srv, key, res in bad:
            print(f"- NOT OK: {srv} {key}: {res}")
        if bad:
            print()

    lat = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["test"] == "latency":
            res = r["result"]
            lat[(r["sessions"], r["server"])]["p50"].append(res["p50_ms"])
            lat[(r["sessions"], r["server"])]["p99"].append(res["p99_ms"])
            lat[(r["sessions"], r["server"])]["n"].append(res["count"])
            lat[(r["sessions"], r["server"])]["err"].append(res["error_count"])
    if lat:
        print("### Latency, end of DATA to the 250 reply (ms, 1 KB messages, median of runs)\n")
        print("| sessions | server | p50 | p99 | samples per run | errors |")
        print("|---|---|---|---|---|---|")
        for (s, srv) in sorted(lat, key=lambda k: (k[0], k[1] != "tern")):
            d = lat[(s, srv)]
            print(f"| {s} | {srv} | {med(d['p50']):.1f} | {med(d['p99']):.1f} | {int(med(d['n']))} | {sum(d['err'])} |")
        print()

    for r in rows:
        if r["test"] == "idle":
            print(f"### Memory\n\n- {r['sessions']} idle sessions (after EHLO), client: `{r['client']}`: Tern RSS "
                  f"{r['rss_before_kb'] / 1024:.0f} MB before, **{r['rss_kb'] / 1024:.0f} MB** with the sessions open; "
                  f"{r['threads']} OS threads; heap: `{r['heap']}` (load {r['load']})")
        if r["test"] == "big":
            res = r["result"]
            print(f"- {res['size'] / 1048576:.0f} MB message with `{r['heap']}`: reply `{res['reply']}`, sent in "
                  f"{res['send_s']:.1f} s, delivered byte-exact: **{res['byte_exact']}**; RSS {r['rss_kb'] / 1024:.0f} MB; "
                  f"OutOfMemoryError in the log: {r['oom_lines']}")
    print()


if __name__ == "__main__":
    main()
