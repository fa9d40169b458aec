#!/usr/bin/env python3
"""walpages.py - what each commit in a copy of refgwd's store wrote.

    bench/walpages.py DIR

DIR holds a copy of refgw.db and refgw.db-wal taken while refgwd ran (not
after it stopped: a clean stop copies the WAL back and erases it). Reads
the WAL's current pass (the frames whose salts are its header's), groups
its frames into commits (a commit's last frame records the database's
size), and names each frame's page by the b-tree that holds it in the copy
(SQLite's dbstat). Prints frames per commit, by b-tree.
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

WAL_HEADER = 32
FRAME_HEADER = 24


def commits_of(wal):
    _magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", wal[:24])
    frame = FRAME_HEADER + page_size
    commits, current = [], []
    for off in range(WAL_HEADER, len(wal) - frame + 1, frame):
        page, db_size, s1, s2 = struct.unpack(">4I", wal[off : off + 16])
        if (s1, s2) != (salt1, salt2):
            break  # the end of this pass: what follows is an older one's
        current.append(page)
        if db_size:
            commits.append(current)
            current = []
    return page_size, commits


def btree_of_pages(folder):
    # dbstat reads the copy with its WAL; a copy of the copy keeps DIR as it was.
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("refgw.db", "refgw.db-wal"):
            shutil.copy(os.path.join(folder, name), tmp)
        db = sqlite3.connect(os.path.join(tmp, "refgw.db"))
        names = dict(db.execute("SELECT pageno, name FROM dbstat"))
        db.close()
    names[1] = "page 1 (header, schema)"
    return names


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: walpages.py DIR")
    folder = sys.argv[1]
    with open(os.path.join(folder, "refgw.db-wal"), "rb") as f:
        wal = f.read()
    if len(wal) < WAL_HEADER:
        sys.exit("walpages: the WAL is empty (copied after a clean stop?)")
    page_size, commits = commits_of(wal)
    if not commits:
        sys.exit("walpages: no commit in the WAL's current pass")
    names = btree_of_pages(folder)
    by_tree = collections.Counter(names.get(p, "free or gone") for c in commits for p in c)
    frames = sum(len(c) for c in commits)
    print(f"page size {page_size}; {len(commits)} commits, {frames} frames "
          f"({frames / len(commits):.1f} a commit) in the WAL's current pass")
    print()
    print("| b-tree | frames | a commit |")
    print("|---|---|---|")
    for name, n in by_tree.most_common():
        print(f"| {name} | {n} | {n / len(commits):.2f} |")


if __name__ == "__main__":
    main()
