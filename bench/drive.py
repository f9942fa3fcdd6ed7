#!/usr/bin/env python3
"""One throughput run: smtp-source against one server, then wait until the Maildir holds every message.

    drive.py --port PORT --sessions S --size BYTES --messages N [--maildir DIR] [--seconds T] [--per-conn]
             [--timeout SEC]

Prints one JSON object: accepted_s (wall time of smtp-source), delivered_s (from the start until new/ holds
every accepted message), the two rates, and ok. The Maildir's new/ must be empty (or absent) before the run;
the caller empties it between runs. Without --maildir (smtp-sink, which keeps nothing) a message is done at
its 250: the delivered figures are the accepted ones.

--seconds T bounds the run by time as well as by messages: smtp-source is stopped after T seconds if it has
not sent its N messages by then, and the rates are over what was done (the messages whose 250 smtp-source
had counted, from its -c counter, and the time until then; "messages" in the JSON, "capped": true). The
delivery wait that follows is bounded too (T more seconds, at least 10). A stopped session may leave one
message more in the Maildir than was counted (its 250 was on the way; not counted), or one less (counted, not
delivered by the end of the wait: "missing", at most one per session, else the run is not ok). Bounded:
smtp-source and the wait both stop at --timeout.
"""
import argparse, json, os, subprocess, sys, threading, time


def count(d):
    try:
        with os.scandir(d) as it:
            return sum(1 for _ in it)
    except FileNotFoundError:
        return 0


class Counter:
    """Reads smtp-source -c's running counter ("1\\r2\\r..."): the messages whose 250 it has read, and when."""

    def __init__(self, stream, t0):
        self.n, self.at, self.t0 = 0, t0, t0
        self.thread = threading.Thread(target=self.read, args=(stream,), daemon=True)
        self.thread.start()

    def read(self, stream):
        buf = b""
        while True:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                return
            buf += chunk
            *done, buf = buf.split(b"\r")
            if done and done[-1].strip().isdigit():
                self.n, self.at = int(done[-1]), time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maildir", help="alice's new/; none: the server keeps nothing (smtp-sink)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--seconds", type=float, help="stop smtp-source after this long; rates over what was done")
    ap.add_argument("--per-conn", action="store_true", help="smtp-source -d: all messages of a session on one connection")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--smtp-source", default="smtp-source")
    a = ap.parse_args()

    if a.maildir:
        before = count(a.maildir)
        if before:
            sys.exit(f"{a.maildir} holds {before} files before the run")
    cmd = [a.smtp_source, "-c", "-s", str(a.sessions), "-m", str(a.messages), "-l", str(a.size),
           "-M", "client.test", "-f", "bench@client.test", "-t", "alice@example.test"]
    if a.per_conn:
        cmd.append("-d")
    cmd.append(f"127.0.0.1:{a.port}")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    counter = Counter(p.stdout, t0)
    deadline = t0 + a.timeout
    cap = t0 + a.seconds if a.seconds else deadline
    accepted_at = None  # when the last counted 250 arrived
    target = a.messages  # the messages the Maildir must hold: all, or those counted when smtp-source was stopped
    capped = stopped = False
    delivered = None
    n, grew_at = 0, t0  # the Maildir's count, and when it last grew
    next_count = t0
    while True:
        now = time.monotonic()
        if accepted_at is None and p.poll() is not None:
            counter.thread.join(1)
            accepted_at = now
        if accepted_at is None and now > cap:
            p.terminate()
            p.wait()
            counter.thread.join(1)
            # all N counted: only the last QUIT was still on the way, the run was not cut short
            accepted_at, target, stopped, capped = counter.at, counter.n, True, counter.n < a.messages
            deadline = min(deadline, now + max(a.seconds, 10))
        # listing a folder of thousands of files costs CPU the servers need: every 50 ms is enough
        if accepted_at is not None and not a.maildir:
            delivered = accepted_at - t0
        if a.maildir and delivered is None and now >= next_count:
            next_count = now + 0.05
            was, n = n, count(a.maildir)
            if n > was:
                grew_at = time.monotonic()
            if accepted_at is not None and n >= target:
                delivered = time.monotonic() - t0
            elif accepted_at is None and n >= a.messages:
                delivered = time.monotonic() - t0
        if accepted_at is not None and delivered is not None:
            break
        if now > deadline:
            break
        time.sleep(0.005)
    if accepted_at is None:
        p.kill()
    rc = p.wait()
    counter.thread.join(1)
    err = p.stderr.read().decode(errors="replace").strip() if p.stderr else ""
    accepted_n = target if capped else a.messages
    accepted_s = accepted_at - t0 if accepted_at is not None else None
    missing = 0
    if a.maildir:
        time.sleep(0.2)
        final = count(a.maildir)
        if capped and delivered is None and final < accepted_n:
            # counted by smtp-source but not in the Maildir by the end of the wait: seen with Exim, one message in
            # about twenty at 10 sessions, when smtp-source was stopped (Exim's 200 ms before its 221 puts most
            # stopped sessions between the 250 and the 221). Allowed up to one per session, counted and reported;
            # the delivered rate is then over what was delivered, until the last one arrived
            missing = accepted_n - final
            if missing <= a.sessions and final > 0:
                delivered = grew_at - t0
        # a stopped session may have had one more message on the way: its 250 was not counted
        ok = (stopped or rc == 0) and delivered is not None and accepted_n - missing <= final <= accepted_n + (a.sessions if stopped else 0)
    else:
        final = None
        ok = (stopped or rc == 0) and accepted_s is not None
    ok = ok and accepted_n > 0
    print(json.dumps({
        "ok": ok, "rc": rc, "stderr": err[-300:], "messages": accepted_n, "asked": a.messages, "capped": capped,
        "final_count": final, "missing": missing, "accepted_s": accepted_s, "delivered_s": delivered,
        "accepted_rate": accepted_n / accepted_s if accepted_s and accepted_n else None,
        "delivered_rate": (accepted_n - missing) / delivered if delivered and accepted_n > missing else None,
    }))


if __name__ == "__main__":
    main()
