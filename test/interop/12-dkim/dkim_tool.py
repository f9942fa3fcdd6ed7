#!/usr/bin/python3
"""dkimpy's side of the 12-dkim scenario (Debian's python3-dkim, python3-nacl, python3-dnspython).

  dkim_tool.py dnsmasq-args < zone lines     -> one --txt-record=... argument per zone line
  dkim_tool.py keygen DIR DOMAIN SELECTOR    -> DIR/SELECTOR.pem (RSA-2048) and DIR/SELECTOR-ed.key (Ed25519
                                                seed, base64, as dkimpy wants it); prints their zone lines
  dkim_tool.py message KIND FILE             -> a test message (plain, 8bit, folded, big = 10 MB), CRLF
  dkim_tool.py sign FILE DOMAIN SELECTOR KEY ALGORITHM CANON > signed
  dkim_tool.py verify PORT FILE N            -> dkimpy verifies every signature with keys from the DNS server
                                                on 127.0.0.1:PORT; exit 0 when there are N and all pass
  dkim_tool.py submit PORT USER PASSWORD FILE RCPT
                                             -> submits FILE to 127.0.0.1:PORT: STARTTLS, AUTH, BODY=8BITMIME
  dkim_tool.py sink PORT DIR                 -> an SMTP sink on 127.0.0.1:PORT (offering 8BITMIME) and
                                                127.0.0.2:PORT (not offering it); writes each message's octets,
                                                dot-unstuffed, to DIR/N.eml and its MAIL command to DIR/N.mail
"""
import base64
import os
import smtplib
import socketserver
import ssl
import subprocess
import sys
import threading

import dkim
import dns.resolver
import nacl.signing


def dnsmasq_args():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        name, rest = line.split(" IN TXT ", 1)
        strings = [s for s in rest.split('"') if s.strip()]
        # on the command line dnsmasq takes quotes literally: each comma-separated part is one string
        print("--txt-record=" + name.rstrip(".") + "," + ",".join(strings))


def zone_line(name, text):
    parts = [text[i:i + 255] for i in range(0, len(text), 255)]
    return "%s. IN TXT %s" % (name, " ".join('"%s"' % p for p in parts))


def keygen(directory, domain, selector):
    pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], check=True, capture_output=True).stdout
    with open("%s/%s.pem" % (directory, selector), "wb") as f:
        f.write(pem)
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem, check=True,
                         capture_output=True).stdout
    print(zone_line("%s._domainkey.%s" % (selector, domain),
                    "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()))
    key = nacl.signing.SigningKey.generate()
    with open("%s/%s-ed.key" % (directory, selector), "wb") as f:
        f.write(base64.b64encode(bytes(key)))
    print(zone_line("%s-ed._domainkey.%s" % (selector, domain),
                    "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(key.verify_key)).decode()))


def message(kind, path):
    head = [
        "From: Alice Example <alice@example.test>",
        "To: Bob <bob@example.net>",
        "Subject: %s message" % kind,
        "Date: Mon, 30 Nov 2026 12:00:00 +0000",
        "Message-ID: <%s.1@example.test>" % kind,
        "MIME-Version: 1.0",
    ]
    if kind == "8bit":
        head += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = "Gr\u00fc\u00dfe aus K\u00f6ln,  \u00e9t\u00e9 \u2014 \u65e5\u672c\u8a9e\t \r\n\r\nZweite Zeile.\r\n\r\n\r\n"
    elif kind == "folded":
        head[1] = "To: Bob <bob@example.net>,\r\n  Carol <carol@example.net>,\r\n\tDave <dave@example.net>"
        head[2] = ("Subject: a subject long enough to be folded over more than one line, as mail clients\r\n"
                   "   do it,\r\n\twith tabs and spaces")
        head.append("References: <a@example.test>\r\n <b@example.test>\r\n <c@example.test>")
        head.append("Cc: Eve <eve@example.net>")
        body = "Folded headers.\r\n  Indented line with trailing spaces   \r\n.leading dot\r\n"
    elif kind == "big":
        head.append("Content-Type: text/plain; charset=us-ascii")
        line = "0123456789 abcdefghijklmnopqrstuvwxyz  ABCDEFGHIJKLMNOPQRSTUVWXYZ \t0123456789\r\n"
        body = line * (10 * 1024 * 1024 // len(line) + 1)
    else:
        body = "Hello Bob.\r\n\r\nA plain message.\r\n"
    with open(path, "wb") as f:
        f.write(("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8"))


def sign(path, domain, selector, keyfile, algorithm, canon):
    with open(path, "rb") as f:
        msg = f.read()
    with open(keyfile, "rb") as f:
        key = f.read()
    c = tuple(x.encode() for x in canon.split("/"))
    sig = dkim.sign(msg, selector.encode(), domain.encode(), key, canonicalize=c,
                    signature_algorithm=algorithm.encode(),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    sys.stdout.buffer.write(sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + msg)


def verify(port, path, want):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = int(port)

    def dnsfunc(name, timeout=5):
        answer = resolver.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
        return b"".join(answer[0].strings)

    with open(path, "rb") as f:
        msg = f.read()
    d = dkim.DKIM(msg)
    header = msg.split(b"\r\n\r\n", 1)[0]
    n = sum(1 for line in header.split(b"\r\n") if line.lower().startswith(b"dkim-signature:"))
    ok = n == int(want)
    for i in range(n):
        passed = d.verify(idx=i, dnsfunc=dnsfunc)
        print("dkimpy: signature %d: %s" % (i, "pass" if passed else "fail"))
        ok = ok and passed
    sys.exit(0 if ok else 1)


def submit(port, user, password, path, rcpt):
    with open(path, "rb") as f:
        msg = f.read()
    with smtplib.SMTP("127.0.0.1", int(port), timeout=60) as c:
        c.ehlo("client.example.org")
        c.starttls(context=ssl._create_unverified_context())
        c.ehlo("client.example.org")
        c.login(user, password)
        c.sendmail(user, [rcpt], msg, mail_options=["BODY=8BITMIME"])


def sink(port, directory):
    count = [0]
    lock = threading.Lock()

    class Session(socketserver.StreamRequestHandler):
        def reply(self, text):
            self.wfile.write(text.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self):
            eight = self.server.server_address[0] == "127.0.0.1"
            self.reply("220 sink.example.net ESMTP")
            mail = b""
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                cmd = line.rstrip(b"\r\n").upper()
                if cmd.startswith(b"EHLO"):
                    self.reply("250-sink.example.net\r\n250-SIZE 104857600\r\n" + ("250-8BITMIME\r\n" if eight else "")
                               + "250 PIPELINING")
                elif cmd.startswith(b"MAIL FROM:"):
                    mail = line.rstrip(b"\r\n")
                    self.reply("250 2.1.0 ok")
                elif cmd.startswith(b"RCPT TO:"):
                    self.reply("250 2.1.5 ok")
                elif cmd == b"DATA":
                    self.reply("354 go ahead")
                    data = []
                    while True:
                        l = self.rfile.readline()
                        if not l:
                            return
                        if l == b".\r\n":
                            break
                        data.append(l[1:] if l.startswith(b".") else l)
                    with lock:
                        count[0] += 1
                        n = count[0]
                    base = os.path.join(directory, str(n))
                    with open(base + ".mail", "wb") as f:
                        f.write(mail + b"\n")
                    with open(base + ".tmp", "wb") as f:
                        f.write(b"".join(data))
                    os.rename(base + ".tmp", base + ".eml")
                    self.reply("250 2.0.0 kept as %d" % n)
                elif cmd == b"QUIT":
                    self.reply("221 2.0.0 bye")
                    return
                else:
                    self.reply("250 2.0.0 ok" if cmd in (b"RSET", b"NOOP") else "502 5.5.2 not here")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    servers = [Server((ip, int(port)), Session) for ip in ("127.0.0.1", "127.0.0.2")]
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("sink listening on port %s" % port, flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"dnsmasq-args": dnsmasq_args, "keygen": keygen, "message": message, "sign": sign,
     "verify": verify, "submit": submit, "sink": sink}[cmd](*args)
