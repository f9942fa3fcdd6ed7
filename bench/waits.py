#!/usr/bin/env python3
"""Per message: context switches and CPU by thread family, and what each family blocked on (bench/waits.sh).

   waits.py MESSAGES PERTHREAD.csv SWITCHES.txt

PERTHREAD.csv is `perf stat --per-thread -x,` (context-switches, task-clock); SWITCHES.txt is `perf script -F
comm,ip,sym` over `perf record -e sched:sched_switch -g`: each switch's kernel stack says why the thread left
the core (an fsync's writeback, inode write, cache flush, a futex, preemption)."""
import collections
import re
import sys


def family(comm, tid=False):
    """A thread's family: its name (as the kernel keeps it, 15 characters) with numbers as N; with tid, the name is
    perf stat's comm-tid."""
    comm = comm.strip()
    if tid:
        comm = re.sub(r"-\d+$", "", comm)
    return re.sub(r"\d+", "N", comm).rstrip("-")


def why(frames):
    """What a switch waited for: the system call and, for the sync calls, the step of it."""
    call = next((f for f in frames if f.startswith("__x64_sys_")), None)
    call = call[len("__x64_sys_"):] if call else None
    if any("futex" in f for f in frames):
        return "futex (a Java lock, condition or park)"
    if call in ("fsync", "fdatasync"):
        step = ("data writeback" if any("filemap_fdatawait" in f for f in frames)
                else "cache flush" if any("blkdev_issue_flush" in f for f in frames)
                else "inode write" if any("write_inode" in f for f in frames)
                else "metadata buffers" if any("fsync_buffers_list" in f for f in frames)
                else "journal commit" if any("jbd2" in f for f in frames)
                else "other")
        return f"{call}: {step}"
    if any(f.startswith(("irqentry_exit", "exit_to_user_mode")) for f in frames):
        return "preempted"
    if any("epoll" in f for f in frames):
        return "epoll"
    return call or "other"


def main():
    n = int(sys.argv[1])
    cs = collections.Counter()
    cpu = collections.Counter()
    threads = collections.Counter()
    for line in open(sys.argv[2]):
        r = line.strip().split(",")
        if line.startswith("#") or len(r) < 4:
            continue
        try:
            v = float(r[1])
        except ValueError:
            continue
        f = family(r[0], tid=True)
        if r[3] == "context-switches":
            cs[f] += v
            threads[f] += 1 if v > 0 else 0
        elif r[3] == "task-clock":
            cpu[f] += v
    print(f"| thread family | threads | context switches per message | CPU ms per message |")
    print("|---|---|---|---|")
    for f, v in sorted(cs.items(), key=lambda x: -x[1])[:8]:
        print(f"| {f} | {threads[f]} | {v / n:.2f} | {cpu[f] / n:.3f} |")
    print(f"| all | {sum(threads.values())} | {sum(cs.values()) / n:.2f} | {sum(cpu.values()) / n:.3f} |")
    waits = collections.Counter()
    for block in open(sys.argv[3]).read().split("\n\n"):
        lines = [x.strip() for x in block.strip().split("\n") if x.strip()]
        if not lines:
            continue
        f = family(lines[0].split()[0])
        frames = [x.split(None, 1)[1].split("+")[0] for x in lines[1:] if len(x.split(None, 1)) > 1]
        waits[(f, why(frames))] += 1
    print()
    print("| thread family | left the core for | per message |")
    print("|---|---|---|")
    for (f, w), v in sorted(waits.items(), key=lambda x: -x[1]):
        if v / n >= 0.05:
            print(f"| {f} | {w} | {v / n:.2f} |")


if __name__ == "__main__":
    main()
