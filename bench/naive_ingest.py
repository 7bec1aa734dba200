#!/usr/bin/env python3
"""The naive Python ingest the append target is measured against: json.loads per
line and executemany into a table with a unique id, WAL, synchronous=FULL,
10,000 rows per transaction (or BATCH). Usage: naive_ingest.py EVENTS.ndjson [BATCH]"""
import json, os, sqlite3, sys, tempfile, time

path = sys.argv[1]
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
db_path = os.path.join(tempfile.mkdtemp(), "naive.db")
db = sqlite3.connect(db_path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT, occurred_at TEXT, source TEXT, data TEXT)")
start = time.time()
rows, count = [], 0
def flush():
    db.execute("BEGIN")
    db.executemany("INSERT INTO events (id, type, occurred_at, source, data) VALUES (?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    rows.clear()
with open(path, "rb") as f:
    for line in f:
        e = json.loads(line)
        rows.append((e["id"], e["type"], e["occurred_at"], e.get("source", "unknown"), json.dumps(e["data"])))
        count += 1
        if len(rows) == BATCH:
            flush()
if rows:
    flush()
seconds = time.time() - start
print(f"naive Python ingest (json.loads + executemany, unique id): {count / seconds:10.0f} events/s  ({count} events in {seconds:.2f} s)")
