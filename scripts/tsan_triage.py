#!/usr/bin/env python3
"""Sorts ThreadSanitizer reports into ours and the libraries' own.

    scripts/tsan_triage.py REPO_ROOT LOG...

Debian's gRPC, protobuf and Abseil are not built with TSan, so TSan cannot
see some of the orderings gRPC makes between its own threads, and reports
races that are gRPC's alone (tests/tsan.supp suppresses those it can name
without hiding ours; RELIABILITY.md, "Sanitizers"). This script is the judge
scripts/sanitize.sh thread applies to what remains:

- a data race is *ours* when a frame of either access (the access reported
  and the previous one) is in a file under REPO_ROOT, or is an unsymbolised
  frame of one of our executables: our code made one of the two accesses,
  or called what made it (a `delete this` in a reactor's OnDone, say);
- a data race with no such frame in either access is *foreign*: both
  accesses were made by library code on library threads (the stacks that
  created the threads, or allocated the memory, do not count: our code
  starts every server);
- every other kind of report (lock-order inversion, use after free, signal
  handler misuse, ...) is ours, whatever its frames.

Prints every report of ours in full and one line per foreign report, and
exits 1 if there is a report of ours, else 0.
"""

import re
import sys

SEPARATOR = "=================="
ACCESS = re.compile(r"^  (Previous )?(atomic )?(Write|Read|write|read) of size \d+ at ")
SECTION = re.compile(r"^  \S")
FRAME = re.compile(r"^\s+#\d+ ")
KIND = re.compile(r"WARNING: ThreadSanitizer: (.+?) \(pid=")


def reports_in(text):
    """The reports of one log, each a list of lines."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.strip() == SEPARATOR:
            if current:
                blocks.append(current)
            current = []
        elif current is not None:
            current.append(line)
    if current:
        blocks.append(current)
    return [b for b in blocks if any("WARNING: ThreadSanitizer" in l for l in b)]


def access_frames(report):
    """The frames of the report's access stacks."""
    frames, in_access = [], False
    for line in report:
        if SECTION.match(line):
            in_access = bool(ACCESS.match(line))
        elif in_access and FRAME.match(line):
            frames.append(line)
    return frames


UNSYMBOLISED = re.compile(r"<null> \((?P<module>[^+)]+)\+0x")


def frame_is_ours(frame, root):
    """In a file under root, or in one of our executables with no file known
    (a shared library's unsymbolised frame is the library's)."""
    if root in frame:
        return True
    unsymbolised = UNSYMBOLISED.search(frame)
    return bool(unsymbolised) and ".so" not in unsymbolised.group("module")


def is_ours(report, root):
    kind = next((m.group(1) for l in report for m in [KIND.search(l)] if m), "")
    if kind != "data race":
        return True
    return any(frame_is_ours(frame, root) for frame in access_frames(report))


def summary(report):
    return next((l for l in report if l.startswith("SUMMARY:")), report[0]).strip()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[0].rstrip("/") + "/"
    ours, foreign = [], []
    for path in argv[1:]:
        with open(path, errors="replace") as log:
            for report in reports_in(log.read()):
                (ours if is_ours(report, root) else foreign).append((path, report))
    for path, report in ours:
        print(f"==== {path}: a report of ours")
        print(SEPARATOR)
        print("\n".join(report))
    for path, report in foreign:
        print(f"foreign (no frame of ours in either access): {path}: {summary(report)}")
    print(f"tsan_triage: {len(ours)} report(s) of ours, {len(foreign)} foreign")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
