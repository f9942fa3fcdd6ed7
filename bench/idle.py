#!/usr/bin/env python3
"""Holds N idle SMTP sessions open (each after its EHLO reply) and reports when they are all up.

    idle.py --port PORT --sessions N [--hold SEC] [--batch B]

Opens the connections in batches of B, reads each greeting, sends EHLO and reads the reply. Then prints
"READY n" on stdout (n sessions established) and waits until stdin closes or --hold seconds pass, whichever
comes first; then says QUIT on every session and exits. The caller measures the server while it waits.
"""
import argparse, asyncio, resource, sys


async def reply(reader):
    while True:
        line = await asyncio.wait_for(reader.readline(), 60)
        if not line:
            raise ConnectionError("closed")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


async def open_one(port):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
    if await reply(reader) != 220:
        raise RuntimeError("no 220")
    writer.write(b"EHLO idle.client.test\r\n")
    if await reply(reader) != 250:
        raise RuntimeError("EHLO refused")
    return reader, writer


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--hold", type=float, default=120)
    ap.add_argument("--batch", type=int, default=250)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.sessions + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.sessions + 1000), hard))
    conns, errors = [], []
    for i in range(0, a.sessions, a.batch):
        res = await asyncio.gather(*(open_one(a.port) for _ in range(min(a.batch, a.sessions - i))),
                                   return_exceptions=True)
        for r in res:
            (errors if isinstance(r, BaseException) else conns).append(r)
    print(f"READY {len(conns)} errors={len(errors)} {repr(errors[0]) if errors else ''}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.read), a.hold)
    except asyncio.TimeoutError:
        pass
    for _, w in conns:
        try:
            w.write(b"QUIT\r\n")
            w.close()
        except Exception:
            pass
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
