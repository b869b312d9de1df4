#!/usr/bin/env python3
"""Samples, every second until the process ends, the CPU its threads took,
grouped by thread name, and the share of the machine left idle.

    scripts/thread_cpu.py PID OUT.csv

One CSV line a second: `time,idle_share,group=cores;group=cores;...` with
the groups in decreasing order of CPU (cores: CPU seconds per second; names
lose their trailing digits, so RocksDB's `rocksdb:low0` and `rocksdb:low1`
add up as `rocksdb:low`). The server's request workers carry the process's
own name. The soak (scripts/soak.sh) runs it beside the load: joined with
the server's request log, it tells a server short of CPU (idle near 0) from
one waiting on something else (idle left, calls slow), and shows how much
of a core the compactions (`rocksdb:low`, nice 19) and flushes
(`rocksdb:high`) took at each moment.
"""
import collections
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def thread_times(pid):
    """{tid: (name, user + system ticks)} for the live threads of pid."""
    times = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        times[tid] = (name, int(fields[11]) + int(fields[12]))
    return times


def machine_idle():
    """(idle + iowait ticks, all ticks) of the machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return values[3] + values[4], sum(values)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pid, path = sys.argv[1], sys.argv[2]
    with open(path, "w") as out:
        out.write("time,idle_share,groups\n")
        before, idle_before = thread_times(pid), machine_idle()
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(1)
            try:
                now = thread_times(pid)
            except FileNotFoundError:
                break  # the process ended
            idle_now = machine_idle()
            groups = collections.Counter()
            for tid, (name, ticks) in now.items():
                if tid in before:
                    group = name.rstrip("0123456789:-_") or name
                    groups[group] += (ticks - before[tid][1]) / TICKS
            idle = (idle_now[0] - idle_before[0]) / max(1, idle_now[1] - idle_before[1])
            cores = ";".join(f"{g}={c:.2f}" for g, c in groups.most_common())
            out.write(f"{time.strftime('%H:%M:%S')},{idle:.2f},{cores}\n")
            out.flush()
            before, idle_before = now, idle_now


if __name__ == "__main__":
    main()
