"""Side-by-side IMAP sessions against Tern and Dovecot (test/interop/19-imap-dovecot).

  imapcmp.py load PORT USER PASSWORD CORPUS_DIR
      APPENDs each CORPUS_DIR/*.eml to INBOX with the flags and INTERNALDATE from FLAGS below.
  imapcmp.py compare TERN_PORT DOVECOT_PORT USER PASSWORD CORPUS_DIR OUT_DIR
      runs the same scripted session (raw commands) against both, writes OUT_DIR/tern.json and dovecot.json
      (normalised), prints each difference and exits 1 when there is one.

Messages are matched between the servers by their Subject (unique in the corpus), never by UID or sequence
number: each server numbers the messages it finds in its own order.

Normalisations, each a latitude RFC 9051 (or RFC 3501) leaves to the server, not a difference in content:
  - FLAGS: \\Recent is dropped (Dovecot gives it to the first session that sees a message; Tern reports none).
  - UID: dropped (each server keeps its own UID list: tern-uidlist and dovecot-uidlist).
  - INTERNALDATE: compared as an instant (both take the file's mtime; the zone they show it in is theirs).
  - BODYSTRUCTURE/BODY: media type, subtype, parameter names and the transfer encoding compared without
    case (RFC 9051 section 7.5.2: they are case-insensitive; Dovecot keeps the message's case, Tern writes
    lower case). Parameter values keep their case.
  - ENVELOPE and the strings of a response: a quoted string and a literal with the same octets are equal
    (RFC 9051 section 4.3: the form is the server's choice).
  - BODY[HEADER.FIELDS (...)] of a message with no blank line after its header (corpus/10-headers-only):
    Dovecot ends the subset with a CRLF all the same, Tern does not: RFC 9051 section 6.4.5 includes the
    blank line "in all header fetches, except in the case of a message which has no body and no blank
    line", and Dovecot follows that for HEADER and HEADER.FIELDS.NOT. A trailing CRLF that only Dovecot
    gives there is dropped.
  - SEARCH: the set of matching messages, not their order. NEW, OLD and RECENT are not compared: Tern
    does not keep \Recent yet (docs/imap.md).
Everything else must be identical, octet for octet.
"""
import hashlib
import json
import os
import re
import socket
import sys
from datetime import datetime

# name prefix -> (flags, INTERNALDATE) for APPEND
FLAGS = {
    "01": (r"(\Seen)", "23-Nov-2026 09:20:00 +0100"),
    "02": (r"()", "24-Nov-2026 16:00:00 +0000"),
    "03": (r"(\Seen \Flagged)", "25-Nov-2026 14:31:00 +0000"),
    "04": (r"(\Answered \Seen)", "26-Nov-2026 06:00:00 +0000"),
    "05": (r"($Label1)", "27-Nov-2026 15:45:00 +0000"),
    "06": (r"()", "28-Nov-2026 15:00:00 +0000"),
    "07": (r"(\Draft)", "28-Nov-2026 11:12:00 +0000"),
    "08": (r"(\Seen $Label1 Work)", "28-Nov-2026 12:01:00 +0000"),
    "09": (r"(\Deleted)", "29-Nov-2026 00:00:30 +0000"),
    "10": (r"(\Seen)", "29-Nov-2026 00:01:30 +0000"),
    "11": (r"()", "29-Nov-2026 09:01:00 +0000"),
    "12": (r"(\Flagged)", "29-Nov-2026 10:01:00 +0000"),
    "13": (r"(Work)", "29-Nov-2026 11:01:00 +0000"),
    "14": (r"()", "29-Nov-2026 12:01:00 +0000"),
    "15": (r"(\Seen)", "29-Nov-2026 13:01:00 +0000"),
    "16": (r"()", "30-Nov-2026 08:01:00 +0000"),
    "17": (r"()", "30-Nov-2026 09:01:00 +0000"),
    "19": (r"()", "30-Nov-2026 11:01:00 +0000"),
}

# Sections fetched with BODY.PEEK[...] over 1:*; a section a message lacks is compared too.
SECTIONS = [
    "", "HEADER", "TEXT", "1", "1.MIME", "2", "2.MIME", "3", "3.MIME", "4",
    "1.1", "1.1.MIME", "1.2", "1.2.1", "1.2.2", "1.2.2.MIME", "1.2.HEADER",
    "2.HEADER", "2.TEXT", "2.1", "2.2", "2.2.MIME", "2.1.MIME", "2.HEADER.FIELDS (SUBJECT)",
    "1.HEADER", "1.TEXT",
    "HEADER.FIELDS (FROM TO SUBJECT)", "HEADER.FIELDS.NOT (RECEIVED MESSAGE-ID DATE)",
    "HEADER.FIELDS (X-NOT-THERE)",
]
PARTIALS = ["<0.100>", "<10.20>", "<500.5000>", "<100000.10>"]
PARTIAL_SECTIONS = ["", "TEXT", "1", "HEADER"]

SEARCHES = [
    "ALL", "SEEN", "UNSEEN", "FLAGGED", "ANSWERED", "DELETED", "DRAFT",
    "KEYWORD $Label1", "KEYWORD Work", "UNKEYWORD Work", "NOT DELETED",
    "BODY pelican", "BODY PELICAN", "BODY zeppelin", "BODY albatross", "BODY quokka", "BODY marmalade",
    "BODY capybara", "BODY wombat", "BODY ocelot", "BODY narwhal", "BODY barracuda", 'BODY "espresso machine"',
    "BODY report", "BODY word250", "BODY giraffe", "BODY iguana", "BODY okapi", "BODY inner@example.com",
    "BODY Content-Transfer-Encoding", "BODY erin@example.com", "TEXT erin@example.com", "TEXT okapi",
    "TEXT epilogue", "TEXT quokka", "TEXT giraffe", "TEXT data.json", "BODY epilogue", "BODY iVBORw0KGgo",
    "TEXT pelican", "TEXT Quarterly", "TEXT example.org",
    "SUBJECT numbers", "SUBJECT Digest", "SUBJECT word249", "FROM carol", 'FROM "Alice Example"', "FROM fred",
    "TO juergen", "TO p59", "CC ivy", "CC team", "BCC hidden", "HEADER Message-ID plain-1",
    'HEADER X-Raw-8bit ""', 'HEADER In-Reply-To ""', "HEADER References ref39",
    "SINCE 25-Nov-2026", "BEFORE 25-Nov-2026", "ON 28-Nov-2026", "ON 29-Nov-2026",
    "SENTSINCE 27-Nov-2026", "SENTBEFORE 25-Nov-2026", "SENTON 28-Nov-2026", "SENTON 29-Nov-2026",
    "LARGER 1000", "SMALLER 300", "NOT BODY pelican", "OR FLAGGED DRAFT", "2:5", "1:3 UNSEEN",
    "OR (SEEN FLAGGED) (UNSEEN FROM example.org)", "NOT (OR SEEN DELETED)",
] + [
    # non-ASCII search strings, as UTF-8 in a non-synchronising literal (RFC 7888), both servers offer LITERAL+
    "CHARSET UTF-8 %s {%d+}\r\n%s" % (key, len(text.encode()), text.encode().decode("latin-1"))
    for key, text in [("BODY", "Grüß"), ("SUBJECT", "München"), ("FROM", "Frédéric"), ("BODY", "Käse"),
                      ("BODY", "brûlée"), ("BODY", "Café"), ("TO", "Zoë"), ("SUBJECT", "€"), ("BODY", "naïve")]
]


class Imap:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.sock.makefile("rb")
        self.n = 0
        self.greeting = self.f.readline()

    def _read_response(self):
        """One response with its literals inline, as bytes."""
        out = b""
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("connection closed")
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return out
            out += self.f.read(int(m.group(1)))

    def cmd(self, text):
        """Sends a command (text may hold non-synchronising literals); returns (untagged list, tagged line)."""
        self.n += 1
        tag = b"t%d" % self.n
        data = text.encode("latin-1") if isinstance(text, str) else text
        self.sock.sendall(tag + b" " + data + b"\r\n")
        untagged = []
        while True:
            r = self._read_response()
            if r.startswith(tag + b" "):
                return untagged, r[len(tag) + 1:].rstrip(b"\r\n")
            untagged.append(r)

    def append(self, mailbox, flags, date, message):
        self.n += 1
        tag = b"t%d" % self.n
        head = b'%s APPEND %s %s "%s" {%d}\r\n' % (tag, mailbox.encode(), flags.encode(), date.encode(), len(message))
        self.sock.sendall(head)
        cont = self.f.readline()
        if not cont.startswith(b"+"):
            raise RuntimeError("APPEND: %r" % cont)
        self.sock.sendall(message + b"\r\n")
        while True:
            r = self._read_response()
            if r.startswith(tag + b" "):
                if not r[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError("APPEND: %r" % r)
                return

    def login(self, user, password):
        _, st = self.cmd('LOGIN "%s" "%s"' % (user, password))
        if not st.startswith(b"OK"):
            raise RuntimeError("LOGIN: %r" % st)


def tokenize(data):
    """IMAP response data -> nested lists; strings (quoted or literal) as bytes, atoms as str, NIL as None."""
    pos = 0
    stack = [[]]
    n = len(data)
    while pos < n:
        c = data[pos:pos + 1]
        if c in b" \r\n":
            pos += 1
        elif c == b"(":
            stack.append([])
            pos += 1
        elif c == b")":
            top = stack.pop()
            stack[-1].append(top)
            pos += 1
        elif c == b'"':
            pos += 1
            buf = b""
            while data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                buf += data[pos:pos + 1]
                pos += 1
            pos += 1
            stack[-1].append(buf)
        elif c == b"{":
            end = data.index(b"}", pos)
            size = int(data[pos + 1:end].rstrip(b"+"))
            start = end + 3  # "}\r\n"
            stack[-1].append(data[start:start + size])
            pos = start + size
        else:
            # an atom; a section spec such as BODY[1.MIME]<0> or BODY[HEADER.FIELDS (A B)] is one atom
            end = pos
            depth = 0
            while end < n:
                ch = data[end:end + 1]
                if ch == b"[":
                    depth += 1
                elif ch == b"]":
                    depth -= 1
                elif depth == 0 and ch in b" ()\r\n":
                    break
                end += 1
            atom = data[pos:end].decode("latin-1")
            stack[-1].append(None if atom == "NIL" else atom)
            pos = end
    return stack[0]


def as_json(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    if isinstance(v, list):
        return [as_json(x) for x in v]
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    return v


def norm_body(b):
    """BODY/BODYSTRUCTURE: type, subtype, parameter names, encoding without case (see the module's text)."""
    def low(x):
        return x.lower() if isinstance(x, bytes) else x

    def params(p):
        if not isinstance(p, list):
            return p
        return [low(x) if i % 2 == 0 else x for i, x in enumerate(p)]

    if not isinstance(b, list):
        return b
    if b and isinstance(b[0], list):  # multipart: bodies, then subtype and extension data
        k = 0
        out = []
        while k < len(b) and isinstance(b[k], list):
            out.append(norm_body(b[k]))
            k += 1
        rest = b[k:]
        if rest:
            rest[0] = low(rest[0])
        if len(rest) > 1:
            rest[1] = params(rest[1])
        if len(rest) > 2 and isinstance(rest[2], list):
            rest[2] = [low(rest[2][0]), params(rest[2][1])]
        return out + rest
    out = list(b)
    out[0], out[1] = low(out[0]), low(out[1])
    out[2] = params(out[2])
    out[5] = low(out[5])
    if out[0] == b"message" and out[1] in (b"rfc822", b"global") and len(out) > 8:
        out[8] = norm_body(out[8])
        ext = 11
    elif out[0] == b"text":
        ext = 8
    else:
        ext = 7
    if len(out) > ext + 1 and isinstance(out[ext + 1], list):  # disposition
        out[ext + 1] = [low(out[ext + 1][0]), params(out[ext + 1][1])]
    return out


def fetch_items(untagged):
    """FETCH responses -> {seq: {ITEM: value}}."""
    out = {}
    for r in untagged:
        t = tokenize(r)
        if len(t) >= 4 and t[2] == "FETCH":
            seq = int(t[1])
            items = t[3]
            d = out.setdefault(seq, {})
            for k in range(0, len(items), 2):
                d[items[k].upper()] = items[k + 1]
    return out


def session(label, port, user, password, corpus):
    subjects = {}
    for name in sorted(os.listdir(corpus)):
        if name.endswith(".eml"):
            with open(os.path.join(corpus, name), "rb") as fh:
                m = re.search(rb"^Subject:(.*(?:\n[ \t].*)*)", fh.read(), re.M)
                subjects[re.sub(rb"\r?\n", b"", m.group(1)).strip()] = name[:-4]
    c = Imap(port)
    c.login(user, password)
    result = {"select": {}, "messages": {}, "search": {}}
    untagged, st = c.cmd("SELECT INBOX")
    for r in untagged:
        m = re.match(rb"\* (\d+) EXISTS", r)
        if m:
            result["select"]["EXISTS"] = int(m.group(1))
        m = re.match(rb"\* OK \[UNSEEN (\d+)\]", r)
        if m:
            result["select"]["has UNSEEN"] = True
    result["select"]["status"] = st.split(b" ")[0].decode()
    # which corpus message each sequence number is
    untagged, st = c.cmd("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    names = {}
    for seq, items in fetch_items(untagged).items():
        value = items["BODY[HEADER.FIELDS (SUBJECT)]"]
        subject = re.sub(rb"\r?\n", b"", value)[len(b"Subject:"):].strip()
        names[seq] = subjects.get(subject, "?" + subject[:40].decode("latin-1"))
    msgs = {name: {} for name in names.values()}

    def fetch(items, label=None):
        untagged, st = c.cmd("FETCH 1:* (%s)" % items)
        if not st.startswith(b"OK"):
            for name in msgs:
                msgs[name][label or items] = "status " + st.split(b" ")[0].decode()
            return
        for seq, d in fetch_items(untagged).items():
            for k, v in d.items():
                msgs[names[seq]][k] = v

    fetch("FLAGS INTERNALDATE RFC822.SIZE ENVELOPE")
    fetch("BODYSTRUCTURE")
    fetch("BODY")
    for s in SECTIONS:
        fetch("BODY.PEEK[%s]" % s, "BODY[%s]" % s)
    for s in PARTIAL_SECTIONS:
        for p in PARTIALS:
            fetch("BODY.PEEK[%s]%s" % (s, p), "BODY[%s]%s" % (s, p))
    fetch("RFC822.HEADER")
    fetch("RFC822.SIZE BODY.PEEK[1.MIME]")
    for name, d in msgs.items():
        d.pop("UID", None)
        if "FLAGS" in d:
            d["FLAGS"] = sorted(f for f in d["FLAGS"] if f.lower() != "\\recent")
        if "INTERNALDATE" in d:
            d["INTERNALDATE"] = datetime.strptime(d["INTERNALDATE"].decode(), "%d-%b-%Y %H:%M:%S %z").timestamp()
        if name == "10-headers-only":
            for k in d:
                v = d[k]
                if label == "dovecot" and k.startswith("BODY[HEADER.FIELDS (") and isinstance(v, bytes) and (
                        v == b"\r\n" or v.endswith(b"\r\n\r\n")):
                    d[k] = v[:-2]
        for k in ("BODYSTRUCTURE", "BODY"):
            if k in d:
                d[k] = norm_body(d[k])
        for k in list(d):
            if isinstance(d[k], bytes) and len(d[k]) > 200:
                d[k] = "%d octets, sha256 %s, starts %r" % (len(d[k]), hashlib.sha256(d[k]).hexdigest()[:16],
                                                           d[k][:60])
        result["messages"][name] = as_json(d)
    for q in SEARCHES:
        untagged, st = c.cmd(q if q.startswith("UID") else "SEARCH " + q)
        found = []
        for r in untagged:
            if r.startswith(b"* SEARCH"):
                found += [names[int(x)] for x in r[8:].split()]
        label = q.replace("\r\n", " ").encode("latin-1").decode("utf-8")
        result["search"][label] = sorted(found) if st.startswith(b"OK") else "status " + st.decode("latin-1")
    c.cmd("LOGOUT")
    return result


def diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s/%s: only dovecot: %s" % (path, k, json.dumps(b[k], ensure_ascii=False)[:300]))
            elif k not in b:
                out.append("%s/%s: only tern: %s" % (path, k, json.dumps(a[k], ensure_ascii=False)[:300]))
            else:
                out += diff(a[k], b[k], path + "/" + k)
        return out
    if a != b:
        return ["%s:\n    tern:    %s\n    dovecot: %s" % (path, json.dumps(a, ensure_ascii=False)[:600],
                                                          json.dumps(b, ensure_ascii=False)[:600])]
    return []


def main():
    if sys.argv[1] == "load":
        port, user, password, corpus = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        c = Imap(port)
        c.login(user, password)
        for name in sorted(os.listdir(corpus)):
            if not name.endswith(".eml") or name[:2] not in FLAGS:
                continue
            with open(os.path.join(corpus, name), "rb") as fh:
                data = re.sub(rb"\r?\n", b"\r\n", fh.read())
            flags, date = FLAGS[name[:2]]
            c.append("INBOX", flags, date, data)
        c.cmd("LOGOUT")
        return 0
    tern_port, dovecot_port, user, password, corpus, out = sys.argv[2:8]
    results = {}
    for label, port in (("tern", int(tern_port)), ("dovecot", int(dovecot_port))):
        results[label] = session(label, port, user, password, corpus)
        with open(os.path.join(out, label + ".json"), "w") as fh:
            json.dump(results[label], fh, indent=1, ensure_ascii=False, sort_keys=True)
    d = diff(results["tern"], results["dovecot"])
    for line in d:
        print(line)
    n = len(results["tern"]["messages"])
    print("compared %d messages, %d searches: %d difference(s)" % (n, len(SEARCHES), len(d)))
    return 1 if d else 0


if __name__ == "__main__":
    sys.exit(main())
