"""Prints a mailbox as Tern's IMAP server has it, one line per message: "UID FLAGS SUBJECT", flags sorted and
space-separated ("-" for none). Used by 18-imap-clients/run.sh to check what a client did on the server.

  imap_state.py IMAPS_PORT USER PASSWORD MAILBOX
"""
import imaplib
import re
import ssl
import sys

port, user, pw, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tls = ssl.create_default_context()
tls.check_hostname = False
tls.verify_mode = ssl.CERT_NONE  # Tern's self-signed certificate
m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=tls, timeout=30)
m.login(user, pw)
typ, data = m.select(f'"{mailbox}"', readonly=True)
if typ != "OK":
    sys.exit(f"FAIL: EXAMINE {mailbox}: {typ} {data}")
if int(data[0]) > 0:
    typ, data = m.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    if typ != "OK":
        sys.exit(f"FAIL: FETCH in {mailbox}: {typ} {data}")
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, header = item[0].decode(), item[1].decode()
        uid = re.search(r"UID (\d+)", meta).group(1)
        flags = sorted(re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split())
        subject = re.search(r"Subject: *(.*)", header)
        print(uid, ",".join(flags) or "-", subject.group(1).strip() if subject else "-")
m.logout()
