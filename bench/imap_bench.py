#!/usr/bin/env python3
"""IMAP side by side (driven by bench/imap.sh).

  imap_bench.py generate MAILDIR N
      writes N messages into MAILDIR/cur (seeded, the same every run): 70% text/plain of 1 to 4 KB,
      20% multipart/alternative, 10% multipart/mixed with a 16 KB base64 attachment; one in a hundred has
      the word "zyzzyva" in its text; a third \\Seen, one in twenty \\Flagged; mtimes spread over 100 days.
  imap_bench.py run --name NAME --port PORT --user U --password P [--pid PID] [--smtp PORT | --maildir DIR]
                    [--rounds R]
      measures one server (already started, its folder never opened): LOGIN+SELECT INBOX, FETCH 1:*
      (FLAGS ENVELOPE) and SEARCH BODY "zyzzyva", first in the first session after the start ("first
      open") and then in R new sessions ("opened", median); then IDLE push latency: from the end of a
      delivery to the untagged EXISTS, over 10 deliveries (--smtp: the time the SMTP 250 is read; --maildir:
      a file written in tmp/ and renamed into new/, as a Maildir delivery agent does, the time of the
      rename). With --pid, also the CPU seconds the server (PID and the processes under it) used for each
      command, which a machine loaded by other work distorts much less than the wall time. Prints one JSON
      object.
"""
import json
import os
import random
import re
import smtplib
import socket
import statistics
import sys
import threading
import time

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an "
         "they you were her she there been one all we their has would when if more will out up into do no time "
         "mail server folder message quarterly report meeting agenda budget project review draft").split()


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def text_lines(rng, octets, needle):
    lines, size = [], 0
    while size < octets:
        line = words(rng, 12)
        lines.append(line)
        size += len(line) + 2
    if needle:
        lines.insert(rng.randrange(len(lines)), "a rare word: zyzzyva")
    return "\r\n".join(lines) + "\r\n"


def message(i, rng):
    needle = i % 100 == 7
    date = 1_760_000_000 + i * 864
    head = ("Date: %s\r\nFrom: \"Sender %d\" <sender%d@example.org>\r\nTo: alice@example.test\r\n"
            "Subject: %s %d\r\nMessage-ID: <bench-%d@example.org>\r\nMIME-Version: 1.0\r\n"
            % (time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(date)), i % 97, i % 97,
               words(rng, 5), i, i))
    kind = rng.random()
    if kind < 0.7:
        body = text_lines(rng, rng.randrange(1000, 4000), needle)
        msg = head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    elif kind < 0.9:
        t = text_lines(rng, rng.randrange(800, 2000), needle)
        msg = (head + "Content-Type: multipart/alternative; boundary=\"alt%d\"\r\n\r\n--alt%d\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--alt%d\r\nContent-Type: text/html; "
               "charset=utf-8\r\n\r\n<p>%s</p>\r\n--alt%d--\r\n" % (i, i, t, i, t, i))
    else:
        t = text_lines(rng, rng.randrange(500, 1500), needle)
        blob = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                       for _ in range(16384))
        att = "\r\n".join(blob[k:k + 76] for k in range(0, len(blob), 76))
        msg = (head + "Content-Type: multipart/mixed; boundary=\"mix%d\"\r\n\r\n--mix%d\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--mix%d\r\nContent-Type: application/pdf; "
               "name=\"r%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
               "filename=\"r%d.pdf\"\r\n\r\n%s\r\n--mix%d--\r\n" % (i, i, t, i, i, i, att, i))
    flags = ("F" if i % 20 == 3 else "") + ("S" if i % 3 == 0 else "")
    return msg.encode(), date, flags


def generate(maildir, n):
    rng = random.Random(14)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for i in range(n):
        data, date, flags = message(i, rng)
        name = "%d.M%dP14.bench,S=%d:2,%s" % (date, i, len(data), flags)
        path = os.path.join(maildir, "cur", name)
        with open(path, "wb") as fh:
            fh.write(data)
        os.utime(path, (date, date))


class Imap:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300)
        self.f = self.sock.makefile("rb")
        self.n = 0
        self.f.readline()

    def cmd(self, text):
        """Sends a command; returns (untagged responses, tagged status) once the tagged line is read."""
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("closed")
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                line += self.f.read(int(m.group(1))) + self.f.readline()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError("%s: %r" % (text, line))
                return untagged, line
            untagged.append(line)


def cpu_seconds(root):
    """CPU time (user and system) used so far by process root and every process under it (Dovecot runs a
    process per session), from /proc; 0 without a root."""
    if not root:
        return 0.0
    children, times = {}, {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fh:
                    f = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(f[1]), []).append(int(d))
            times[int(d)] = int(f[11]) + int(f[12])
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += times.get(p, 0)
        todo += children.get(p, [])
    return total / os.sysconf("SC_CLK_TCK")


def timed(c, text, pid, cpu):
    """Runs a command; returns (wall seconds, untagged) and records the server's CPU seconds in cpu[text]."""
    before = cpu_seconds(pid)
    t = time.perf_counter()
    untagged, _ = c.cmd(text)
    wall = time.perf_counter() - t
    cpu[text] = cpu_seconds(pid) - before
    return wall, untagged


def one_round(port, user, password, pid=None):
    c = Imap(port)
    c.cmd('LOGIN "%s" "%s"' % (user, password))
    r, cpu = {}, {}
    r["select"], untagged = timed(c, "SELECT INBOX", pid, cpu)
    exists = [int(l.split()[1]) for l in untagged if l.endswith(b" EXISTS\r\n")]
    r["fetch"], untagged = timed(c, "FETCH 1:* (FLAGS ENVELOPE)", pid, cpu)
    fetched = sum(1 for l in untagged if b" FETCH " in l)
    r["search"], untagged = timed(c, 'SEARCH BODY "zyzzyva"', pid, cpu)
    for k, text in (("select_cpu", "SELECT INBOX"), ("fetch_cpu", "FETCH 1:* (FLAGS ENVELOPE)"),
                    ("search_cpu", 'SEARCH BODY "zyzzyva"')):
        r[k] = cpu[text]
    found = sum(len(l.split()) - 2 for l in untagged if l.startswith(b"* SEARCH"))
    c.cmd("LOGOUT")
    return r, {"exists": exists[0] if exists else None, "fetched": fetched, "found": found}


def idle_latency(port, user, password, smtp_port, maildir, samples=10):
    c = Imap(port)
    c.cmd('LOGIN "%s" "%s"' % (user, password))
    c.cmd("SELECT INBOX")
    c.n += 1
    c.sock.sendall(b"b%d IDLE\r\n" % c.n)
    if not c.f.readline().startswith(b"+"):
        raise RuntimeError("IDLE refused")
    seen = []
    cond = threading.Condition()

    def reader():
        while True:
            line = c.f.readline()
            if not line:
                return
            if line.endswith(b" EXISTS\r\n"):
                with cond:
                    seen.append(time.perf_counter())
                    cond.notify_all()

    threading.Thread(target=reader, daemon=True).start()
    smtp = smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) if smtp_port else None
    out = []
    rng = random.Random(2177)
    for k in range(samples):
        data, _, _ = message(100_000 + k, rng)
        with cond:
            before = len(seen)
        if smtp:
            smtp.sendmail("bench@example.org", ["alice@example.test"], data)  # returns once the 250 is read
            t0 = time.perf_counter()
        else:
            name = "%d.M%dP14.benchidle" % (time.time(), k)
            tmp = os.path.join(maildir, "tmp", name)
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.rename(tmp, os.path.join(maildir, "new", name))
            t0 = time.perf_counter()
        with cond:
            if not cond.wait_for(lambda: len(seen) > before, timeout=60):
                raise RuntimeError("no EXISTS within 60 s of delivery %d" % k)
            out.append(max(0.0, seen[before] - t0))
        time.sleep(0.3)  # let the server settle between deliveries
    if smtp:
        smtp.quit()
    c.sock.sendall(b"DONE\r\n")
    c.sock.close()
    return out


def main():
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
        return 0
    args = sys.argv[2:]
    opt = {}
    while args:
        key = args.pop(0)
        opt[key] = args.pop(0)
    port = int(opt["--port"])
    rounds = int(opt.get("--rounds", "5"))
    pid = int(opt["--pid"]) if "--pid" in opt else None
    first, check = one_round(port, opt["--user"], opt["--password"], pid)
    later = [one_round(port, opt["--user"], opt["--password"], pid)[0] for _ in range(rounds)]
    opened = {k: statistics.median(r[k] for r in later) for k in first}
    idle = idle_latency(port, opt["--user"], opt["--password"], int(opt["--smtp"]) if "--smtp" in opt else None,
                        opt.get("--maildir"))
    print(json.dumps({"server": opt["--name"], "first": first, "opened": opened, "check": check,
                      "idle_median": statistics.median(idle), "idle_max": max(idle), "idle": idle}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
