/// The journal file's layout (format version 1). All of the journal's DDL lives here.
enum Schema {
    static let formatName = "tally-journal"
    static let formatVersion = 1

    /// The page cache per connection: big enough for the idempotency index of
    /// tens of millions of events (8-byte keys), small enough for the append memory target.
    static let cacheKibibytes = 65_536

    /// The page cache while the lookup tables catch up (`Journal.indexLookups`), which also
    /// bounds what SQLite's sorter holds in memory before it spills to a temporary file.
    static let catchUpCacheKibibytes = 16_384

    /// The page cache of connections that only scan (replay, verify): a scan reads each
    /// page once, so a large cache would only add to peak memory.
    static let scanCacheKibibytes = 8_192

    /// Pages of WAL before SQLite checkpoints on commit. Larger than the default
    /// (1,000) so fewer commits pay for a checkpoint; `append` checkpoints when it finishes.
    static let walAutocheckpointPages = 16_384

    /// The WAL file's working size (the autocheckpoint's worth of 4 KiB frames): a commit
    /// that restarts the WAL truncates a larger file back to it (`journal_size_limit`), and
    /// `tally serve` gives the file this size up front (`Journal.preallocateWAL`). Commits
    /// that overwrite blocks of the file sync about 1.5× faster than commits that grow it.
    static let walWorkingBytes = 32 + walAutocheckpointPages * (4096 + 24)

    /// Every `anchorInterval`-th seq, the chain hash is also written to `anchors`.
    /// A lookup proves an event is committed by the next anchor by rehashing at most
    /// this many rows (see `Journal.checkIntegrity`); chosen by measurement (docs/benchmarks.md).
    static let anchorInterval: Int64 = 16

    static let create = tablesAndIndexes + triggers

    /// The covering index replay's scan reads (see `tablesAndIndexes`).
    static let replayIndex = "events_replay"

    /// The events table (also the layout of archive files, under another schema name).
    static func eventsTable(prefix: String) -> String {
    """
    CREATE TABLE IF NOT EXISTS \(prefix)events (
      seq             INTEGER PRIMARY KEY,
      id              TEXT    NOT NULL,
      id_key          INTEGER NOT NULL,
      type            INTEGER NOT NULL,
      occurred_us     INTEGER NOT NULL,
      occurred_at     TEXT    NOT NULL,
      recorded_us     INTEGER NOT NULL,
      source          TEXT    NOT NULL,
      data            TEXT    NOT NULL,
      order_id        TEXT,
      sku             TEXT,
      location        TEXT,
      code            TEXT,
      fulfillment_id  TEXT,
      refund_id       TEXT,
      snapshot_id     TEXT,
      currency        TEXT,
      amount          INTEGER,
      compare_at      INTEGER,
      usage_limit     INTEGER,
      restock         INTEGER,
      reason          TEXT,
      kind            TEXT,
      status          TEXT,
      starts_us       INTEGER,
      ends_us         INTEGER,
      customer_email  TEXT,
      carrier         TEXT,
      tracking_number TEXT,
      ref             TEXT,
      label           TEXT,
      store_digest    TEXT,
      lines           BLOB,
      discount_codes  BLOB,
      replay          BLOB    NOT NULL,
      hash            BLOB    NOT NULL
    );

    """
    }

    static let eventsTable = eventsTable(prefix: "")

    static let tablesAndIndexes = """
    CREATE TABLE IF NOT EXISTS journal_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
    """ + eventsTable + """

    CREATE INDEX IF NOT EXISTS events_by_id_key ON events (id_key);
    -- Event-time order, covering what replay reads: its scan reads this index alone, about
    -- 60 bytes an event against rows of about 430 (10M events: 9-10 s of replay instead of 12-13 s).
    -- It replaced events_by_time (occurred_us, seq): an older journal gets it when a
    -- writer first opens it (about 20 s at 10M events).
    CREATE INDEX IF NOT EXISTS \(replayIndex) ON events (occurred_us, seq, type, replay);
    DROP INDEX IF EXISTS events_by_time;
    CREATE INDEX IF NOT EXISTS events_by_order ON events (order_id, occurred_us) WHERE order_id IS NOT NULL;
    DROP INDEX IF EXISTS events_by_sku;
    CREATE INDEX IF NOT EXISTS events_by_fulfillment ON events (fulfillment_id) WHERE fulfillment_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS events_by_ref ON events (ref) WHERE ref IS NOT NULL;
    CREATE INDEX IF NOT EXISTS events_by_snapshot ON events (snapshot_id, type) WHERE snapshot_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS events_by_code ON events (code, occurred_us) WHERE code IS NOT NULL;
    CREATE INDEX IF NOT EXISTS events_by_refund ON events (refund_id) WHERE refund_id IS NOT NULL;

    -- The lookups by SKU, customer email and tracking number: derived from the events (so
    -- outside the hash chain), brought up to date in key order at the end of each append
    -- (`Journal.indexLookups`; journal_meta.lookups_seq says how far they reach). As indexes
    -- on `events` they were random B-tree inserts in every commit: 45% of a bare insert's
    -- time (docs/benchmarks.md). A lookup also reads the events appended since.
    CREATE TABLE IF NOT EXISTS lookup_skus (
      sku         TEXT    NOT NULL,
      type        INTEGER NOT NULL,
      occurred_us INTEGER NOT NULL,
      seq         INTEGER NOT NULL,
      PRIMARY KEY (sku, type, occurred_us, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS lookup_emails (
      email       TEXT    NOT NULL,
      occurred_us INTEGER NOT NULL,
      seq         INTEGER NOT NULL,
      PRIMARY KEY (email, occurred_us, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS lookup_trackings (
      tracking_number TEXT    NOT NULL,
      occurred_us     INTEGER NOT NULL,
      seq             INTEGER NOT NULL,
      PRIMARY KEY (tracking_number, occurred_us, seq)
    ) WITHOUT ROWID;

    -- Which orders sold a SKU: one row per distinct SKU of each order.placed, derived from
    -- the events (so outside the hash chain) at the end of each append, in key order;
    -- journal_meta.order_skus_seq says how far it reaches. `lookup --sku` reads it.
    CREATE TABLE IF NOT EXISTS order_skus (
      sku         TEXT    NOT NULL,
      occurred_us INTEGER NOT NULL,
      seq         INTEGER NOT NULL,
      PRIMARY KEY (sku, occurred_us, seq)
    ) WITHOUT ROWID;

    -- Orders some of whose events were pruned (`tally prune`): their history needs the archives.
    CREATE TABLE IF NOT EXISTS pruned_orders (
      order_id TEXT PRIMARY KEY
    ) WITHOUT ROWID;

    -- One row per `tally drift` run: its summary, for the 30-day trend (not an event).
    CREATE TABLE IF NOT EXISTS drift_runs (
      run_us   INTEGER PRIMARY KEY,
      day      TEXT    NOT NULL,
      summary  TEXT    NOT NULL
    );

    -- Backup-job runs (`tally job run` / `tally job record`), for `tally alerts` (not events).
    CREATE TABLE IF NOT EXISTS job_runs (
      run_id        INTEGER PRIMARY KEY,
      name          TEXT    NOT NULL,
      started_us    INTEGER NOT NULL,
      ended_us      INTEGER NOT NULL,
      exit_status   INTEGER NOT NULL,
      output_bytes  INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS job_runs_by_name ON job_runs (name, ended_us);

    -- Restore drills (`tally drill`): how long the checks took and the verdict (not events).
    CREATE TABLE IF NOT EXISTS drills (
      run_us       INTEGER PRIMARY KEY,
      snapshot_id  TEXT    NOT NULL,
      seconds      REAL    NOT NULL,
      verdict      TEXT    NOT NULL,
      summary      TEXT    NOT NULL
    );

    CREATE TABLE IF NOT EXISTS anchors (
      seq  INTEGER PRIMARY KEY,
      hash BLOB NOT NULL
    );

    CREATE TABLE IF NOT EXISTS quarantine (
      qid          INTEGER PRIMARY KEY,
      received_us  INTEGER NOT NULL,
      input        TEXT    NOT NULL,
      line         INTEGER NOT NULL,
      event_id     TEXT,
      reason       TEXT    NOT NULL,
      raw          BLOB    NOT NULL,
      raw_bytes    INTEGER NOT NULL
    );

    -- Every webhook delivery that passed its signature check, with its raw body,
    -- so that a mapping bug can be fixed and the deliveries replayed. A platform's
    -- retry of a quarantined delivery is mapped again (and recorded again).
    CREATE TABLE IF NOT EXISTS deliveries (
      did           INTEGER PRIMARY KEY,
      source        TEXT    NOT NULL,
      delivery_key  TEXT    NOT NULL,
      topic         TEXT    NOT NULL,
      received_us   INTEGER NOT NULL,
      headers       TEXT    NOT NULL,
      body          BLOB    NOT NULL,
      result        TEXT    NOT NULL,
      message       TEXT
    );
    CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (source, delivery_key);

    -- Truth after a full replay of every event up to head_seq (position: the last event
    -- applied, in event-time order), so that replay starts there. Derived: a checkpoint
    -- is used only while no event appended after it sorts before its position.
    CREATE TABLE IF NOT EXISTS checkpoints (
      cid           INTEGER PRIMARY KEY,
      created_us    INTEGER NOT NULL,
      head_seq      INTEGER NOT NULL,
      position_us   INTEGER NOT NULL,
      position_seq  INTEGER NOT NULL,
      codec         INTEGER NOT NULL,
      state         BLOB    NOT NULL,
      state_sha256  BLOB    NOT NULL
    );
    """

    /// Append-only, enforced by the database itself.
    static let triggers = """

    CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be updated'); END;
    CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be deleted'); END;
    CREATE TRIGGER IF NOT EXISTS anchors_no_update BEFORE UPDATE ON anchors
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: anchors cannot be updated'); END;
    CREATE TRIGGER IF NOT EXISTS anchors_no_delete BEFORE DELETE ON anchors
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: anchors cannot be deleted'); END;
    CREATE TRIGGER IF NOT EXISTS deliveries_no_update BEFORE UPDATE ON deliveries
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: deliveries cannot be updated'); END;
    CREATE TRIGGER IF NOT EXISTS deliveries_no_delete BEFORE DELETE ON deliveries
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: deliveries cannot be deleted'); END;
    """

    /// The derived lookup tables, each with its key column, the events column it holds and the
    /// statement that brings it up to date with the events of seq ?1 (exclusive) to ?2, in key order.
    static let lookupTables: [(table: String, key: String, column: String, fill: String)] = [
        ("lookup_skus", "sku", "sku", "INSERT OR IGNORE INTO lookup_skus SELECT sku, type, occurred_us, seq FROM events WHERE seq > ?1 AND seq <= ?2 AND sku IS NOT NULL ORDER BY 1, 2, 3, 4"),
        ("lookup_emails", "email", "customer_email", "INSERT OR IGNORE INTO lookup_emails SELECT customer_email, occurred_us, seq FROM events WHERE seq > ?1 AND seq <= ?2 AND customer_email IS NOT NULL ORDER BY 1, 2, 3"),
        ("lookup_trackings", "tracking_number", "tracking_number", "INSERT OR IGNORE INTO lookup_trackings SELECT tracking_number, occurred_us, seq FROM events WHERE seq > ?1 AND seq <= ?2 AND tracking_number IS NOT NULL ORDER BY 1, 2, 3"),
    ]

    /// The indexes the lookup tables replaced, dropped once a journal has the tables filled.
    static let replacedLookupIndexes = "DROP INDEX IF EXISTS events_by_sku_type; DROP INDEX IF EXISTS events_by_email; DROP INDEX IF EXISTS events_by_tracking;"

    static let insertEvent = "INSERT INTO events (seq, recorded_us, " + EventRecord.columns.joined(separator: ", ")
        + ", hash) VALUES (" + Array(repeating: "?", count: EventRecord.columns.count + 3).joined(separator: ", ") + ")"
}
