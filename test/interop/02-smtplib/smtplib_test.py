"""smtplib against Tern. Arguments: HOST PORT DATA_DIR. Exits non-zero with "FAIL: ..." on the first failure."""
import os
import re
import smtplib
import sys
import time
import uuid

HOST, PORT, DATA = sys.argv[1], int(sys.argv[2]), sys.argv[3]
EXTENSIONS = ["PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "DSN"]
LIMIT_LOW = 64000  # "64KB" is 64000 or 65536 bytes; both are between these two
LIMIT_HIGH = 65536


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def new_dir(addr):
    local, domain = addr.split("@")
    return os.path.join(DATA, "mail", domain, local, "new")


def messages(addr):
    d = new_dir(addr)
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out.append((p, f.read()))
    return out


def wait_for(addr, count, timeout=60):
    deadline = time.time() + timeout
    while len(messages(addr)) < count:
        if time.time() > deadline:
            fail(f"{addr}: {len(messages(addr))} message(s) in {new_dir(addr)} after {timeout}s, expected {count}")
        time.sleep(0.2)
    time.sleep(1)
    got = messages(addr)
    if len(got) != count:
        fail(f"{addr}: {len(got)} message(s) in {new_dir(addr)}, expected exactly {count}")
    return got


def connect():
    s = smtplib.SMTP(HOST, PORT, local_hostname="client.example.org", timeout=30)
    s.set_debuglevel(0)
    return s


def split(raw):
    text = raw.replace(b"\r\n", b"\n")
    head, sep, body = text.partition(b"\n\n")
    if not sep:
        fail("stored message has no blank line between header and body")
    return head, body


# --- EHLO extensions -------------------------------------------------------------------------------------
s = connect()
code, resp = s.ehlo()
log(f"EHLO -> {code}\n" + resp.decode("utf-8", "replace"))
if code != 250:
    fail(f"EHLO answered {code}")
for ext in EXTENSIONS:
    if not s.has_extn(ext):
        fail(f"EHLO does not advertise {ext}")
size = s.esmtp_features.get("size", "")
if not re.fullmatch(r"\d+", size.strip()):
    fail(f"SIZE is advertised without a number: {size!r}")
if not LIMIT_LOW <= int(size) <= LIMIT_HIGH:
    fail(f"SIZE {size} does not match max_message_size = \"64KB\"")
log(f"EHLO advertises {', '.join(EXTENSIONS)}; SIZE {size}")

# --- one transaction, two local recipients, SMTPUTF8 + 8BITMIME, UTF-8 header and body ------------------
token = uuid.uuid4().hex
body_lines = [
    "Grüße aus Köln — naïve café, 東京, Ελληνικά, emoji 🐦.",
    f"token {token}",
    "Zweite Zeile: ÄÖÜ äöü ß.",
]
msg = (
    "From: Jörg <sender@example.org>\r\n"
    "To: alice@example.test, bob@example.test\r\n"
    "Subject: Grüße, 8-bit body\r\n"
    f"Message-ID: <{token}@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n" + "\r\n".join(body_lines) + "\r\n"
).encode("utf-8")
refused = s.sendmail("sender@example.org", ["alice@example.test", "bob@example.test"], msg,
                     mail_options=["SMTPUTF8", "BODY=8BITMIME"])
if refused:
    fail(f"recipients refused: {refused}")
log("sendmail to alice and bob with SMTPUTF8, BODY=8BITMIME: accepted")

for addr in ("alice@example.test", "bob@example.test"):
    got = wait_for(addr, 1)
    path, raw = got[0]
    head, body = split(raw)
    for line in body_lines:
        if line.encode("utf-8") not in body.split(b"\n"):
            fail(f"{addr}: body line {line!r} not stored as UTF-8 in {path}")
    if "Subject: Grüße, 8-bit body".encode("utf-8") not in head.split(b"\n"):
        fail(f"{addr}: UTF-8 Subject not stored as sent in {path}")
    if not re.search(rb"(?im)^Received:", head):
        fail(f"{addr}: no Received: header in {path}")
    log(f"{addr}: delivered intact ({path})")

# --- a UTF-8 reverse-path under SMTPUTF8 -------------------------------------------------------------------
token2 = uuid.uuid4().hex
msg2 = (f"From: jörg@bücher.example\r\nTo: alice@example.test\r\nSubject: utf8 sender\r\n\r\n{token2}\r\n").encode("utf-8")
refused = s.sendmail("jörg@bücher.example", ["alice@example.test"], msg2, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
if refused:
    fail(f"recipients refused: {refused}")
got = wait_for("alice@example.test", 2)
if not any(token2.encode() in raw for _, raw in got):
    fail("the message from jörg@bücher.example was not delivered to alice")
log("UTF-8 reverse-path with SMTPUTF8: delivered")

# --- DSN parameters (RFC 3461) are accepted: RET and ENVID at MAIL, NOTIFY and ORCPT at RCPT -----------
token5 = uuid.uuid4().hex
msg5 = (f"From: sender@example.org\r\nTo: bob@example.test\r\nSubject: dsn params\r\n\r\n{token5}\r\n").encode()
try:
    refused = s.sendmail("sender@example.org", ["bob@example.test"], msg5,
                         mail_options=["RET=HDRS", "ENVID=interop+2B02"],
                         rcpt_options=["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;bob@example.test"])
except smtplib.SMTPException as e:
    fail(f"a message with DSN parameters was refused: {e!r}")
if refused:
    fail(f"recipients refused: {refused}")
got = wait_for("bob@example.test", 2)
if not any(token5.encode() in raw for _, raw in got):
    fail("the message with DSN parameters was not delivered to bob")
log("DSN parameters RET, ENVID, NOTIFY, ORCPT: accepted and delivered")
s.quit()

# --- SIZE limit: declared too big at MAIL -> 552 ----------------------------------------------------------
s = connect()
s.ehlo()
code, resp = s.mail("sender@example.org", ["SIZE=100000"])
log(f"MAIL FROM with SIZE=100000 -> {code} {resp.decode(errors='replace')}")
if code != 552:
    fail(f"MAIL FROM with SIZE=100000 over a 64KB limit answered {code} {resp!r}, expected 552")
if not re.match(rb"5\.\d{1,3}\.\d{1,3} ", resp):
    fail(f"552 reply without an enhanced status code: {resp!r}")
code, resp = s.rset()
if code != 250:
    fail(f"RSET after 552 answered {code}")

# --- SIZE limit: not declared, too big in DATA -> 552 and nothing delivered --------------------------------
token3 = uuid.uuid4().hex
big = ("Subject: too big\r\n\r\n" + token3 + "\r\n" + ("x" * 998 + "\r\n") * 100).encode()  # ~100 KB
code, resp = s.mail("sender@example.org")
if code != 250:
    fail(f"MAIL FROM answered {code} {resp!r}")
code, resp = s.rcpt("bob@example.test")
if code != 250:
    fail(f"RCPT TO answered {code} {resp!r}")
code, resp = s.data(big)
log(f"DATA of {len(big)} bytes -> {code} {resp.decode(errors='replace')}")
if code != 552:
    fail(f"DATA of {len(big)} bytes over a 64KB limit answered {code} {resp!r}, expected 552")
if not re.match(rb"5\.\d{1,3}\.\d{1,3} ", resp):
    fail(f"552 reply without an enhanced status code: {resp!r}")

# --- the session goes on after the 552; a message just under the limit is accepted ------------------------
token4 = uuid.uuid4().hex
fits = ("Subject: fits\r\n\r\n" + token4 + "\r\n" + ("y" * 998 + "\r\n") * 55).encode()  # ~55 KB
try:
    refused = s.sendmail("sender@example.org", ["bob@example.test"], fits)
except smtplib.SMTPException as e:
    fail(f"a {len(fits)}-byte message under the 64KB limit, after a 552, was refused: {e!r}")
if refused:
    fail(f"recipients refused: {refused}")
s.quit()
got = wait_for("bob@example.test", 3)
if any(token3.encode() in raw for _, raw in got):
    fail("the message over the SIZE limit was delivered")
if not any(token4.encode() in raw for _, raw in got):
    fail("the message under the SIZE limit was not delivered")
log("SIZE limit: 552 at MAIL and at end of DATA; a message under it delivered")
print("smtplib: all checks passed")
