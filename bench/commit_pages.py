#!/usr/bin/env python3
"""What one durable single-row commit costs in bare SQLite as it writes more pages: a row
with a unique id, plus 0, 2, 4 or 6 indexes on random 64-bit text keys (each a random leaf
page a commit), WAL, synchronous=FULL, 3 s each, then the 1-page fdatasync rate of the
same folder. With --page-sizes 1024,2048,4096: the 4-index case at each SQLite page size
instead. Usage: commit_pages.py [DIR] [--page-sizes N,N...]"""
import os, random, sqlite3, sys, tempfile, time

args = sys.argv[1:]
page_sizes = None
if "--page-sizes" in args:
    i = args.index("--page-sizes")
    page_sizes = [int(n) for n in args[i + 1].split(",")]
    del args[i:i + 2]
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

def fdatasync_rate():
    fd = os.open(os.path.join(d, "probe.bin"), os.O_CREAT | os.O_WRONLY, 0o644)
    os.pwrite(fd, b"\0" * (64 << 20), 0)
    os.fsync(fd)
    n, start = 0, time.time()
    while time.time() - start < 3:
        os.pwrite(fd, b"\7" * 4096, (n % 4096) * 4096)
        os.fdatasync(fd)
        n += 1
    os.close(fd)
    return n / (time.time() - start)

if page_sizes:
    rates = [("page size %5d, row + unique id + 4 random-key indexes" % p, commits_per_second(4, p)) for p in page_sizes]
else:
    rates = [("row + unique id + %d random-key indexes" % k, commits_per_second(k)) for k in (0, 2, 4, 6)]
sync = fdatasync_rate()
for what, r in rates:
    print("%s: %6.0f commits/s  (%3.0f%% of fdatasync)" % (what, r, 100 * r / sync))
print("fdatasync (4 KiB overwrite):             %6.0f /s" % sync)
for name in os.listdir(d):
    os.unlink(os.path.join(d, name))
os.rmdir(d)
