#!/usr/bin/env python3
"""A counting SMTP sink for the scale benchmarks (bench/queue-scale.sh, bench/list-scale.sh).

Accepts every message (or, with --defer, answers 451 to every RCPT), keeps nothing but counts: connections,
transactions, recipients, and connections and recipients per recipient domain. Pipelining is offered, so a
client may send its RCPT commands in one write. Writes its counts as JSON to --stats when it gets SIGUSR1 and
when it ends (SIGTERM), and stops by itself after --timeout seconds. Listens on 127.0.0.1 only.

    bench/sink.py --port 2525 --stats /tmp/sink.json [--defer] [--timeout 3600]
"""
import argparse
import asyncio
import collections
import json
import signal
import time

counts = {"connections": 0, "transactions": 0, "recipients": 0, "deferred_rcpts": 0, "bytes": 0,
          "first_rcpt": None, "last_data": None}
per_domain_conns = collections.Counter()
per_domain_rcpts = collections.Counter()


def stats():
    conns = sorted(per_domain_conns.values())
    return dict(counts, domains=len(per_domain_rcpts),
                conns_per_domain_min=conns[0] if conns else 0,
                conns_per_domain_max=conns[-1] if conns else 0,
                conns_per_domain_mean=(sum(conns) / len(conns)) if conns else 0)


def write_stats(path):
    with open(path + ".tmp", "w") as f:
        json.dump(stats(), f)
    import os
    os.replace(path + ".tmp", path)


async def session(reader, writer, defer):
    counts["connections"] += 1
    domains_here = set()
    write = writer.write
    write(b"220 sink.test ESMTP\r\n")
    rcpts = 0
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = line[:4].upper()
            if cmd == b"RCPT":
                if defer:
                    counts["deferred_rcpts"] += 1
                    write(b"451 4.3.0 try again later\r\n")
                    continue
                addr = line[line.find(b"<") + 1:line.rfind(b">")]
                domain = addr[addr.rfind(b"@") + 1:].lower().decode("ascii", "replace")
                per_domain_rcpts[domain] += 1
                if domain not in domains_here:
                    domains_here.add(domain)
                    per_domain_conns[domain] += 1
                if counts["first_rcpt"] is None:
                    counts["first_rcpt"] = time.time()
                rcpts += 1
                write(b"250 2.1.5 ok\r\n")
            elif cmd == b"DATA":
                write(b"354 go ahead\r\n")
                await writer.drain()
                size = 0
                while True:
                    chunk = await reader.readline()
                    if not chunk:
                        return
                    if chunk == b".\r\n":
                        break
                    size += len(chunk)
                counts["transactions"] += 1
                counts["recipients"] += rcpts
                counts["bytes"] += size
                counts["last_data"] = time.time()
                rcpts = 0
                write(b"250 2.0.0 ok\r\n")
            elif cmd in (b"EHLO", b"HELO"):
                write(b"250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n"
                      if cmd == b"EHLO" else b"250 sink.test\r\n")
            elif cmd == b"QUIT":
                write(b"221 2.0.0 bye\r\n")
                break
            elif cmd == b"RSET":
                rcpts = 0
                write(b"250 2.0.0 ok\r\n")
            elif cmd == b"MAIL":
                rcpts = 0
                write(b"250 2.1.0 ok\r\n")
            else:
                write(b"250 2.0.0 ok\r\n")
            if reader._buffer.find(b"\n") < 0:  # nothing more pipelined: answer now
                await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except asyncio.CancelledError:  # the sink stops with connections still open (a client's cached sessions)
        writer.close()
        return  # quietly: a cancelled session task would print a traceback per connection
    finally:
        if not writer.is_closing():
            try:
                await writer.drain()
                writer.close()
            except Exception:
                pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--defer", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600)
    a = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: session(r, w, a.defer), "127.0.0.1", a.port, backlog=1024)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, lambda: write_stats(a.stats))
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    write_stats(a.stats)  # the file's presence says the sink listens
    try:
        await asyncio.wait_for(stop, a.timeout)
    except asyncio.TimeoutError:
        pass
    server.close()
    write_stats(a.stats)


asyncio.run(main())
