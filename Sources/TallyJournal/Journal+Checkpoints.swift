import TallyCore
import TallyDigest
import TallySQLite

/// A stored truth (see the `checkpoints` table).
public struct CheckpointInfo: Sendable, Equatable {
    public var id: Int64
    public var createdAt: Timestamp
    public var headSeq: Int64
    public var position: EventTime
    public var bytes: Int
}

extension Journal {
    /// Checkpoints kept; older ones are deleted when a new one is written.
    public static let checkpointsKept = 3

    /// Stores `truth`, which must come from a full replay (`replay()` with no as-of time).
    @discardableResult
    public func writeCheckpoint(_ truth: Truth) throws(JournalError) -> CheckpointInfo? {
        guard let encoded = EncodedCheckpoint(truth, hasher: hasher) else { return nil }
        return try wrap { () throws(SQLiteError) -> CheckpointInfo in
            try connection.transaction { () throws(SQLiteError) in
                let info = try insertCheckpoint(encoded)
                // The checkpoint pinned at a prune's cut stays: replays of the pruned journal start there.
                let pinned = try prunedThrough()
                try connection.execute("DELETE FROM checkpoints WHERE head_seq <> \(pinned) AND cid NOT IN (SELECT cid FROM checkpoints ORDER BY head_seq DESC, cid DESC LIMIT \(Journal.checkpointsKept))")
                return info
            }
        }
    }

    /// A truth encoded for the `checkpoints` table, before the transaction that stores it
    /// (encoding a million orders takes a while).
    struct EncodedCheckpoint {
        let position: EventTime
        let headSeq: Int64
        let state: [UInt8]
        let digest: [UInt8]

        /// Nil for an empty truth (no position).
        init?(_ truth: Truth, hasher: SHA256Hasher) {
            guard let position = truth.position else { return nil }
            self.position = position
            headSeq = truth.maxSeq
            state = TruthCodec.encode(truth)
            digest = hasher.digest([], state)
        }
    }

    /// Inserts a checkpoint (inside the caller's transaction).
    func insertCheckpoint(_ c: EncodedCheckpoint) throws(SQLiteError) -> CheckpointInfo {
        let now = clock.now().microseconds
        let s = try connection.prepare("""
            INSERT INTO checkpoints (created_us, head_seq, position_us, position_seq, codec, state, state_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        s.bind(now, at: 1); s.bind(c.headSeq, at: 2); s.bind(c.position.occurredAt.microseconds, at: 3)
        s.bind(c.position.seq.rawValue, at: 4); s.bind(Int64(TruthCodec.version), at: 5)
        s.bind(blob: c.state, at: 6); s.bind(blob: c.digest, at: 7)
        try s.step()
        return CheckpointInfo(id: connection.lastInsertRowID, createdAt: Timestamp(microseconds: now), headSeq: c.headSeq,
                              position: c.position, bytes: c.state.count)
    }

    /// The stored checkpoints, newest first.
    public func checkpoints() throws(JournalError) -> [CheckpointInfo] {
        try wrap { () throws(SQLiteError) -> [CheckpointInfo] in
            guard try hasTable("checkpoints") else { return [] }
            let s = try connection.prepare("SELECT cid, created_us, head_seq, position_us, position_seq, length(state) FROM checkpoints ORDER BY head_seq DESC, cid DESC")
            var out: [CheckpointInfo] = []
            while try s.step() {
                out.append(CheckpointInfo(id: s.int64(0), createdAt: Timestamp(microseconds: s.int64(1)), headSeq: s.int64(2),
                                          position: EventTime(Timestamp(microseconds: s.int64(3)), Seq(s.int64(4))), bytes: Int(s.int64(5))))
            }
            return out
        }
    }

    /// The newest checkpoint replay can start from for truth as of `asOf` (nil: now): its
    /// position is not after `asOf`, and no event appended after it sorts before its
    /// position (a late event invalidates it). Its state is checked against its digest.
    /// With `throughSeq`, only checkpoints and events up to that seq count.
    func usableCheckpoint(asOf: Timestamp?, throughSeq: Int64? = nil) throws(SQLiteError) -> (info: CheckpointInfo, truth: Truth)? {
        guard try hasTable("checkpoints") else { return nil }
        // The order is found without the states (a sort would hold every candidate's blob),
        // then the chosen state is read by its id.
        let candidates = try connection.prepare("""
            SELECT cid, created_us, head_seq, position_us, position_seq FROM checkpoints
            WHERE codec = ? AND (?2 IS NULL OR position_us <= ?2) AND (?3 IS NULL OR head_seq <= ?3) ORDER BY position_us DESC, position_seq DESC
            """)
        let stateOf = try connection.prepare("SELECT state, state_sha256 FROM checkpoints WHERE cid = ?")
        candidates.bind(Int64(TruthCodec.version), at: 1); candidates.bind(asOf?.microseconds, at: 2); candidates.bind(throughSeq, at: 3)
        let late = try connection.prepare("SELECT 1 FROM main.events WHERE seq > ? AND seq <= ? AND occurred_us < ? LIMIT 1")
        while try candidates.step() {
            let headSeq = candidates.int64(2), positionUs = candidates.int64(3)
            late.reset()
            late.bind(headSeq, at: 1); late.bind(throughSeq ?? Int64.max, at: 2); late.bind(positionUs, at: 3)
            if try late.step() { continue }
            stateOf.reset()
            stateOf.bind(candidates.int64(0), at: 1)
            // The state's pages pass through the page cache once: a small cache while it is
            // read keeps them from staying beside the decoded truth.
            try connection.execute("PRAGMA cache_size=-\(Schema.scanCacheKibibytes)")
            defer {
                _ = try? connection.execute("PRAGMA cache_size=-\(Schema.cacheKibibytes)")
                _ = try? connection.execute("PRAGMA shrink_memory")
            }
            guard try stateOf.step() else { continue }
            let expected = stateOf.blob(1)
            // Checked and decoded in SQLite's own buffer: a checkpoint of 400k orders is
            // about 80 MB, and a copy would be held beside the truth being built.
            let decoded = stateOf.withRawBytes(0) { state -> (Truth, Int)? in
                guard let state else { return nil }
                hasher.begin(); hasher.update(state)
                guard HMACSHA256.constantTimeEqual(hasher.finish(), expected), let truth = TruthCodec.decode(state) else { return nil }
                return (truth, state.count)
            }
            guard let (truth, bytes) = decoded else { continue }
            let info = CheckpointInfo(id: candidates.int64(0), createdAt: Timestamp(microseconds: candidates.int64(1)), headSeq: headSeq,
                                      position: EventTime(Timestamp(microseconds: positionUs), Seq(candidates.int64(4))), bytes: bytes)
            return (info, truth)
        }
        return nil
    }

    /// A checkpoint that is due: `every` events or more were appended since the newest one.
    public struct DueCheckpoint: Sendable {
        /// Events since the newest checkpoint (or since the first event).
        public var since: Int64
        /// Orders, fulfillments and refunds in the journal: what the replay holds.
        public var orders: Int64, fulfillments: Int64, refunds: Int64
        /// About how much memory the replay that writes it takes (nil: the journal keeps no counts).
        public var estimatedBytes: Int64?
    }

    /// The checkpoint due every `every` events, if one is (nil: not due, or `every` is 0).
    ///
    /// The estimate is per entity of the state (measured: a replay of 1M events with 360k
    /// orders, 240k fulfillments and 40k refunds peaked at 606 MB with its encoded state), or
    /// from the largest stored checkpoint when that says more; it errs on the high side.
    public func dueCheckpoint(every: Int64) throws -> DueCheckpoint? {
        guard every > 0 else { return nil }
        let head = try self.head().seq
        let stored = try checkpoints()
        let newest = stored.first?.headSeq ?? 0
        guard head - newest >= every else { return nil }
        // A stored state decodes to about 8 times its encoded size (74 MB for 360k orders:
        // 606 MB in all); this also covers a pruned journal, whose counts leave out the
        // events its pinned checkpoint holds.
        let fromStored = stored.map { Int64($0.bytes) * 8 + 30 << 20 }.max()
        guard let counts = try typeCounts() else {
            return DueCheckpoint(since: head - newest, orders: 0, fulfillments: 0, refunds: 0, estimatedBytes: fromStored)
        }
        let orders = counts[.orderPlaced] ?? 0, fulfillments = counts[.fulfillmentCreated] ?? 0, refunds = counts[.orderRefunded] ?? 0
        let others = counts.values.reduce(0, +) - orders - fulfillments - refunds
        // Per order about 1.3 KB (its lines, ids and email, its entry in the index, its share
        // of the encoded state), a fulfillment or refund 0.4 KB, 40 bytes an other event (a
        // bound on the SKUs, stock and discounts they name), and the process itself.
        let fromCounts = 1_300 * orders + 400 * (fulfillments + refunds) + 40 * others + 30 << 20
        return DueCheckpoint(since: head - newest, orders: orders, fulfillments: fulfillments, refunds: refunds,
                             estimatedBytes: max(fromCounts, fromStored ?? 0))
    }
}
