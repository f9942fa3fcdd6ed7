#!/usr/bin/env python3
"""Latency from the end of DATA to the 250 reply, per message, with S concurrent SMTP sessions.

    latency.py --port PORT --sessions S --messages-per-session M [--size BYTES] [--seconds T] [--timeout SEC]
               [--client procs|asyncio]

Each session connects once, says EHLO, then sends M messages of SIZE bytes (MAIL, RCPT, DATA, content); the
clock starts when the last octets of the content and its <CRLF>.<CRLF> have been handed to the socket, and
stops when the complete 250 reply line has been read. --seconds T: a session starts no new message after T
seconds (the slow peers are measured over what they did). Prints JSON: count, p50, p90, p99, p99.9, max in
milliseconds; with --client procs, the client's own part of each figure (client_wake_*: from the reply's arrival
in the kernel, SO_TIMESTAMPNS, to its having been read); and the client's own CPU time per message (client_cpu_ms_per_msg: user + system, summed over the
client's processes, from the end of each session's first message to its last; with --client asyncio, the
whole run). Bounded: every read has a timeout and the whole run stops at --timeout.

The client (--client):
  procs    (default) one process per session, blocking sockets: a session's clock is read as soon as its
           own process wakes up with the reply, never behind another session's work.
  asyncio  the former client: every session in one asyncio event loop. On 2 cores it spends about twice the
           CPU per message, and a 250 that arrives while the loop runs another session's callbacks waits for
           them before its clock is read, which adds to the tail (bench/README.md, Latency).
"""
import argparse, asyncio, json, multiprocessing, socket, statistics, struct, sys, time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; Python names it from 3.14 on only
MAIL = b"MAIL FROM:<bench@client.test>\r\n"
RCPT = b"RCPT TO:<alice@example.test>\r\n"
DATA = b"DATA\r\n"


def make_body(size):
    line = b"Latency test line of text, a fixed and boring seventy-six octets long....\r\n"
    head = b"From: <bench@client.test>\r\nTo: <alice@example.test>\r\nSubject: latency\r\n\r\n"
    n = max(1, size // len(line))
    return head + line * n + b".\r\n"


# --- one process per session, blocking sockets --------------------------------------------------------------

class StampedReader:
    """Reads lines from a socket with SO_TIMESTAMPNS on: `stamp` is the kernel's arrival time (CLOCK_REALTIME) of the
    last segment read, so that a reply's time splits into the server's part and this client's waking up."""

    def __init__(self, sock):
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock, self.buf, self.stamp = sock, b"", None

    def readline(self):
        while b"\n" not in self.buf:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(16))
            if not data:
                return b""
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    sec, nsec = struct.unpack("qq", value[:16])
                    self.stamp = sec + nsec / 1e9
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"


def blocking_reply(f):
    """Reads one (possibly multi-line) reply; returns (code, last line)."""
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), line


def blocking_session(port, n, body, stop_at, timeout, conn):
    samples, wakes, error, cpu0 = [], [], None, None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            f = StampedReader(sock)
            clock = time.perf_counter
            code, line = blocking_reply(f)
            if code != 220:
                raise RuntimeError(f"greeting {line!r}")
            sock.sendall(b"EHLO latency.client.test\r\n")
            code, line = blocking_reply(f)
            if code != 250:
                raise RuntimeError(f"EHLO -> {line!r}")
            for _ in range(n):
                if time.monotonic() > stop_at:
                    break
                for cmd, want in ((MAIL, 250), (RCPT, 250), (DATA, 354)):
                    sock.sendall(cmd)
                    code, line = blocking_reply(f)
                    if code != want:
                        raise RuntimeError(f"{cmd!r} -> {line!r}")
                sock.sendall(body)
                t0, t0_real, f.stamp = clock(), time.time(), None
                code, line = blocking_reply(f)
                samples.append((clock() - t0) * 1000.0)
                if f.stamp is not None:  # the client's own part: from the reply's arrival to its having been read
                    wakes.append(samples[-1] - (f.stamp - t0_real) * 1000.0)
                if code != 250:
                    raise RuntimeError(f"end of DATA -> {line!r}")
                if cpu0 is None:  # from the end of the first message: the fork's copy-on-write faults are behind
                    cpu0 = time.process_time()
            cpu = time.process_time() - cpu0 if cpu0 is not None else 0.0
            sock.sendall(b"QUIT\r\n")
            blocking_reply(f)
    except Exception as e:  # reported, never raised: the parent counts errors
        error, cpu = repr(e), 0.0
    conn.send((samples, error, cpu, len(samples) - 1 if cpu0 is not None and error is None else 0, wakes))
    conn.close()


def run_procs(port, sessions, n, body, stop_at, timeout, deadline):
    ctx = multiprocessing.get_context("fork")
    procs, pipes = [], []
    for _ in range(sessions):
        r, w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=blocking_session, args=(port, n, body, stop_at, timeout, w))
        p.start()
        w.close()
        procs.append(p)
        pipes.append(r)
    samples, errors, cpu, counted, wakes = [], [], 0.0, 0, []
    for p, r in zip(procs, pipes):
        left = max(0.0, deadline - time.monotonic())
        if r.poll(left):
            s, e, c, k, w = r.recv()
            samples += s
            wakes += w
            cpu += c
            counted += k
            if e:
                errors.append(e)
        else:
            errors.append("no result within --timeout")
            p.kill()
        p.join(5)
    return samples, errors, cpu, counted, wakes


# --- every session in one asyncio event loop -----------------------------------------------------------------

async def async_reply(reader, timeout):
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise ConnectionError("connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), line


async def async_session(port, n, body, out, stop_at, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        code, _ = await async_reply(reader, timeout)
        assert code == 220, code
        writer.write(b"EHLO latency.client.test\r\n")
        code, _ = await async_reply(reader, timeout)
        assert code == 250, code
        for _ in range(n):
            if time.monotonic() > stop_at:
                break
            for cmd, want in ((MAIL, 250), (RCPT, 250), (DATA, 354)):
                writer.write(cmd)
                code, line = await async_reply(reader, timeout)
                if code != want:
                    raise RuntimeError(f"{cmd!r} -> {line!r}")
            writer.write(body)
            await writer.drain()
            t0 = time.perf_counter()
            code, line = await async_reply(reader, timeout)
            out.append((time.perf_counter() - t0) * 1000.0)
            if code != 250:
                raise RuntimeError(f"end of DATA -> {line!r}")
        writer.write(b"QUIT\r\n")
        await async_reply(reader, timeout)
    finally:
        writer.close()


def run_asyncio(port, sessions, n, body, stop_at, timeout, deadline):
    async def all_sessions():
        samples = []
        tasks = [async_session(port, n, body, samples, stop_at, timeout) for _ in range(sessions)]
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), deadline - time.monotonic())
        return samples, [repr(r) for r in results if isinstance(r, BaseException)]
    cpu0 = time.process_time()
    samples, errors = asyncio.run(all_sessions())
    return samples, errors, time.process_time() - cpu0, len(samples), []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--messages-per-session", type=int, default=20)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--seconds", type=float, help="a session starts no new message after this long")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--client", choices=("procs", "asyncio"), default="procs")
    a = ap.parse_args()
    body = make_body(a.size)
    t0 = time.monotonic()
    stop_at = t0 + (a.seconds if a.seconds else a.timeout)
    deadline = t0 + a.timeout
    run = run_procs if a.client == "procs" else run_asyncio
    samples, errors, cpu, counted, wakes = run(a.port, a.sessions, a.messages_per_session, body, stop_at, 30, deadline)
    wall = time.monotonic() - t0
    s = sorted(samples)
    w = sorted(wakes)

    def pct(p, s=s):
        return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))] if s else None

    print(json.dumps({"sessions": a.sessions, "client": a.client, "count": len(s), "errors": errors[:3],
                      "error_count": len(errors), "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
                      "max_ms": s[-1] if s else None, "mean_ms": statistics.fmean(s) if s else None,
                      "wall_s": wall, "client_cpu_ms_per_msg": cpu * 1000.0 / counted if counted else None,
                      "p999_ms": pct(99.9), "client_wake_p50_ms": pct(50, w), "client_wake_p99_ms": pct(99, w),
                      "client_wake_max_ms": w[-1] if w else None}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
