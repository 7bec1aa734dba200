#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest
import TallySQLite

/// Rehashes journal rows one after another, as the chain links them.
struct ChainRehasher {
    let hasher = SHA256Hasher()
    let material = RowMaterial()
    /// The chain hash of the last row checked (the stored hash of the row before the first).
    var previous: [UInt8] = []

    /// Rehashes a row selected with `EventRecord.selectList` from its content and `previous`;
    /// true when the result equals the row's stored hash. `previous` becomes the new hash.
    mutating func check(row: Statement) -> Bool {
        let bytes = material.read(row: row)
        var computed = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let hashIndex = Int32(EventRecord.columns.count + 2)
        let matches = withUnsafeMutableBytes(of: &computed) { out -> Bool in
            let digestOut = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            previous.withUnsafeBytes { prev in
                hasher.digest(previous: prev, material: bytes, into: digestOut)
            }
            return row.withRawBytes(hashIndex) { stored in
                guard let stored, stored.count == 32 else { return false }
                return memcmp(stored.baseAddress!, digestOut, 32) == 0
            }
        }
        previous.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: &computed) { previous.append(contentsOf: $0) }
        return matches
    }

    static func mismatch(_ seq: Int64) -> String {
        seq > 1
            ? "seq \(seq) does not match its hash: its content, or its link to seq \(seq - 1), was changed after it was appended"
            : "seq 1 does not match its hash: its content was changed after it was appended"
    }
}

extension Journal {
    /// Rows rehashed at most per stretch when no anchor follows (journals written before anchors).
    static let integrityWalkLimit: Int64 = 4096

    /// Checks the rows `seqs` against the hash chain: each is rehashed from its content
    /// and its predecessor's stored hash, and the chain is rehashed on to the next
    /// anchor (or the head), so the anchor vouches for it. See `IntegrityReport`.
    public func checkIntegrity(seqs: [Int64]) throws(JournalError) -> IntegrityReport {
        try wrap { () throws(SQLiteError) -> IntegrityReport in try integrity(Array(Set(seqs)).sorted()) }
    }

    func integrity(_ seqs: [Int64]) throws(SQLiteError) -> IntegrityReport {
        var report = IntegrityReport(verified: true, events: seqs.count, rowsRehashed: 0, spans: [], firstBadSeq: nil, problem: nil)
        guard !seqs.isEmpty else { return report }
        func fail(_ seq: Int64, _ problem: String) -> IntegrityReport {
            report.verified = false; report.firstBadSeq = seq; report.problem = problem
            return report
        }
        let (headSeq, headHash) = try headRecord()
        let anchorsExist = try hasTable("anchors")
        let nextAnchor = anchorsExist ? try cached("SELECT seq, hash FROM anchors WHERE seq >= ? ORDER BY seq LIMIT 1") : nil
        let range = try cached("SELECT \(EventRecord.selectList) FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq")
        defer { range.reset() }
        var rehasher = ChainRehasher()
        var i = 0
        while i < seqs.count {
            let start = seqs[i]
            rehasher.previous = []
            if start > 1 {
                guard let hash = try chainHash(start - 1) else { return fail(start - 1, "seq \(start - 1) is missing") }
                rehasher.previous = hash
            }
            var end = headSeq
            var kind = IntegrityReport.Span.End.head
            var expectedHash = headHash
            if let nextAnchor {
                nextAnchor.reset()
                nextAnchor.bind(start, at: 1)
                if try nextAnchor.step() {
                    end = nextAnchor.int64(0); kind = .anchor; expectedHash = SHA256Hasher.hex(nextAnchor.blob(1))
                }
            }
            if end - start >= Journal.integrityWalkLimit { end = start + Journal.integrityWalkLimit - 1; kind = .limit; expectedHash = "" }
            if end < start { return fail(start, "seq \(start) is after the journal's head (seq \(headSeq)): the head record was edited") }
            range.reset()
            range.bind(start, at: 1); range.bind(end, at: 2)
            var expected = start
            while try range.step() {
                let seq = range.int64(0)
                guard seq == expected else { return fail(expected, "seq \(expected) is missing") }
                guard rehasher.check(row: range) else { return fail(seq, ChainRehasher.mismatch(seq)) }
                report.rowsRehashed += 1
                expected += 1
            }
            guard expected == end + 1 else { return fail(expected, "seq \(expected) is missing") }
            let reached = SHA256Hasher.hex(rehasher.previous)
            if kind != .limit && reached != expectedHash {
                return fail(end, kind == .anchor
                    ? "the chain anchor at seq \(end) does not match the chain: the anchor or an event before it was edited"
                    : "the journal's head record does not match seq \(end)")
            }
            report.spans.append(IntegrityReport.Span(from: start, through: end, end: kind, hash: reached))
            while i < seqs.count && seqs[i] <= end { i += 1 }
        }
        return report
    }

    /// The head recorded with the last append: seq and chain hash (hex).
    func headRecord() throws(SQLiteError) -> (seq: Int64, hash: String) {
        let meta = try cached("SELECT key, value FROM journal_meta WHERE key IN ('head_seq', 'head_hash')")
        defer { meta.reset() }
        var seq: Int64 = 0, hash = ""
        while try meta.step() {
            if meta.text(0) == "head_seq" { seq = Int64(meta.text(1)) ?? -1 } else { hash = meta.text(1) }
        }
        return (seq, hash)
    }
}
