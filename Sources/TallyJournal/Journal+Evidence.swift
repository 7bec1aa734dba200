import TallyCore
import TallyDigest
import TallySQLite

/// One link of the hash chain: what an evidence pack records for each event so it
/// can be rechecked offline (from the event's own content) and against the journal.
public struct ChainEntry: Sendable, Equatable {
    public var seq: Int64
    public var recordedUs: Int64
    public var hash: [UInt8]
    /// The hash of seq − 1 (empty for seq 1).
    public var previous: [UInt8]
    public init(seq: Int64, recordedUs: Int64, hash: [UInt8], previous: [UInt8]) {
        self.seq = seq; self.recordedUs = recordedUs; self.hash = hash; self.previous = previous
    }
}

extension Journal {
    /// The chain entries of `seqs` (those that exist), in seq order.
    public func chainEntries(_ seqs: [Int64]) throws(JournalError) -> [ChainEntry] {
        try wrap { () throws(SQLiteError) -> [ChainEntry] in
            let row = try cached("SELECT seq, recorded_us, hash FROM events WHERE seq = ?")
            defer { row.reset() }
            func read(_ seq: Int64) throws(SQLiteError) -> (Int64, [UInt8])? {
                row.reset()
                row.bind(seq, at: 1)
                return try row.step() ? (row.int64(1), row.blob(2)) : nil
            }
            var entries: [ChainEntry] = []
            for seq in Set(seqs).sorted() {
                guard let (recorded, hash) = try read(seq) else { continue }
                // The row before, or the prune anchor when it was pruned at the cut.
                let previous = seq > 1 ? try chainHash(seq - 1) ?? [] : []
                entries.append(ChainEntry(seq: seq, recordedUs: recorded, hash: hash, previous: previous))
            }
            return entries
        }
    }

    /// The chain hashes of `seqs` that the journal holds, as rows or as its prune anchor.
    public func chainHashes(_ seqs: [Int64]) throws(JournalError) -> [Int64: [UInt8]] {
        try wrap { () throws(SQLiteError) -> [Int64: [UInt8]] in
            var out: [Int64: [UInt8]] = [:]
            for seq in Set(seqs) { if let hash = try chainHash(seq) { out[seq] = hash } }
            return out
        }
    }

    /// Full events for `seqs`, in seq order.
    public func events(seqs: [Int64]) throws(JournalError) -> [TimelineEvent] {
        try wrap { () throws(SQLiteError) -> [TimelineEvent] in try events(atSeqs: seqs) }
    }

    /// Full events for `seqs`, in seq order, each once (a seq no longer in the journal is left out).
    func events(atSeqs seqs: [Int64]) throws(SQLiteError) -> [TimelineEvent] {
        let s = try cached("SELECT \(EventRecord.selectList) FROM events WHERE seq = ?")
        defer { s.reset() }
        var result: [TimelineEvent] = []
        for seq in Set(seqs).sorted() {
            s.reset()
            s.bind(seq, at: 1)
            if try s.step(), let event = Journal.timelineEvent(row: s) { result.append(event) }
        }
        return result
    }

    /// The anchor stored at `seq`, if any.
    public func anchor(at seq: Int64) throws(JournalError) -> [UInt8]? {
        try wrap { () throws(SQLiteError) -> [UInt8]? in
            guard try hasTable("anchors") else { return nil }
            let s = try cached("SELECT hash FROM anchors WHERE seq = ?")
            defer { s.reset() }
            s.bind(seq, at: 1)
            return try s.step() ? s.blob(0) : nil
        }
    }

    /// The chain hash an event gets at `seq`, recorded at `recordedUs`, after `previous`:
    /// the same computation as append, from the event alone (its typed columns are
    /// derived from it), so a copy of the event can be checked without the journal.
    public static func chainHash(of event: Event, seq: Int64, recordedUs: Int64, previous: [UInt8]) -> [UInt8] {
        var material = HashMaterial()
        EventRecord(event).writeHashMaterial(seq: seq, recordedUs: recordedUs, into: &material)
        return SHA256Hasher().digest(previous, material.bytes)
    }
}
