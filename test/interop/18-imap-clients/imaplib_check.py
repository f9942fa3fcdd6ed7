"""Python's imaplib against Tern's IMAP listeners (run by 18-imap-clients/run.sh).

  imaplib_check.py IMAP_PORT IMAPS_PORT SMTP_PORT USER PASSWORD

The user's INBOX must be empty at the start. Prints what it does; exits non-zero with "FAIL: ..." at the first
result that is not the expected one.
"""
import imaplib
import re
import smtplib
import socket
import ssl
import sys
import time
import uuid
from email.message import EmailMessage

IMAP_PORT, IMAPS_PORT, SMTP_PORT = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
USER, PW = sys.argv[4], sys.argv[5]
HOST = "127.0.0.1"
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE  # Tern's self-signed certificate


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def ok(resp, what):
    typ, data = resp
    check(typ == "OK", f"{what}: {typ} {data}")
    return data


def say(msg):
    print("imaplib: " + msg, flush=True)


def deliver(subject, body="hello\r\n"):
    """Sends one message over SMTP; returns the time of the 250 at the end of DATA."""
    msg = EmailMessage()
    msg["From"] = "bob@example.org"
    msg["To"] = USER
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4()}@example.org>"
    msg.set_content(body)
    with smtplib.SMTP(HOST, SMTP_PORT, timeout=30) as s:
        s.send_message(msg)
        return time.monotonic()


def uids(data):
    return [int(x) for x in data[0].split()] if data and data[0] else []


# --- deliveries for the checks below
s1, s2 = f"imaplib-one-{uuid.uuid4().hex[:8]}", f"imaplib-two-{uuid.uuid4().hex[:8]}"
deliver(s1, "first message\r\n")
deliver(s2, "second message with a needle-4711 in its body\r\n")

# --- 1. plain connection: STARTTLS offered, LOGIN refused before TLS
m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=30)
caps = m.capabilities
check("STARTTLS" in caps and "LOGINDISABLED" in caps, f"capabilities before TLS: {caps}")
try:
    m.login(USER, PW)
    fail("LOGIN succeeded without TLS")
except imaplib.IMAP4.error as e:
    check("PRIVACYREQUIRED" in str(e) or "LOGINDISABLED" in str(e), f"LOGIN without TLS: {e}")
    say(f"LOGIN without TLS refused: {e}")

# --- 2. STARTTLS, LOGIN, LIST
ok(m.starttls(ssl_context=TLS), "STARTTLS")
check("LOGINDISABLED" not in m.capabilities, f"capabilities after TLS: {m.capabilities}")
ok(m.login(USER, PW), "LOGIN over STARTTLS")
check(m.state == "AUTH", m.state)
listing = [l.decode() for l in ok(m.list(), "LIST")]
say("LIST: " + " | ".join(listing))
for name, use in [("INBOX", None), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                  ("Junk", "\\Junk"), ("Archive", "\\Archive")]:
    line = [l for l in listing if l.endswith(f'"/" {name}') or l.endswith(f'"/" "{name}"')]
    check(len(line) == 1, f"LIST: no single line for {name}: {listing}")
    check(use is None or use in line[0], f"LIST: {name} lacks {use}: {line[0]}")

# --- 3. SELECT, FETCH
typ, data = m.select("INBOX")
check(typ == "OK" and int(data[0]) == 2, f"SELECT INBOX: {typ} {data}")
uidvalidity = m.untagged_responses.get("UIDVALIDITY", [b"?"])[0]
data = ok(m.fetch("1:*", "(UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[])"), "FETCH 1:*")
msgs = [d for d in data if isinstance(d, tuple)]
check(len(msgs) == 2, f"FETCH 1:* gave {len(msgs)} messages: {data}")
# The spool delivers in parallel: the two may be in either order, so find each by its subject.
by_subject = {}
for meta, body in msgs:
    meta = meta.decode()
    subject = s1 if s1 in meta else s2
    by_subject[subject] = (int(meta.split()[0]), int(re.search(r"UID (\d+)", meta).group(1)))
    size = int(re.search(r"RFC822\.SIZE (\d+)", meta).group(1))
    check(len(body) == size, f"BODY[] has {len(body)} octets, RFC822.SIZE says {size}")
    check(f"Subject: {subject}".encode() in body, f"BODY[] lacks subject {subject}")
    check(subject in meta, f"ENVELOPE lacks subject {subject}: {meta}")
    check("\\Seen" not in meta, f"BODY.PEEK set \\Seen: {meta}")
check(set(by_subject) == {s1, s2}, f"FETCH 1:* did not give both subjects: {by_subject}")
(n1, uid1), (n2, uid2) = by_subject[s1], by_subject[s2]
say(f"SELECT INBOX: 2 messages, UIDVALIDITY {uidvalidity.decode()}, UIDs {uid1} {uid2}")

data = ok(m.uid("FETCH", str(uid2), "(BODY[TEXT])"), "UID FETCH BODY[TEXT]")
check(b"needle-4711" in data[0][1], f"UID FETCH {uid2} BODY[TEXT]: {data}")
data = ok(m.uid("FETCH", str(uid2), "(FLAGS)"), "UID FETCH FLAGS")
check(b"\\Seen" in data[0], f"BODY[TEXT] did not set \\Seen: {data}")

# --- 4. STORE, SEARCH
data = ok(m.store(str(n1), "+FLAGS", "(\\Flagged $Important)"), "STORE +FLAGS")
check(b"\\Flagged" in data[0] and b"$Important" in data[0], f"STORE answer: {data}")
check(uids(ok(m.search(None, "FLAGGED"), "SEARCH FLAGGED")) == [n1], "SEARCH FLAGGED is not the first message")
check(uids(ok(m.search(None, "KEYWORD", "$Important"), "SEARCH KEYWORD")) == [n1], "SEARCH KEYWORD")
check(uids(ok(m.search(None, "UNSEEN"), "SEARCH UNSEEN")) == [n1], "SEARCH UNSEEN is not the first message")
check(uids(ok(m.search(None, "BODY", "needle-4711"), "SEARCH BODY")) == [n2], "SEARCH BODY is not the second message")
check(uids(ok(m.search(None, "SUBJECT", s1), "SEARCH SUBJECT")) == [n1], "SEARCH SUBJECT is not the first message")
check(uids(ok(m.uid("SEARCH", "FROM", "bob@example.org"), "UID SEARCH")) == sorted([uid1, uid2]), "UID SEARCH FROM")
check(uids(ok(m.search(None, "OR", "FLAGGED", "SEEN"), "SEARCH OR")) == [1, 2], "SEARCH OR")
say("STORE, SEARCH (FLAGGED, KEYWORD, UNSEEN, BODY, SUBJECT, FROM, OR): ok")

# --- 5. APPEND a sent message, COPY, MOVE, EXPUNGE
sent = (f"From: {USER}\r\nTo: bob@example.org\r\nSubject: imaplib-sent\r\n"
        "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nsent by imaplib\r\n").encode()
typ, data = m.append("Sent", "(\\Seen)", imaplib.Time2Internaldate(time.time()), sent)
check(typ == "OK" and b"APPENDUID" in data[0], f"APPEND: {typ} {data}")
data = ok(m.status("Sent", "(MESSAGES UNSEEN)"), "STATUS Sent")
check(b"MESSAGES 1" in data[0] and b"UNSEEN 0" in data[0], f"STATUS Sent: {data}")

# imaplib's uid() returns untagged data only; the tagged OK carries COPYUID
typ, data = m._simple_command("UID", "COPY", str(uid1), "Archive")
check(typ == "OK" and b"COPYUID" in data[0], f"UID COPY: {typ} {data}")
typ, data = m.uid("MOVE", str(uid2), "Trash")
check(typ == "OK", f"UID MOVE: {typ} {data}")
check(m.untagged_responses.get("EXPUNGE") == [str(n2).encode()], f"UID MOVE: no EXPUNGE {n2}: {m.untagged_responses}")
typ, data = m.select("INBOX")
check(int(data[0]) == 1, f"INBOX after MOVE: {data}")
check(b"MESSAGES 1" in ok(m.status("Trash", "(MESSAGES)"), "STATUS Trash")[0], "MOVE: Trash does not hold 1")
check(b"MESSAGES 1" in ok(m.status("Archive", "(MESSAGES)"), "STATUS Archive")[0], "COPY: Archive does not hold 1")

ok(m.store("1", "+FLAGS", "\\Deleted"), "STORE \\Deleted")
data = ok(m.expunge(), "EXPUNGE")
check(data == [b"1"], f"EXPUNGE answered {data}")
typ, data = m.select("INBOX")
check(int(data[0]) == 0, f"INBOX after EXPUNGE: {data}")
check(m.status("Nonexistent", "(MESSAGES)")[0] == "NO", "STATUS of a missing mailbox is not NO")
ok(m.create("Projects/2026"), "CREATE Projects/2026")
names = b" ".join(ok(m.list('""', "Projects*"), "LIST Projects*"))
check(b"Projects/2026" in names, f"LIST after CREATE: {names}")
check(m.logout()[0] == "BYE", "LOGOUT not answered BYE")
say("APPEND (APPENDUID), UID COPY (COPYUID), UID MOVE, EXPUNGE, STATUS, CREATE: ok")

# --- 6. IMAPS, IDLE woken by an SMTP delivery
m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=TLS, timeout=30)
check("IDLE" in m.capabilities, f"no IDLE capability: {m.capabilities}")
ok(m.login(USER, PW), "LOGIN over IMAPS")
typ, data = m.select("INBOX")
check(typ == "OK" and int(data[0]) == 0, f"SELECT INBOX over IMAPS: {data}")
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
line = m.readline()
check(line.startswith(b"+"), f"IDLE answered {line!r}")
sent_at = deliver("imaplib-idle")
m.sock.settimeout(10)
line = m.readline()
arrived = time.monotonic()
check(re.fullmatch(rb"\* 1 EXISTS\r\n", line) is not None, f"during IDLE: {line!r}")
latency = arrived - sent_at
say(f"IDLE: '* 1 EXISTS' {latency * 1000:.0f} ms after the SMTP 250")
check(latency <= 1.0, f"IDLE push took {latency:.2f}s after the SMTP 250 (over 1s)")
m.send(b"DONE\r\n")
while True:
    line = m.readline()
    check(line != b"", "connection closed after DONE")
    if line.startswith(tag):
        check(line.startswith(tag + b" OK"), f"IDLE ended with {line!r}")
        break
data = ok(m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH after IDLE")
check(b"imaplib-idle" in data[0][1], f"the message pushed is not the one sent: {data}")
check(m.logout()[0] == "BYE", "LOGOUT over IMAPS not answered BYE")
say("all checks passed")
