#!/usr/bin/env python3
"""Helpers of scripts/bench-scale.sh (issue 17, "All of France on one node").

  scale_tool.py frames DIR ACTORS DEPTS
      Writes the gRPC-framed requests h2load sends (one file per body):
      partners-<i>.bin  SuggestPartnersRequest{actor_id, limit 20, preview}
      coalition-<d>.bin SuggestCoalitionRequest{territory: département d,
                        themes: [t]}
      list-<d>.bin      ListActorsRequest{page_size 50, territory: d}
      ACTORS is comma-separated, DEPTS too, each d:t.
  scale_tool.py calls DIR ACTORS
      Writes the bodies of scripts/bench-calls.sh: empty.bin (the health
      check's), and for each actor i get-<i>.bin GetActorRequest{id},
      preview-<i>.bin and recorded-<i>.bin SuggestPartnersRequest{actor_id,
      limit 20[, preview]}.
  scale_tool.py percentiles LOG...
      p50 and p99 in ms of the requests in h2load --log-file files
      (start µs, status, elapsed µs per line); prints "p50 p99 count".
  scale_tool.py windows SAMPLES T0 T1 SIZE OUT
      From metric samples (time, import rows, stalls, stall s, stopped,
      pending compaction bytes, load, block cache hits, misses) taken while
      the CLI ran from T0 to T1, the import rate per 10 s window from the
      first row acknowledged to the last, appended to OUT as
      size,t,rows_per_s,stalls,stall_seconds,stopped,pending_bytes,load,
      cache_hit_ratio; prints the rate from first to last row, the least
      window rate, and the stalls counted in the import.
"""
import struct
import sys


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, value):
    """A length-delimited field (bytes) or a varint field (int)."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def frame(message):
    return b"\0" + struct.pack(">I", len(message)) + message


DEPARTEMENT = 4  # TERRITORY_LEVEL_DEPARTEMENT


def territory(code):
    return field(1, DEPARTEMENT) + field(2, code.encode())


def frames(out_dir, actors, depts):
    for i, actor in enumerate(actors.split(",")):
        body = field(1, actor.encode()) + field(2, 20) + field(10, 1)
        open(f"{out_dir}/partners-{i}.bin", "wb").write(frame(body))
    for entry in depts.split(","):
        d, theme = entry.split(":")
        coalition = field(1, territory(d)) + field(10, theme.encode())
        open(f"{out_dir}/coalition-{d}.bin", "wb").write(frame(coalition))
        listing = field(1, 50) + field(4, territory(d))
        open(f"{out_dir}/list-{d}.bin", "wb").write(frame(listing))


def calls(out_dir, actors):
    open(f"{out_dir}/empty.bin", "wb").write(frame(b""))
    for i, actor in enumerate(actors.split(",")):
        open(f"{out_dir}/get-{i}.bin", "wb").write(
            frame(field(1, actor.encode())))
        suggest = field(1, actor.encode()) + field(2, 20)
        open(f"{out_dir}/recorded-{i}.bin", "wb").write(frame(suggest))
        open(f"{out_dir}/preview-{i}.bin", "wb").write(
            frame(suggest + field(10, 1)))


def percentiles(logs):
    elapsed = []
    for path in logs:
        for line in open(path):
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "200":
                elapsed.append(int(parts[2]) / 1000.0)
    elapsed.sort()
    if not elapsed:
        print("nan nan 0")
        return

    def at(q):
        return elapsed[min(len(elapsed) - 1, int(q * len(elapsed)))]

    print(f"{at(0.50):.2f} {at(0.99):.2f} {len(elapsed)}")


def windows(samples_path, t0, t1, size, out_path):
    samples = []
    for line in open(samples_path):
        parts = line.strip().split(",")
        if len(parts) in (7, 9):  # 7: samples without the block cache
            parts += ["0"] * (9 - len(parts))
            samples.append([float(p) if p else 0.0 for p in parts])
    samples = [s for s in samples if t0 - 2 <= s[0] <= t1 + 2]
    if len(samples) < 2:
        print("nan nan 0 0")
        return

    def rows_at(t):  # linear between the samples around t
        for a, b in zip(samples, samples[1:]):
            if a[0] <= t <= b[0]:
                f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0
                return a[1] + f * (b[1] - a[1])
        return samples[0][1] if t < samples[0][0] else samples[-1][1]

    def last_before(t):
        before = [s for s in samples if s[0] <= t]
        return before[-1] if before else samples[0]

    # First row: the sample before the first that counts more rows than at
    # T0 (the CLI loads its reference data and legal units first); last row:
    # the first sample that counts them all.
    base, total = samples[0][1], samples[-1][1]
    first = next(a[0] for a, b in zip(samples, samples[1:]) if b[1] > base)
    last = next(s[0] for s in samples if s[1] >= total)
    least = None
    with open(out_path, "a") as out:
        t, previous = first, last_before(first)
        while t < last:
            end = min(t + 10, last)
            rate = (rows_at(end) - rows_at(t)) / (end - t)
            if end - t >= 5:  # a last window under 5 s says little
                least = rate if least is None else min(least, rate)
            s = last_before(end)
            lookups = (s[7] - previous[7]) + (s[8] - previous[8])
            hits = (s[7] - previous[7]) / lookups if lookups > 0 else float("nan")
            out.write(f"{size},{t - first:.0f},{rate:.0f},{s[2]:.0f},{s[3]:.1f},"
                      f"{s[4]:.0f},{s[5]:.0f},{s[6]},{hits:.3f}\n")
            t, previous = end, s
    start, end = last_before(first), last_before(last + 2)
    print(f"{(total - base) / (last - first):.0f} "
          f"{least if least is not None else float('nan'):.0f} "
          f"{end[2] - start[2]:.0f} {end[3] - start[3]:.1f}")


def main(argv):
    if len(argv) == 5 and argv[1] == "frames":
        frames(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "calls":
        calls(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "percentiles":
        percentiles(argv[2:])
    elif len(argv) == 7 and argv[1] == "windows":
        windows(argv[2], float(argv[3]), float(argv[4]), argv[5], argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
