#!/usr/bin/env python3
"""What each index of the journal costs a batched insert: copies the rows of a real journal
(read back from JOURNAL, so no JSON, validation or hashing is timed) into fresh SQLite files
with different index sets, 10,000 rows a transaction, WAL, synchronous=FULL, the journal's
cache size. INSERT ... SELECT, so Python binds nothing per row.

Usage: index_costs.py JOURNAL [VARIANT,...]
  python       the naive ingest's table: (seq, id UNIQUE, type, occurred_at, source, data)
  cover        the events rows with the id index and the covering replay index only
  all          cover + the nine lookup indexes the journal had on events until 2026-11-29
  one0..one8   cover + one of those nine (order, sku, fulfillment, email, tracking, ref,
               snapshot, code, refund)
  tables       cover + the six lookup indexes kept on events, then the SKU, email and
               tracking lookup tables filled in key order in one more transaction (timed)
"""
import os, sqlite3, sys, tempfile, time

src = sys.argv[1]
variants = (sys.argv[2] if len(sys.argv) > 2 else "python,cover,all,tables").split(",")
s = sqlite3.connect(src)
columns = [r[1] for r in s.execute("PRAGMA table_info(events)")]
ddl = s.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
n = s.execute("SELECT max(seq) FROM events").fetchone()[0]
s.close()
LOOKUPS = ["(order_id, occurred_us) WHERE order_id IS NOT NULL", "(sku, type, occurred_us) WHERE sku IS NOT NULL",
           "(fulfillment_id) WHERE fulfillment_id IS NOT NULL", "(customer_email) WHERE customer_email IS NOT NULL",
           "(tracking_number) WHERE tracking_number IS NOT NULL", "(ref) WHERE ref IS NOT NULL",
           "(snapshot_id, type) WHERE snapshot_id IS NOT NULL", "(code, occurred_us) WHERE code IS NOT NULL",
           "(refund_id) WHERE refund_id IS NOT NULL"]
TABLES = [("lookup_skus (sku TEXT, type INTEGER, occurred_us INTEGER, seq INTEGER, PRIMARY KEY (sku, type, occurred_us, seq))",
           "SELECT sku, type, occurred_us, seq FROM main.events WHERE sku IS NOT NULL ORDER BY 1, 2, 3, 4"),
          ("lookup_emails (email TEXT, occurred_us INTEGER, seq INTEGER, PRIMARY KEY (email, occurred_us, seq))",
           "SELECT customer_email, occurred_us, seq FROM main.events WHERE customer_email IS NOT NULL ORDER BY 1, 2, 3"),
          ("lookup_trackings (tracking_number TEXT, occurred_us INTEGER, seq INTEGER, PRIMARY KEY (tracking_number, occurred_us, seq))",
           "SELECT tracking_number, occurred_us, seq FROM main.events WHERE tracking_number IS NOT NULL ORDER BY 1, 2, 3")]

def run(variant):
    path = os.path.join(tempfile.mkdtemp(), "copy.db")
    c = sqlite3.connect(path, isolation_level=None)
    for pragma in ["journal_mode=WAL", "synchronous=FULL", "cache_size=-65536", "wal_autocheckpoint=16384"]:
        c.execute("PRAGMA " + pragma)
    c.execute("ATTACH ? AS src", (src,))
    c.execute("PRAGMA src.cache_size=-8192")
    if variant == "python":
        c.execute("CREATE TABLE main.events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT, occurred_at TEXT, source TEXT, data TEXT)")
        copy = "INSERT INTO main.events SELECT seq, id, type, occurred_at, source, data FROM src.events WHERE seq > ? AND seq <= ?"
    else:
        c.execute(ddl.replace("CREATE TABLE IF NOT EXISTS events", "CREATE TABLE main.events").replace("CREATE TABLE events", "CREATE TABLE main.events"))
        c.execute("CREATE INDEX main.by_id_key ON events (id_key)")
        c.execute("CREATE INDEX main.replay ON events (occurred_us, seq, type, replay)")
        chosen = {"all": range(9), "tables": [0, 2, 5, 6, 7, 8]}.get(variant, [int(variant[3:])] if variant.startswith("one") else [])
        for i in chosen:
            c.execute("CREATE INDEX main.lookup%d ON events %s" % (i, LOOKUPS[i]))
        names = ", ".join(columns)
        copy = "INSERT INTO main.events (%s) SELECT %s FROM src.events WHERE seq > ? AND seq <= ?" % (names, names)
    start = time.time()
    for k in range(0, n, 10000):
        c.execute("BEGIN"); c.execute(copy, (k, k + 10000)); c.execute("COMMIT")
    rows = time.time() - start
    if variant == "tables":
        c.execute("BEGIN")
        for table, select in TABLES:
            c.execute("CREATE TABLE main.%s WITHOUT ROWID" % table)
            c.execute("INSERT INTO main.%s %s" % (table.split(" ")[0], select))
        c.execute("COMMIT")
    total = time.time() - start
    c.close()
    extra = f", of which the lookup tables {total - rows:.2f} s" if variant == "tables" else ""
    print(f"{variant:8s} {n / total:9.0f} rows/s  ({total:.2f} s{extra}; file {os.path.getsize(path) / 1e6:.0f} MB)", flush=True)
    os.remove(path)

for v in variants:
    run(v)
