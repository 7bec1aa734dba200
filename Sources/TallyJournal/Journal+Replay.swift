#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TallyCore
import TallySQLite

extension Journal {
    /// Events handed from the reading thread to the replaying one at a time.
    static let replayBatchSize = 4096
    /// Batches read ahead of the one being applied, at most.
    static let replayBatchesAhead = 4

    /// Truth by replaying the journal (contract §4), or truth as of `asOf`:
    /// only events with `occurred_at` ≤ `asOf`. Reads the binary replay record, never JSON.
    /// Starts from the newest usable checkpoint (`useCheckpoints`), replaying only the
    /// events after its position: the result is the same as a replay from the first event.
    ///
    /// `throughSeq` limits the replay to the events up to that seq (truth at a prune's cut).
    ///
    /// A pruned journal replays from the checkpoint pinned at its cut, or, when that one is
    /// unusable (an as-of time before it, or a late event that sorts before it), through the
    /// archives given to `attachArchives`; without them it says so instead of guessing.
    ///
    /// Two threads: one steps SQLite and decodes each row's `replay` record (on a
    /// read-only connection of its own), the other applies them to `Truth`.
    ///
    /// `started` is called once the starting state is in memory (a checkpoint decoded, its
    /// encoded state freed), before the events after it are read: work to run alongside the
    /// events (reconcile's store read) starts then, so that the two do not peak together.
    /// `progress` hears, on the calling thread, how many events have been applied and how
    /// many there are at most (the journal's count; nil when it does not keep counts).
    public func replay(asOf: Timestamp? = nil, throughSeq: Int64? = nil, useCheckpoints: Bool = true,
                       started: () -> Void = {},
                       progress: (_ applied: Int, _ total: Int?) -> Void = { _, _ in }) throws -> Truth {
        let start = useCheckpoints ? try wrap { () throws(SQLiteError) in try usableCheckpoint(asOf: asOf, throughSeq: throughSeq) } : nil
        let pruned = try wrap { () throws(SQLiteError) in try storedPruneAnchor() }
        if let pruned, readArchives.isEmpty, (start?.info.headSeq ?? 0) < pruned.throughSeq {
            throw JournalError.needsArchives(path: path, detail: try prunedReplayReason(pruned, asOf: asOf, throughSeq: throughSeq))
        }
        lastReplayCheckpoint = start?.info
        let counts = try? typeCounts()
        // The journal's events (nil when it does not keep counts by type).
        let journalEvents = counts.map { Int($0.values.reduce(0, +)) }
        // A cold journal: its replay index's leaf pages read ahead of the scan (see IndexWarmer).
        let warmer = try? indexWarmer(skipping: start.map { Double($0.truth.applied) / Double(max(1, journalEvents ?? 1)) } ?? 0)
        defer { lastReplayWarming = warmer?.stop() }
        started()
        let archives = readArchives
        enum Chunk: Sendable {
            case events(ReplayBatch)
            case end
            case failed(any Error)
        }
        let handoff = Handoff<Chunk>(depth: Journal.replayBatchesAhead)
        // The applied batches, back to the reader, empty, to be filled again (at most the
        // ones ahead, the one being filled and the one being applied exist at once).
        let emptied = Mutex<[ReplayBatch]>([])
        let path = self.path
        let startPosition = start?.info.position
        let asOfMicros = asOf?.microseconds
        handoff.startProducer { handoff in
            do {
                let connection = try Connection(path: path, mode: .readOnly)
                connection.setBusyTimeout(milliseconds: Journal.busyTimeoutMilliseconds)
                try connection.execute("PRAGMA cache_size=-\(Schema.scanCacheKibibytes)")
                if let pruned, !archives.isEmpty { try Journal.installArchiveViews(archives, through: pruned.throughSeq, on: connection) }
                var conditions: [String] = []
                if start != nil { conditions.append("occurred_us >= ?1 AND NOT (occurred_us = ?1 AND seq <= ?2)") }
                if asOfMicros != nil { conditions.append("occurred_us <= ?3") }
                if throughSeq != nil { conditions.append("seq <= ?4") }
                let sql = "SELECT seq, type, occurred_us, replay FROM events"
                    + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY occurred_us, seq"
                let rows = try connection.prepare(sql)
                if let position = startPosition {
                    rows.bind(position.occurredAt.microseconds, at: 1); rows.bind(position.seq.rawValue, at: 2)
                }
                if let asOfMicros { rows.bind(asOfMicros, at: 3) }
                if let throughSeq { rows.bind(throughSeq, at: 4) }
                var batch = ReplayBatch(capacity: Journal.replayBatchSize)
                let seed = TableHash.seed
                while try rows.step() {
                    let seq = rows.int64(0)
                    let typeCode = rows.int64(1)
                    // The keys' lookup hashes come from the record's bytes as it is decoded.
                    var hashes: (first: UInt64, second: UInt64) = (0, 0)
                    let payload = EventType(code: Int(typeCode)).flatMap { type in
                        rows.withRawBytes(3) { bytes in bytes.flatMap { ReplayRecord.decode(type: type, $0, seed: seed, hashes: &hashes) } }
                    }
                    guard let payload else {
                        throw JournalError.notAJournal(path: path, detail: "seq \(seq) has a replay record that does not decode; run `tally verify`")
                    }
                    // The id is looked up afterwards for the few findings that name it.
                    batch.append(ReplayEvent(seq: Seq(seq), occurredAt: Timestamp(microseconds: rows.int64(2)), payload: payload, lookupHashes: hashes))
                    if batch.isFull {
                        guard handoff.put(.events(batch)) else { return }
                        batch = emptied.withLock { $0.popLast() } ?? ReplayBatch(capacity: Journal.replayBatchSize)
                    }
                }
                if !batch.isEmpty { handoff.put(.events(batch)) }
                handoff.put(.end)
            } catch let error as SQLiteError {
                handoff.put(.failed(JournalError.sqlite(path: path, error)))
            } catch {
                handoff.put(.failed(error))
            }
        }
        defer { handoff.cancelAndWait() }
        var truth = start?.truth ?? Truth()
        // Sized up front when the journal keeps its counts (as of a time, an upper bound).
        if start == nil, let counts {
            truth.reserve(orders: Int(counts[.orderPlaced] ?? 0), fulfillments: Int(counts[.fulfillmentCreated] ?? 0),
                          refunds: Int(counts[.orderRefunded] ?? 0))
        }
        // The events to apply: the journal's count less those a checkpoint already holds.
        let total = journalEvents.map { $0 - (start?.truth.applied ?? 0) }
        var applied = 0
        while true {
            switch handoff.take() {
            case .events(let batch):
                applied += batch.count
                truth.apply(emptying: batch)
                emptied.withLock { $0.append(batch) }
                progress(applied, total)
            case .end:
                try wrap { () throws(SQLiteError) in
                    let find = try connection.prepare("SELECT id FROM events WHERE seq = ?")
                    try truth.resolveEventIDs { seq throws(SQLiteError) -> String in
                        find.reset(); find.bind(seq.rawValue, at: 1)
                        guard try find.step() else { return "" }
                        return find.text(0)
                    }
                }
                return truth
            case .failed(let error):
                throw error
            }
        }
    }

    /// Journals smaller than this are not warmed: read cold, they take a fraction of a second.
    static let warmingMinimumBytes = 64 << 20

    /// Starts reading the replay index's leaf pages ahead (nil for a small file, or one whose
    /// index cannot be found), from the fraction `skipping` of them on.
    private func indexWarmer(skipping: Double) throws(SQLiteError) -> IndexWarmer? {
        var info = stat()
        guard stat(path, &info) == 0, Int(info.st_size) >= Journal.warmingMinimumBytes else { return nil }
        let root = try cached("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = ?")
        defer { root.reset() }
        root.bind(Schema.replayIndex, at: 1)
        guard try root.step(), !root.isNull(0) else { return nil }
        return IndexWarmer(path: path, rootPage: root.int64(0), fromFraction: skipping)
    }
}
