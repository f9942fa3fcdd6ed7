#!/usr/bin/env python3
"""The tail of one fdatasync on this disk while a delivery's fsyncs run beside it, without any mail server.

    disk_mix.py DIR [--seconds S] [--journal-rate R] [--deliveries D] [--delivery-threads T] [--gate] [--busy N]

Two kinds of writer on the file system of DIR, as Tern's spool and Maildir share it at 10 sessions:
- the journal: one thread appends a record of 1.4 KB to a file written full of zeros first and fdatasyncs it,
  R times a second (default 330: Tern's journal fsyncs at 1,100 msgs/s and 3.3 messages per fsync);
- the deliveries: T threads (default 2, the local lane's batchers) that together write D files a second (default
  1,100) of 1 KB each: write, fsync, rename into new/, and fsync new/ once per batch of 4 (0 for none).
With --gate a delivery's fsync waits, before it starts, for a journal fdatasync running at that moment to end.
With --busy N, N processes spin on the CPU for the run (N = the number of cores: every core busy, as a closed-loop
client and a saturated server make them): the time an fdatasync takes then includes the wait for a core after it.
Prints one JSON object: the journal's fdatasync median, p90, p99 and max (ms) and how many of each ran. The files
are removed afterwards. With --deliveries 0 it is the journal alone: the floor of the disk for that writer.
"""
import argparse, json, multiprocessing, os, shutil, tempfile, threading, time


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))] * 1000, 3) if xs else None


def spin(until):
    while time.monotonic() < until:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--journal-rate", type=float, default=330.0)
    ap.add_argument("--deliveries", type=float, default=1100.0)
    ap.add_argument("--delivery-threads", type=int, default=2)
    ap.add_argument("--gate", action="store_true")
    ap.add_argument("--busy", type=int, default=0)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="disk-mix.", dir=a.dir)
    stop = time.monotonic() + a.seconds
    journal_running = threading.Event()
    journal_idle = threading.Condition()
    times, deliveries = [], [0]
    try:
        jpath = os.path.join(work, "journal")
        jfd = os.open(jpath, os.O_RDWR | os.O_CREAT, 0o600)
        os.write(jfd, b"\0" * (8 << 20))
        os.fsync(jfd)
        new = os.path.join(work, "new")
        tmp = os.path.join(work, "tmp")
        os.mkdir(new)
        os.mkdir(tmp)

        def journal():
            record = b"r" * 1433
            period = 1.0 / a.journal_rate
            offset, nxt = 0, time.monotonic()
            while time.monotonic() < stop and offset + len(record) < (8 << 20):
                nxt += period
                os.pwrite(jfd, record, offset)
                offset += len(record)
                t0 = time.monotonic()
                journal_running.set()
                os.fdatasync(jfd)
                journal_running.clear()
                with journal_idle:
                    journal_idle.notify_all()
                times.append(time.monotonic() - t0)
                delay = nxt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

        def deliver(n):
            if a.deliveries <= 0:
                return
            period = a.delivery_threads / a.deliveries
            body = b"m" * 1023 + b"\n"
            i, nxt = 0, time.monotonic()
            dfd = os.open(new, os.O_RDONLY)
            while time.monotonic() < stop:
                nxt += period
                name = "%d.%d" % (n, i)
                fd = os.open(os.path.join(tmp, name), os.O_WRONLY | os.O_CREAT, 0o600)
                os.write(fd, body)
                if a.gate:
                    with journal_idle:
                        if journal_running.is_set():
                            journal_idle.wait(0.05)
                os.fsync(fd)
                os.close(fd)
                os.rename(os.path.join(tmp, name), os.path.join(new, name))
                i += 1
                deliveries[0] += 1
                if i % 4 == 0:
                    os.fsync(dfd)
                delay = nxt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            os.close(dfd)

        spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(a.busy)]
        for p in spinners:
            p.start()
        threads = [threading.Thread(target=journal)] + [
            threading.Thread(target=deliver, args=(n,)) for n in range(a.delivery_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in spinners:
            p.join()
        os.close(jfd)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({
        "journal_fdatasyncs": len(times), "deliveries": deliveries[0], "seconds": a.seconds, "gate": a.gate,
        "busy": a.busy,
        "p50_ms": pct(times, 0.5), "p90_ms": pct(times, 0.9), "p99_ms": pct(times, 0.99),
        "max_ms": pct(times, 1.0),
    }))


if __name__ == "__main__":
    main()
