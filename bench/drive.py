#!/usr/bin/env python3
"""One throughput run: smtp-source against one server, then wait until the Maildir holds every message.

    drive.py --maildir DIR --port PORT --sessions S --size BYTES --messages N [--per-conn] [--timeout SEC]

Prints one JSON object: accepted_s (wall time of smtp-source), delivered_s (from the start until new/ holds N
files), the two rates, and ok. The Maildir's new/ must be empty (or absent) before the run; the caller empties
it between runs. Bounded: smtp-source and the wait both stop at --timeout.
"""
import argparse, json, os, subprocess, sys, time


def count(d):
    try:
        with os.scandir(d) as it:
            return sum(1 for _ in it)
    except FileNotFoundError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--per-conn", action="store_true", help="smtp-source -d: all messages of a session on one connection")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--smtp-source", default="smtp-source")
    a = ap.parse_args()

    before = count(a.maildir)
    if before:
        sys.exit(f"{a.maildir} holds {before} files before the run")
    cmd = [a.smtp_source, "-s", str(a.sessions), "-m", str(a.messages), "-l", str(a.size),
           "-M", "client.test", "-f", "bench@client.test", "-t", "alice@example.test"]
    if a.per_conn:
        cmd.append("-d")
    cmd.append(f"127.0.0.1:{a.port}")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + a.timeout
    accepted = None
    delivered = None
    n = 0
    next_count = t0
    while True:
        now = time.monotonic()
        if accepted is None and p.poll() is not None:
            accepted = now - t0
        # listing a folder of thousands of files costs CPU the servers need: every 50 ms is enough
        if delivered is None and now >= next_count:
            next_count = now + 0.05
            n = count(a.maildir)
            if n >= a.messages:
                delivered = time.monotonic() - t0
        if accepted is not None and delivered is not None:
            break
        if now > deadline:
            break
        time.sleep(0.005)
    if accepted is None:
        p.kill()
    err = p.stderr.read().decode(errors="replace").strip() if p.stderr else ""
    rc = p.wait()
    time.sleep(0.2)
    final = count(a.maildir)
    ok = rc == 0 and delivered is not None and final == a.messages
    print(json.dumps({
        "ok": ok, "rc": rc, "stderr": err[-300:], "messages": a.messages, "final_count": final,
        "accepted_s": accepted, "delivered_s": delivered,
        "accepted_rate": a.messages / accepted if accepted else None,
        "delivered_rate": a.messages / delivered if delivered else None,
    }))


if __name__ == "__main__":
    main()
