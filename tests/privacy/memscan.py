#!/usr/bin/env python3
"""memscan.py PID NEEDLE...: where in a running process's memory each NEEDLE
is, one line per hit ("NEEDLE ADDRESS MAPPING"), nothing if none is.

Every readable mapping is read from /proc/PID/mem in chunks that overlap by
the longest needle. Mappings over 1 GiB are the sanitizers' shadow and
reserve, not data. Exit status 1 if any needle was found."""
import re
import sys

CHUNK = 1 << 20


def mappings(pid):
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r\S+ \S+ \S+ \S+\s*(.*)", line)
            if m:
                yield int(m.group(1), 16), int(m.group(2), 16), m.group(3) or "[anon]"


def scan(pid, needles):
    longest = max(len(n) for n in needles)
    hits = []
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for start, end, name in mappings(pid):
            if end - start > 1 << 30:
                continue
            tail = b""
            for at in range(start, end, CHUNK):
                try:
                    mem.seek(at)
                    data = tail + mem.read(min(CHUNK, end - at))
                except (OSError, ValueError, OverflowError):
                    break
                base = at - len(tail)
                for n in needles:
                    i = data.find(n)
                    while i >= 0:
                        if base + i + len(n) > at:  # not one seen in the last chunk
                            hits.append((n, base + i, name))
                        i = data.find(n, i + 1)
                tail = data[max(0, len(data) - (longest - 1)):]
    return hits


def main():
    pid, needles = sys.argv[1], [n.encode() for n in sys.argv[2:]]
    hits = scan(pid, needles)
    for needle, address, name in hits:
        print(f"{needle.decode(errors='replace')} {address:#x} {name}")
    sys.exit(1 if hits else 0)


if __name__ == "__main__":
    main()
