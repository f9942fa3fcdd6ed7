#!/usr/bin/python3
"""dkimpy's side of the 12-dkim scenario (Debian's python3-dkim, python3-nacl, python3-dnspython).

  dkim_tool.py dnsmasq-args < zone lines     -> one --txt-record=... argument per zone line
  dkim_tool.py keygen DIR DOMAIN SELECTOR    -> DIR/SELECTOR.pem (RSA-2048) and DIR/SELECTOR-ed.key (Ed25519
                                                seed, base64, as dkimpy wants it); prints their zone lines
  dkim_tool.py message KIND FILE             -> a test message (plain, 8bit, folded, big = 10 MB), CRLF
  dkim_tool.py sign FILE DOMAIN SELECTOR KEY ALGORITHM CANON > signed
  dkim_tool.py verify PORT FILE N            -> dkimpy verifies every signature with keys from the DNS server
                                                on 127.0.0.1:PORT; exit 0 when there are N and all pass
"""
import base64
import subprocess
import sys

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


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"dnsmasq-args": dnsmasq_args, "keygen": keygen, "message": message, "sign": sign,
     "verify": verify}[cmd](*args)
