#!/usr/bin/env python3
"""The soak second by second, from the server's side.

    scripts/soak_seconds.py SERVER_LOG THREADS_CSV > seconds.csv

Joins the server's request log (one `request` line per call, with its
`latency_ms` from the handler's start to its answer) with the per-second CPU
samples of scripts/thread_cpu.py and the `storage.compaction` lines (a
compaction is active from its end time minus its `seconds`). One CSV line a
second: calls completed, calls over 50 ms, the machine's idle share, the CPU
of the server's request threads, compactions (`rocksdb:low`), flushes
(`rocksdb:high`) and the weight learner's background round (`mlg-weights`),
and the compactions writing over 20 MB under way.

A backlog the load generator reports while the server completes its calls
fast and the machine has idle left is the client's or the transport's; one
with calls slow and idle near 0 is the server short of CPU.
"""
import collections
import datetime
import json
import sys

SLOW_MS = 50
LEARNER = "mlg-weights"  # core/weight_book.cc names its threads so


def second_of(time_text):
    """'2026-12-07T03:52:00.123Z' -> '03:52:00'."""
    return time_text[11:19]


def read_log(path):
    completed, slow, compactions = collections.Counter(), collections.Counter(), []
    with open(path) as log:
        for line in log:
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            event = entry.get("event")
            if event == "request":
                second = second_of(entry["time"])
                completed[second] += 1
                if entry.get("latency_ms", 0) >= SLOW_MS:
                    slow[second] += 1
            elif event == "storage.compaction" and entry.get("bytes_written", 0) > 20e6:
                end = datetime.datetime.fromisoformat(entry["time"].rstrip("Z"))
                start = end - datetime.timedelta(seconds=entry["seconds"])
                label = "%s L%d-L%d %d MB" % (
                    entry["family"], entry["input_level"], entry["output_level"],
                    entry["bytes_written"] / 1e6)
                compactions.append((start, end, label))
    return completed, slow, compactions


def read_threads(path):
    samples = {}
    with open(path) as csv:
        next(csv, None)
        for line in csv:
            second, idle, groups = line.rstrip("\n").split(",", 2)
            cores = dict(g.split("=") for g in groups.split(";") if "=" in g)
            samples[second] = (float(idle), cores)
    return samples


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    completed, slow, compactions = read_log(sys.argv[1])
    samples = read_threads(sys.argv[2])
    day = None
    for c in compactions:
        day = c[0].date()
    print("time,completed,over_%d_ms,idle_share,server_cores,compaction_cores,"
          "flush_cores,learner_cores,compactions" % SLOW_MS)
    for second in sorted(completed):
        if second not in samples:
            continue
        idle, cores = samples[second]
        active = []
        if day is not None:
            at = datetime.datetime.combine(day, datetime.time.fromisoformat(second))
            active = [label for start, end, label in compactions
                      if start - datetime.timedelta(seconds=1) <= at <= end]
        server = sum(float(v) for k, v in cores.items()
                     if not k.startswith("rocksdb") and k != LEARNER)
        print("%s,%d,%d,%.2f,%.2f,%s,%s,%s,%s" % (
            second, completed[second], slow[second], idle, server,
            cores.get("rocksdb:low", "0"), cores.get("rocksdb:high", "0"),
            cores.get(LEARNER, "0"), " + ".join(active)))


if __name__ == "__main__":
    main()
