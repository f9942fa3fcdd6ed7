#!/usr/bin/env python3
"""Latency from the end of DATA to the 250 reply, per message, with S concurrent SMTP sessions.

    latency.py --port PORT --sessions S --messages-per-session M [--size BYTES] [--timeout SEC]

Each session connects once, says EHLO, then sends M messages of SIZE bytes (MAIL, RCPT, DATA, content); the
clock starts when the last octets of the content and its <CRLF>.<CRLF> have been handed to the socket, and
stops when the complete 250 reply line has been read. Prints JSON: count, p50, p90, p99, max in milliseconds.
Bounded: every read has a timeout and the whole run stops at --timeout.
"""
import argparse, asyncio, json, statistics, sys, time


async def reply(reader, timeout):
    """Reads one (possibly multi-line) reply; returns (code, last line)."""
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise ConnectionError("connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), line


async def session(port, n, body, out, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        code, _ = await reply(reader, timeout)
        assert code == 220, code
        writer.write(b"EHLO latency.client.test\r\n")
        code, _ = await reply(reader, timeout)
        assert code == 250, code
        for _ in range(n):
            for cmd, want in ((b"MAIL FROM:<bench@client.test>\r\n", 250),
                              (b"RCPT TO:<alice@example.test>\r\n", 250),
                              (b"DATA\r\n", 354)):
                writer.write(cmd)
                code, line = await reply(reader, timeout)
                if code != want:
                    raise RuntimeError(f"{cmd!r} -> {line!r}")
            writer.write(body)
            await writer.drain()
            t0 = time.perf_counter()
            code, line = await reply(reader, timeout)
            out.append((time.perf_counter() - t0) * 1000.0)
            if code != 250:
                raise RuntimeError(f"end of DATA -> {line!r}")
        writer.write(b"QUIT\r\n")
        await reply(reader, timeout)
    finally:
        writer.close()


def make_body(size):
    line = b"Latency test line of text, a fixed and boring seventy-six octets long....\r\n"
    head = b"From: <bench@client.test>\r\nTo: <alice@example.test>\r\nSubject: latency\r\n\r\n"
    n = max(1, size // len(line))
    return head + line * n + b".\r\n"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--messages-per-session", type=int, default=20)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    body = make_body(a.size)
    samples = []
    t0 = time.monotonic()
    tasks = [session(a.port, a.messages_per_session, body, samples, 30) for _ in range(a.sessions)]
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), a.timeout)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    wall = time.monotonic() - t0
    s = sorted(samples)

    def pct(p):
        return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))] if s else None

    print(json.dumps({"sessions": a.sessions, "count": len(s), "errors": errors[:3], "error_count": len(errors),
                      "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": s[-1] if s else None,
                      "mean_ms": statistics.fmean(s) if s else None, "wall_s": wall}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
