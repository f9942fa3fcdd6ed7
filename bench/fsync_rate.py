#!/usr/bin/env python3
"""The disk's single-writer fsync rate: one process appends 1 KB to a file and fsyncs it, again and again.

    fsync_rate.py DIR [--seconds S]

DIR is on the file system the servers write to. Prints one JSON object: fsyncs, seconds, rate (fsyncs/s) and
the median and p99 time of one write + fsync in ms. The file is removed afterwards. Bounded by --seconds (and
at most 100,000 fsyncs). This is the ceiling of any design that makes one fsync per message per writer in
turn: a message that needs k fsyncs one after another cannot be acknowledged faster than rate/k per writer.
"""
import argparse, json, os, statistics, tempfile, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    fd, path = tempfile.mkstemp(prefix="fsync-rate.", dir=a.dir)
    block = b"x" * 1023 + b"\n"
    times = []
    try:
        start = time.monotonic()
        deadline = start + a.seconds
        while time.monotonic() < deadline and len(times) < 100_000:
            t0 = time.monotonic()
            os.write(fd, block)
            os.fsync(fd)
            times.append(time.monotonic() - t0)
        elapsed = time.monotonic() - start
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    print(json.dumps({
        "fsyncs": len(times), "seconds": round(elapsed, 3), "rate": round(len(times) / elapsed),
        "median_ms": round(statistics.median(times) * 1000, 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 3),
    }))


if __name__ == "__main__":
    main()
