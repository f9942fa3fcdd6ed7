#!/usr/bin/env python3
"""Sends one large message (default 50 MB) and checks that it is delivered byte-exact.

    bigmsg.py --port PORT --maildir DIR [--mb 50]

The content is generated (76-octet lines, none starting with '.', so no dot-stuffing is needed), streamed
with DATA, and must come out as the tail of exactly one new file in DIR (the server puts its trace headers in
front). Prints JSON with the send time, the reply and whether the stored copy matches (SHA-256).
"""
import argparse, hashlib, json, os, socket, sys, time


def content(mb):
    head = b"From: <bench@client.test>\r\nTo: <alice@example.test>\r\nSubject: big\r\n\r\n"
    yield head
    total = len(head)
    i = 0
    target = mb * 1024 * 1024
    while total < target:
        line = b"%010d abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\r\n" % i
        block = line * 1
        i += 1
        total += len(block)
        yield block


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    s = socket.create_connection(("127.0.0.1", a.port), 30)
    s.settimeout(120)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise ConnectionError("closed")
            if line[3:4] != b"-":
                return line.decode().strip()

    assert reply().startswith("220")
    for cmd, want in ((b"EHLO big.client.test\r\n", "250"), (b"MAIL FROM:<bench@client.test> SIZE=60000000\r\n", "250"),
                      (b"RCPT TO:<alice@example.test>\r\n", "250"), (b"DATA\r\n", "354")):
        s.sendall(cmd)
        r = reply()
        if not r.startswith(want):
            sys.exit(f"{cmd!r} -> {r}")
    h = hashlib.sha256()
    size = 0
    buf = []
    t0 = time.monotonic()
    for chunk in content(a.mb):
        h.update(chunk)
        size += len(chunk)
        buf.append(chunk)
        if len(buf) >= 4096:
            s.sendall(b"".join(buf))
            buf = []
    s.sendall(b"".join(buf) + b".\r\n")
    r = reply()
    sent_s = time.monotonic() - t0
    s.sendall(b"QUIT\r\n")
    s.close()
    want = h.hexdigest()
    deadline = time.monotonic() + a.timeout
    match = False
    found = None
    while time.monotonic() < deadline and r.startswith("250"):
        files = os.listdir(a.maildir) if os.path.isdir(a.maildir) else []
        if files:
            time.sleep(0.5)
            files = os.listdir(a.maildir)
            found = os.path.join(a.maildir, files[0])
            fsize = os.path.getsize(found)
            g = hashlib.sha256()
            with open(found, "rb") as fh:
                fh.seek(fsize - size)
                while True:
                    b = fh.read(1 << 20)
                    if not b:
                        break
                    g.update(b)
            match = len(files) == 1 and g.hexdigest() == want
            break
        time.sleep(0.2)
    print(json.dumps({"size": size, "reply": r, "send_s": sent_s, "delivered_file": found, "byte_exact": match}))
    return 0 if match else 1


if __name__ == "__main__":
    sys.exit(main())
