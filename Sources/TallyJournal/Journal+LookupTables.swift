import TallyCore
import TallySQLite

/// The derived lookup tables (`Schema.lookupTables`): lookups by SKU, customer email and
/// tracking number read them for the events up to `lookups_seq`, and the events table itself
/// for those appended since (none once the appending command has finished).
extension Journal {
    /// One derived lookup table: which events column it holds.
    enum LookupTable: Int {
        case sku = 0, email, tracking

        var table: String { Schema.lookupTables[rawValue].table }
        var key: String { Schema.lookupTables[rawValue].key }
        var column: String { Schema.lookupTables[rawValue].column }
    }

    /// The seq up to which the lookup tables hold every event (0 when never built).
    func lookupsSeq() throws(SQLiteError) -> Int64 { try metaSeq("lookups_seq") ?? 0 }

    /// A seq kept in `journal_meta` under `key` (nil when the key is not there).
    func metaSeq(_ key: String) throws(SQLiteError) -> Int64? {
        let s = try cached("SELECT value FROM journal_meta WHERE key = ?")
        defer { s.reset() }
        s.bind(key, at: 1)
        return try s.step() ? Int64(s.text(0)) ?? 0 : nil
    }

    /// Brings the lookup tables up to date with the events appended since they last were, in
    /// one transaction, inserting in key order (SQLite sorts, spilling to temporary files
    /// beyond its cache). Append leaves them alone; commands that append call this at the end
    /// (`finishAppending`), `tally serve` about once a second.
    public func indexLookups() throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            guard try hasTable(LookupTable.sku.table) else { return }
            try withCatchUpCache { () throws(SQLiteError) in
                try connection.transaction { () throws(SQLiteError) in try fillLookupTables() }
            }
        }
    }

    /// Runs `body` with the page cache at `Schema.catchUpCacheKibibytes`, then puts it back.
    /// SQLite's sorter keeps up to a cache's worth of rows in memory before it spills to a
    /// temporary file, so with the append's cache the catch-up would hold both at once
    /// (a 1.09 GB append peaked at 184 MB instead of 125 MB).
    private func withCatchUpCache<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let before = try connection.scalar("PRAGMA cache_size")
        try connection.execute("PRAGMA cache_size = -\(Schema.catchUpCacheKibibytes)")
        defer { if case .integer(let pages)? = before { _ = try? connection.execute("PRAGMA cache_size = \(pages)") } }
        return try body()
    }

    /// Brings every derived table up to date: `order_skus` and the lookup tables.
    public func indexDerivedTables() throws(JournalError) {
        try indexOrderSKUs()
        try indexLookups()
    }

    /// The catch-up itself, inside the caller's write transaction.
    private func fillLookupTables() throws(SQLiteError) {
        let stored = try metaSeq("lookups_seq")
        let start = stored ?? 0
        let head = try self.headRecord().seq
        guard head > start || stored == nil else { return }
        for (_, _, _, fill) in Schema.lookupTables where head > start {
            let s = try cached(fill)
            defer { s.reset() }
            s.bind(start, at: 1); s.bind(head, at: 2)
            try s.step()
        }
        let meta = try cached("INSERT OR REPLACE INTO journal_meta (key, value) VALUES ('lookups_seq', ?)")
        defer { meta.reset() }
        meta.bind(String(head), at: 1)
        try meta.step()
    }

    /// A journal written before the lookup tables: fills them from every event, then drops the
    /// indexes they replace, in one transaction (once; `notice` hears about it first).
    func migrateLookupTables(notice: (String) -> Void) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            guard try metaSeq("lookups_seq") == nil else { return }
            let events = try self.headRecord().seq
            if events > 0 {
                notice("building the lookup tables of \(path), once (journals written before them keep SKU, email and tracking indexes on every row; about 5 s per million events)")
            }
            try connection.transaction { () throws(SQLiteError) in
                guard try metaSeq("lookups_seq") == nil else { return }
                try fillLookupTables()
                try connection.execute(Schema.replacedLookupIndexes)
            }
        }
    }

    /// The events `table` names for `key` (restricted to `types` and to `occurred_us <= until`
    /// when given), as (seq, occurred_us) in no particular order: the lookup table's rows, and
    /// the events not in it yet (appended since `lookups_seq`, or, with archives attached, in
    /// the archives). A journal opened read-only before it was ever migrated has no lookup
    /// table: its own indexes answer the second half, which then covers every event.
    func lookupCandidates(_ table: LookupTable, _ key: String, types: [EventType]? = nil,
                          until: Int64 = .max) throws(SQLiteError) -> [(seq: Int64, occurredUs: Int64)] {
        let typeFilter = types.map { " AND type IN (\($0.map { String($0.code) }.joined(separator: ", ")))" } ?? ""
        let hasTable = try self.hasTable(table.table)
        let indexed = hasTable ? try lookupsSeq() : 0
        let archived = readArchives.isEmpty ? 0 : try prunedThrough()
        var result: [(seq: Int64, occurredUs: Int64)] = []
        if hasTable {
            let s = try cached("SELECT seq, occurred_us FROM \(table.table) WHERE \(table.key) = ?1 AND occurred_us <= ?2\(table == .sku ? typeFilter : "")")
            defer { s.reset() }
            s.bind(key, at: 1); s.bind(until, at: 2)
            while try s.step() { result.append((s.int64(0), s.int64(1))) }
        }
        // Two range reads of the rowid, not one `OR`, so SQLite never scans the whole table;
        // the archives' range stops where the tail starts, so no event is read twice.
        for (low, high) in [(indexed, Int64.max), (0, min(archived, indexed))] where high > low {
            let tail = try cached("""
                SELECT seq, occurred_us FROM events
                WHERE seq > ?3 AND seq <= ?4 AND \(table.column) = ?1 AND occurred_us <= ?2\(typeFilter)
                """)
            defer { tail.reset() }
            tail.bind(key, at: 1); tail.bind(until, at: 2); tail.bind(low, at: 3); tail.bind(high, at: 4)
            while try tail.step() { result.append((tail.int64(0), tail.int64(1))) }
        }
        return result
    }
}
