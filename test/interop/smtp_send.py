"""Sends messages to alice@example.test (shared by the scenarios) and prints one line per acknowledged
message: "TOKEN LAST-REPLY-LINE". Exits non-zero with "FAIL: ..." on stderr at the first unexpected reply.

  smtp_send.py few   HOST PORT N     N messages, one session each
  smtp_send.py burst HOST PORT N     N messages in one session
  smtp_send.py burst-kill HOST PORT N PID
      N messages in one session; SIGKILL to PID the moment the last one is acknowledged
  smtp_send.py inflight HOST PORT PID
      one message whose DATA is interrupted halfway by SIGTERM to PID (written to ./inflight.sent),
      finished 1 s later; the end of DATA must be answered 250.
"""
import os
import signal
import socket
import sys
import time
import uuid

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
RCPT = "alice@example.test"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


class Client:
    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.f = self.sock.makefile("rb")
        self.expect("greeting", 220)
        self.cmd("EHLO client.example.org", 250)

    def reply(self):
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                fail(f"connection closed; got so far {lines!r}")
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(lines[-1][:3]), lines

    def expect(self, what, code):
        got, lines = self.reply()
        if got != code:
            fail(f"{what}: expected {code}, got {lines!r}")
        return lines

    def cmd(self, line, code):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.expect(line, code)

    def quit(self):
        # 221, or 421 or a closed connection from a server going down: all fine after the transaction
        try:
            self.sock.sendall(b"QUIT\r\n")
            self.f.readline()
        except OSError:
            pass
        self.sock.close()


def message(token):
    return (f"From: sender@example.org\r\nTo: {RCPT}\r\nSubject: sigterm test {token}\r\n"
            f"Message-ID: <{token}@example.org>\r\n\r\n"
            + "".join(f"line {i} of {token}\r\n" for i in range(200)))


def send(c, token, kill_pid=None):
    c.cmd("MAIL FROM:<sender@example.org>", 250)
    c.cmd(f"RCPT TO:<{RCPT}>", 250)
    c.cmd("DATA", 354)
    c.sock.sendall(message(token).encode() + b".\r\n")
    lines = c.expect("end of DATA", 250)
    if kill_pid:
        os.kill(kill_pid, signal.SIGKILL)
    print(token, lines[-1], flush=True)


if mode == "few":
    for _ in range(int(sys.argv[4])):
        c = Client()
        send(c, uuid.uuid4().hex)
        c.quit()
elif mode == "burst":
    c = Client()
    for _ in range(int(sys.argv[4])):
        send(c, uuid.uuid4().hex)
    c.quit()
elif mode == "burst-kill":
    n, pid = int(sys.argv[4]), int(sys.argv[5])
    c = Client()
    for i in range(n):
        send(c, uuid.uuid4().hex, kill_pid=pid if i == n - 1 else None)
elif mode == "inflight":
    pid = int(sys.argv[4])
    token = uuid.uuid4().hex
    data = message(token).encode() + b".\r\n"
    c = Client()
    c.cmd("MAIL FROM:<sender@example.org>", 250)
    c.cmd(f"RCPT TO:<{RCPT}>", 250)
    c.cmd("DATA", 354)
    half = len(data) // 2
    c.sock.sendall(data[:half])
    time.sleep(0.3)
    os.kill(pid, signal.SIGTERM)
    with open("inflight.sent", "w") as f:
        f.write("SIGTERM sent\n")
    time.sleep(1)
    try:
        c.sock.sendall(data[half:])
    except OSError as e:
        fail(f"the server dropped the transaction in progress at SIGTERM: {e!r}")
    lines = c.expect("end of DATA after SIGTERM", 250)
    print(token, lines[-1], flush=True)
    c.quit()
else:
    fail("unknown mode " + mode)
