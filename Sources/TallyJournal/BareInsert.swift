import TallyCore
import TallySQLite

/// The baseline the append benchmark compares against: the same rows inserted
/// with one bare prepared statement into a table with the same indexes, with no
/// validation, no idempotency lookup and no hash, then the same derived lookup tables
/// filled by the same statements. Only the benchmark uses it.
public enum BareInsertBaseline {
    /// Seconds spent: inserting the rows and filling the lookup tables; then filling
    /// `order_skus` (each order's distinct SKUs, which `tally append` also brings up to date
    /// when it finishes) with one bare SQL statement, timed apart so both comparisons show.
    public struct Seconds: Sendable {
        public var insert: Double
        public var orderSKUs: Double
    }

    /// Decodes `lines` up front (not timed), then inserts them in transactions of
    /// `batchSize` into a fresh file at `path`.
    public static func run(lines: [String], path: String, batchSize: Int, now: () -> Double) throws -> Seconds {
        // Rows made ready up front, bound in place as `tally append`'s writer binds them.
        var records: [PreparedEvent] = []
        records.reserveCapacity(lines.count)
        for line in lines {
            if case .success(let event) = EventDecoder.decode(line) { records.append(PreparedEvent(event)) }
        }
        let connection = try Connection(path: path, mode: .readWriteCreate)
        _ = try connection.scalar("PRAGMA journal_mode=WAL")
        try connection.execute("PRAGMA synchronous=FULL; PRAGMA cache_size=-\(Schema.cacheKibibytes); PRAGMA wal_autocheckpoint=\(Schema.walAutocheckpointPages);")
        // The journal's own tables and indexes, without the append-only triggers.
        try connection.execute(Schema.tablesAndIndexes)
        let insert = try connection.prepare(Schema.insertEvent)
        let zeroHash = [UInt8](repeating: 0, count: 32)
        let start = now()
        var seq: Int64 = 0
        var index = 0
        while index < records.count {
            try connection.execute("BEGIN")
            for record in records[index..<min(index + batchSize, records.count)] {
                seq += 1
                insert.reset()
                insert.bind(seq, at: 1)
                insert.bind(seq, at: 2)
                insert.bind(blob: zeroHash, at: Int32(EventRecord.columns.count + 3))
                if let error = record.insert(using: insert, first: 3, idKey: Journal.newJournalIDKeyScheme.key(record.event.id.rawValue)) { throw error }
            }
            try connection.execute("COMMIT")
            index += batchSize
        }
        // The lookup tables, as `tally append` brings them up to date when it finishes.
        try connection.execute("BEGIN")
        for (_, _, _, fill) in Schema.lookupTables {
            let s = try connection.prepare(fill)
            s.bind(Int64(0), at: 1); s.bind(seq, at: 2)
            try s.step()
        }
        try connection.execute("COMMIT")
        let inserted = now()
        // order_skus from the canonical data's lines, sorted by SQLite, in one statement.
        try connection.execute("""
            BEGIN;
            INSERT OR IGNORE INTO order_skus (sku, occurred_us, seq)
              SELECT DISTINCT l.value ->> 'sku', e.occurred_us, e.seq
              FROM events e, json_each(e.data, '$.lines') l
              WHERE e.type = \(EventType.orderPlaced.code)
              ORDER BY 1, 2, 3;
            COMMIT;
            """)
        return Seconds(insert: inserted - start, orderSKUs: now() - inserted)
    }
}
