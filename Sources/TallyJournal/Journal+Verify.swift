import TallyCore
import TallyDigest
import TallySQLite

/// The result of `verify`: intact, or the first seq where the journal is broken.
public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var lastSeq: Int64
    /// Nil when intact.
    public var firstBadSeq: Int64?
    public var problem: String?
    public var isIntact: Bool { firstBadSeq == nil && problem == nil }
}

extension Journal {
    /// Checks that seqs are gapless from 1, that every row's hash matches its
    /// content and its link to the previous row, and that the head recorded
    /// with the last append is still the last row (so a removed tail shows).
    public func verify(progress: ((Int64) -> Void)? = nil) throws(JournalError) -> VerifyReport {
        try wrap { () throws(SQLiteError) in
            let rows = try connection.prepare("SELECT \(EventRecord.selectList) FROM events ORDER BY seq")
            let hashIndex = Int32(EventRecord.columns.count + 2)
            var expected: Int64 = 1
            var previous: [UInt8] = []
            var count: Int64 = 0
            while try rows.step() {
                let seq = rows.int64(0)
                if seq != expected {
                    let what = seq > expected ? "seq \(expected)\(seq - 1 > expected ? "–\(seq - 1)" : "") is missing" : "seq \(seq) is out of order"
                    return VerifyReport(events: count, lastSeq: seq, firstBadSeq: expected, problem: what)
                }
                let record = EventRecord(row: rows)
                let stored = rows.blob(hashIndex)
                let computed = hasher.digest(previous, record.hashMaterial(seq: seq, recordedUs: rows.int64(1)))
                if stored != computed {
                    let problem = seq > 1
                        ? "seq \(seq) does not match its hash: its content, or its link to seq \(seq - 1), was changed after it was appended"
                        : "seq 1 does not match its hash: its content was changed after it was appended"
                    return VerifyReport(events: count, lastSeq: seq, firstBadSeq: seq, problem: problem)
                }
                previous = stored
                count += 1
                expected += 1
                if count % 1_000_000 == 0 { progress?(count) }
            }
            let lastSeq = expected - 1
            let meta = try connection.prepare("SELECT key, value FROM journal_meta WHERE key IN ('head_seq', 'head_hash')")
            var headSeq: Int64 = 0
            var headHash = ""
            while try meta.step() {
                if meta.text(0) == "head_seq" { headSeq = Int64(meta.text(1)) ?? -1 } else { headHash = meta.text(1) }
            }
            if headSeq != lastSeq || (lastSeq > 0 && headHash != SHA256Hasher.hex(previous)) {
                let problem = headSeq > lastSeq
                    ? "the journal's head says seq \(headSeq) but the last event is seq \(lastSeq): events after seq \(lastSeq) were removed"
                    : "the journal's head (seq \(headSeq)) does not match its last event (seq \(lastSeq))"
                return VerifyReport(events: count, lastSeq: lastSeq, firstBadSeq: min(headSeq, lastSeq) + 1, problem: problem)
            }
            return VerifyReport(events: count, lastSeq: lastSeq, firstBadSeq: nil, problem: nil)
        }
    }
}
