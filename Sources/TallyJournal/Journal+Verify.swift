import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
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
    /// The chain hash of the last event (hex), when intact: a value to keep elsewhere.
    public var headHash: String?
    /// The newest chain anchor (seq and hex hash), when intact.
    public var lastAnchor: (seq: Int64, hash: String)?
    /// The pruned prefix the chain verifies from (nil: never pruned).
    public var pruned: PruneAnchor? = nil
    public var isIntact: Bool { firstBadSeq == nil && problem == nil }

    public static func == (a: VerifyReport, b: VerifyReport) -> Bool {
        a.events == b.events && a.lastSeq == b.lastSeq && a.firstBadSeq == b.firstBadSeq && a.problem == b.problem
            && a.headHash == b.headHash && a.pruned == b.pruned && a.lastAnchor?.seq == b.lastAnchor?.seq && a.lastAnchor?.hash == b.lastAnchor?.hash
    }
}

extension Journal {
    /// Journals at least this long are verified by two workers, each over half of the seqs.
    static let parallelVerifyEventsMin: Int64 = 200_000

    /// Checks that seqs are gapless from 1, that every row's hash matches its
    /// content and its link to the previous row, and that the head recorded
    /// with the last append is still the last row (so a removed tail shows).
    ///
    /// Each row is checked against the stored hash of the row before it, so the
    /// seq range splits across workers with no loss: any edit still breaks the
    /// row it touched or the one after it.
    ///
    /// `progress` is called after every `reportEvery` rows a worker checks, from the workers'
    /// threads one call at a time, with the rows checked so far and the rows to check.
    public func verify(reportEvery: Int64 = 65_536,
                       progress: (@Sendable (_ checked: Int64, _ total: Int64) -> Void)? = nil) throws(JournalError) -> VerifyReport {
        try verify(reportEvery: reportEvery, twoWorkersFrom: Journal.parallelVerifyEventsMin, progress: progress)
    }

    /// `verify`, with two workers from `twoWorkersFrom` rows on (tests split small journals).
    func verify(reportEvery: Int64 = 65_536, twoWorkersFrom: Int64,
                progress: (@Sendable (_ checked: Int64, _ total: Int64) -> Void)? = nil) throws(JournalError) -> VerifyReport {
        let (maxSeq, headSeq, headHash, anchor) = try wrap { () throws(SQLiteError) -> (Int64, Int64, String, PruneAnchor?) in
            let s = try connection.prepare("SELECT coalesce(max(seq), 0) FROM main.events")
            try s.step()
            let (headSeq, headHash) = try headRecord()
            return (s.int64(0), headSeq, headHash, try storedPruneAnchor())
        }
        // A pruned journal verifies from its cut: the first live row links to the anchor.
        let first = (anchor?.throughSeq ?? 0) + 1
        let anchorHash = anchor.flatMap { SHA256Hasher.bytes(hex: $0.hash) } ?? []
        // The workers count the rows from `first` on as they check them (a count(*) first was a
        // second pass over an index, about a second at 10M events); rows before the cut are counted here.
        let below = try wrap { () throws(SQLiteError) -> Int64 in
            let s = try connection.prepare("SELECT count(*) FROM main.events WHERE seq < ?")
            s.bind(first, at: 1)
            try s.step()
            return s.int64(0)
        }
        let expectedRows = max(0, maxSeq - first + 1)
        // Whether there are chain anchors to compare (asked once, for the workers and the check after them).
        let hasAnchors = try wrap { () throws(SQLiteError) in try hasTable("anchors") }
        let count = below + expectedRows  // when every range checks out; a broken one reports its own seq
        let workers = expectedRows >= twoWorkersFrom ? 2 : 1
        var ranges: [ClosedRange<Int64>] = []
        let step = max(1, (maxSeq - first + 1 + Int64(workers) - 1) / Int64(workers))
        var lo = first
        while lo <= maxSeq { ranges.append(lo...min(maxSeq, lo + step - 1)); lo += step }
        let rangeList = ranges
        var results = [RangeCheck](repeating: RangeCheck(), count: rangeList.count)
        let path = self.path
        let tally = progress.map { VerifyProgress(total: expectedRows, every: reportEvery, report: $0) }
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: rangeList.count) { i in
                slots[i] = Journal.check(path: path, range: rangeList[i], anchor: rangeList[i].lowerBound == first ? anchorHash : nil, anchors: hasAnchors,
                                         progress: tally)
            }
        }
        if let failure = results.first(where: { $0.error != nil })?.error { throw .sqlite(path: path, failure) }
        if let bad = results.compactMap({ r in r.firstBadSeq.map { (r, $0) } }).min(by: { $0.1 < $1.1 }) {
            return VerifyReport(events: bad.1 - first, lastSeq: maxSeq, firstBadSeq: bad.1, problem: bad.0.problem, pruned: anchor)
        }
        if count != max(0, maxSeq - first + 1) {
            return VerifyReport(events: count, lastSeq: maxSeq, firstBadSeq: nil, problem: "\(maxSeq - first + 1 - count) seqs are missing")
        }
        let lastHash = results.last?.lastHash ?? []
        if headSeq != maxSeq || (maxSeq > 0 && headHash != SHA256Hasher.hex(lastHash)) {
            let problem = headSeq > maxSeq
                ? "the journal's head says seq \(headSeq) but the last event is seq \(maxSeq): events after seq \(maxSeq) were removed"
                : "the journal's head (seq \(headSeq)) does not match its last event (seq \(maxSeq))"
            return VerifyReport(events: count, lastSeq: maxSeq, firstBadSeq: min(headSeq, maxSeq) + 1, problem: problem)
        }
        // Every row's hash is now known good, so an anchor that differs from its row was edited.
        // The workers compared the anchors of their ranges with the rows as they passed them
        // (a join of the two tables afterwards was 625k lookups, about 1.8 s at 10M events);
        // an anchor outside the rows has no row to match.
        let badAnchor = try wrap { () throws(SQLiteError) -> Int64? in
            guard hasAnchors else { return nil }
            let s = try connection.prepare("SELECT seq FROM main.anchors WHERE seq < ? OR seq > ? ORDER BY seq LIMIT 1")
            s.bind(first, at: 1); s.bind(maxSeq, at: 2)
            let outside = try s.step() ? s.int64(0) : nil
            return (results.compactMap(\.firstBadAnchor) + (outside.map { [$0] } ?? [])).min()
        }
        if let badAnchor {
            return VerifyReport(events: count, lastSeq: maxSeq, firstBadSeq: badAnchor,
                                problem: "the chain anchor at seq \(badAnchor) does not match the hash of seq \(badAnchor): the anchors were edited")
        }
        let lastAnchor = try wrap { () throws(SQLiteError) -> (seq: Int64, hash: String)? in
            guard try hasTable("anchors") else { return nil }
            let s = try connection.prepare("SELECT seq, hash FROM main.anchors ORDER BY seq DESC LIMIT 1")
            return try s.step() ? (s.int64(0), SHA256Hasher.hex(s.blob(1))) : nil
        }
        return VerifyReport(events: count, lastSeq: maxSeq, firstBadSeq: nil, problem: nil,
                            headHash: maxSeq > 0 ? SHA256Hasher.hex(lastHash) : nil, lastAnchor: lastAnchor, pruned: anchor)
    }

    struct RangeCheck {
        var firstBadSeq: Int64?
        var problem: String?
        var lastHash: [UInt8] = []
        var error: SQLiteError?
        /// The first anchor in the range whose hash differs from its row's.
        var firstBadAnchor: Int64?
    }

    /// Checks the rows of `range` on a connection of its own.
    /// `anchor`: the chain hash before the range when its predecessor was pruned.
    /// `anchors`: whether the journal has an anchors table, whose anchors in the range are
    /// compared with their rows.
    static func check(path: String, range: ClosedRange<Int64>, anchor: [UInt8]? = nil, anchors hasAnchors: Bool, progress: VerifyProgress? = nil) -> RangeCheck {
        var result = RangeCheck()
        do throws(SQLiteError) {
            let connection = try Connection(path: path, mode: .readOnly)
            connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
            try connection.execute("PRAGMA cache_size=-\(Schema.scanCacheKibibytes)")
            // One read transaction for the whole range: a consistent snapshot.
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            var previous: [UInt8] = anchor ?? []
            if range.lowerBound > 1 && anchor == nil {
                let s = try connection.prepare("SELECT hash FROM events WHERE seq = ?")
                s.bind(range.lowerBound - 1, at: 1)
                if try s.step() { previous = s.blob(0) }
            }
            let rows = try connection.prepare("SELECT \(EventRecord.selectList) FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq")
            rows.bind(range.lowerBound, at: 1); rows.bind(range.upperBound, at: 2)
            var rehasher = ChainRehasher()
            rehasher.previous = previous
            // The range's anchors, stepped alongside the rows (both in seq order).
            let anchors = hasAnchors ? try connection.prepare("SELECT seq, hash FROM anchors WHERE seq BETWEEN ? AND ? ORDER BY seq") : nil
            anchors?.bind(range.lowerBound, at: 1); anchors?.bind(range.upperBound, at: 2)
            var nextAnchor = try anchors?.step() == true ? anchors?.int64(0) : nil
            let hashColumn = Int32(EventRecord.columns.count + 2)
            var expected = range.lowerBound
            while try rows.step() {
                let seq = rows.int64(0)
                if seq != expected {
                    result.firstBadSeq = expected
                    result.problem = seq - 1 > expected ? "seq \(expected)–\(seq - 1) are missing" : "seq \(expected) is missing"
                    return result
                }
                if !rehasher.check(row: rows) {
                    result.firstBadSeq = seq
                    result.problem = ChainRehasher.mismatch(seq)
                    return result
                }
                if seq == nextAnchor, let anchors {
                    let same = rows.withRawBytes(hashColumn) { row in anchors.withRawBytes(1) { anchor in
                        guard let row, let anchor else { return false }
                        return row.elementsEqual(anchor)
                    } }
                    if !same && result.firstBadAnchor == nil { result.firstBadAnchor = seq }
                    nextAnchor = try anchors.step() ? anchors.int64(0) : nil
                }
                expected += 1
                if let progress, (expected - range.lowerBound) % progress.every == 0 { progress.add(progress.every) }
            }
            if expected <= range.upperBound {
                result.firstBadSeq = expected
                result.problem = "seq \(expected) is missing"
            }
            result.lastHash = rehasher.previous
        } catch {
            result.error = error
        }
        return result
    }
}

/// The rows the workers of one `verify` have checked, reported one report at a time.
final class VerifyProgress: Sendable {
    let total: Int64
    let every: Int64
    let report: @Sendable (Int64, Int64) -> Void
    private let checked = Mutex<Int64>(0)

    init(total: Int64, every: Int64, report: @escaping @Sendable (Int64, Int64) -> Void) {
        self.total = total; self.every = max(1, every); self.report = report
    }

    func add(_ rows: Int64) {
        checked.withLock { done in
            done += rows
            report(done, total)
        }
    }
}
