import TallyCore
import TallySQLite

/// The baseline the append benchmark compares against: the same rows inserted
/// with one bare prepared statement into a table with the same indexes, with no
/// validation, no idempotency lookup and no hash, then the same derived lookup tables
/// filled by the same statements. Only the benchmark uses it.
public enum BareInsertBaseline {
    /// Decodes `lines` up front (not timed), then inserts them in transactions of
    /// `batchSize` into a fresh file at `path`; returns the seconds spent inserting.
    public static func run(lines: [String], path: String, batchSize: Int, now: () -> Double) throws -> Double {
        var records: [EventRecord] = []
        records.reserveCapacity(lines.count)
        for line in lines {
            if case .success(let event) = EventDecoder.decode(line) { records.append(EventRecord(event)) }
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
                record.bind(to: insert, first: 3, idKey: Journal.newJournalIDKeyScheme.key(record.id))
                insert.bind(blob: zeroHash, at: Int32(EventRecord.columns.count + 3))
                try insert.step()
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
        return now() - start
    }
}
