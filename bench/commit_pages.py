#!/usr/bin/env python3
"""What one durable single-row commit costs in bare SQLite as it writes more pages: a row
with a unique id, plus 0, 2, 4 or 6 indexes on random 64-bit text keys (each a random leaf
page a commit), WAL, synchronous=FULL, 3 s each, then the 1-page fdatasync rate of the
same folder. With --page-sizes 1024,2048,4096: the 4-index case at each SQLite page size
instead. With --floor [ROUNDS]: the least a durable SQLite commit can write (one row in a rowid
table, one data page; then the row plus a unique id, two pages), the WAL grown first so
that commits overwrite it (as `tally serve` does), each case between two 4 KiB fdatasync
probes, and a raw write of one WAL frame (24 + 4096 bytes at a frame's offset) + fdatasync,
to tell SQLite's cost from the disk's.
Usage: commit_pages.py [DIR] [--page-sizes N,N...] [--floor [ROUNDS]]"""
import os, random, sqlite3, sys, tempfile, time

args = sys.argv[1:]
page_sizes = None
if "--page-sizes" in args:
    i = args.index("--page-sizes")
    page_sizes = [int(n) for n in args[i + 1].split(",")]
    del args[i:i + 2]
floor_rounds = None
if "--floor" in args:
    i = args.index("--floor")
    counted = i + 1 < len(args) and args[i + 1].isdigit()
    floor_rounds = int(args[i + 1]) if counted else 3
    del args[i:i + (2 if counted else 1)]
d = tempfile.mkdtemp(dir=args[0] if args else None)

def commits_per_second(indexes, page_size=4096):
    path = os.path.join(d, "pages%d-%d.db" % (indexes, page_size))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA page_size=%d" % page_size)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    keys = "".join(", k%d TEXT" % i for i in range(indexes))
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, data TEXT%s)" % keys)
    for i in range(indexes):
        db.execute("CREATE INDEX i%d ON t (k%d)" % (i, i))
    insert = "INSERT INTO t (id, data%s) VALUES (?, ?%s)" % ("".join(", k%d" % i for i in range(indexes)), ", ?" * indexes)
    key = lambda: "%016x" % random.getrandbits(64)
    # 100,000 rows first, so that the indexes have many leaf pages.
    db.execute("BEGIN")
    db.executemany(insert, [("w%09d" % i, "x" * 300, *[key() for _ in range(indexes)]) for i in range(100000)])
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n, start = 0, time.time()
    while time.time() - start < 3:
        db.execute(insert, ("e%09d" % n, "y" * 300, *[key() for _ in range(indexes)]))
        n += 1
    return n / (time.time() - start)

def fdatasync_rate(seconds=3, frame=False):
    """4 KiB overwritten and synced, block after block; with frame: a WAL frame's 24-byte
    header and 4096-byte page at the frame offsets SQLite uses (32 + n * 4120)."""
    fd = os.open(os.path.join(d, "probe.bin"), os.O_CREAT | os.O_WRONLY, 0o644)
    os.pwrite(fd, b"\0" * (64 << 20), 0)
    os.fsync(fd)
    n, start = 0, time.time()
    while time.time() - start < seconds:
        if frame:
            offset = 32 + (n % 4096) * 4120
            os.pwrite(fd, b"\5" * 24, offset)
            os.pwrite(fd, b"\7" * 4096, offset + 24)
        else:
            os.pwrite(fd, b"\7" * 4096, (n % 4096) * 4096)
        os.fdatasync(fd)
        n += 1
    os.close(fd)
    return n / (time.time() - start)

def floor_commits_per_second(unique, seconds=3):
    """One-row durable commits into a rowid table (with unique: and a unique id), the WAL
    grown beforehand and restarted, so that each commit overwrites WAL blocks."""
    sub = tempfile.mkdtemp(dir=d)
    db = sqlite3.connect(os.path.join(sub, "floor.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL%s, data TEXT)" % (" UNIQUE" if unique else ""))
    db.execute("BEGIN")
    db.executemany("INSERT INTO t (id, data) VALUES (?, ?)", [("w%016x" % random.getrandbits(64), "x" * 400) for _ in range(100000)])
    db.execute("COMMIT")
    db.execute("CREATE TABLE pad (x BLOB)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO pad VALUES (?)", [(b"z" * 4000,) for _ in range(8000)])
    db.execute("COMMIT")
    db.execute("DROP TABLE pad")
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    n, start = 0, time.time()
    while time.time() - start < seconds:
        db.execute("INSERT INTO t (id, data) VALUES (?, ?)", ("e%016x" % random.getrandbits(64), "y" * 400))
        n += 1
    rate = n / (time.time() - start)
    db.close()
    for name in os.listdir(sub):
        os.unlink(os.path.join(sub, name))
    os.rmdir(sub)
    return rate

if floor_rounds:
    print("round  case                                   commits/s  probes before/after   of probes")
    for r in range(1, floor_rounds + 1):
        for what, run in (("one row, one page", lambda: floor_commits_per_second(False)),
                          ("one row + unique id, two pages", lambda: floor_commits_per_second(True)),
                          ("raw WAL frame (24 + 4096 bytes)", lambda: fdatasync_rate(frame=True))):
            before = fdatasync_rate(2)
            rate = run()
            after = fdatasync_rate(2)
            print("%5d  %-36s %9.0f  %6.0f / %6.0f /s   %5.0f%%" % (r, what, rate, before, after, 200 * rate / (before + after)), flush=True)
    rates = []
elif page_sizes:
    rates = [("page size %5d, row + unique id + 4 random-key indexes" % p, commits_per_second(4, p)) for p in page_sizes]
else:
    rates = [("row + unique id + %d random-key indexes" % k, commits_per_second(k)) for k in (0, 2, 4, 6)]
sync = fdatasync_rate() if rates else 0
for what, r in rates:
    print("%s: %6.0f commits/s  (%3.0f%% of fdatasync)" % (what, r, 100 * r / sync))
if rates:
    print("fdatasync (4 KiB overwrite):             %6.0f /s" % sync)
for name in os.listdir(d):
    os.unlink(os.path.join(d, name))
os.rmdir(d)
