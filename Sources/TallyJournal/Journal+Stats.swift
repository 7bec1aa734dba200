import TallyCore
import TallySQLite

/// What `tally stats` reports.
public struct JournalStats: Sendable, Equatable {
    public var events: Int64
    public var lastSeq: Int64
    public var byType: [EventType: Int64]
    public var firstOccurredAt: Timestamp?
    public var lastOccurredAt: Timestamp?
    public var firstRecordedAt: Timestamp?
    public var lastRecordedAt: Timestamp?
    public var lastSnapshot: MarkerInfo?
    public var lastRestore: MarkerInfo?
    public var quarantined: Int64
    /// The pruned prefix, when the journal was pruned (`events` and `byType` count live events).
    public var pruned: PruneAnchor? = nil
}

/// One quarantined input line.
public struct QuarantineEntry: Sendable, Equatable {
    public var id: Int64
    public var receivedAt: Timestamp
    public var input: String
    public var line: Int64
    public var eventID: String?
    public var reason: String
    public var raw: [UInt8]
    public var rawBytes: Int64
}

extension Journal {
    /// Index reads only when the journal keeps its counts by type (a scan otherwise).
    public func stats() throws(JournalError) -> JournalStats {
        let kept = try typeCounts()
        return try wrap { () throws(SQLiteError) in
            var byType: [EventType: Int64] = kept ?? [:]
            var total: Int64 = byType.values.reduce(0, +)
            if kept == nil {
                let types = try connection.prepare("SELECT type, count(*) FROM events GROUP BY type")
                while try types.step() {
                    if let type = EventType(code: Int(types.int64(0))) { byType[type] = types.int64(1) }
                    total += types.int64(1)
                }
            }
            // recorded_at never goes backwards: the first and last seq hold its range.
            let range = try connection.prepare("""
                SELECT (SELECT min(occurred_us) FROM events), (SELECT max(occurred_us) FROM events),
                       (SELECT recorded_us FROM events ORDER BY seq LIMIT 1), (SELECT recorded_us FROM events ORDER BY seq DESC LIMIT 1),
                       (SELECT max(seq) FROM events)
                """)
            try range.step()
            let ts: (Int32) -> Timestamp? = { range.optionalInt64($0).map(Timestamp.init(microseconds:)) }
            let quarantined = try connection.scalar("SELECT count(*) FROM quarantine")
            var count: Int64 = 0
            if case .integer(let n)? = quarantined { count = n }
            return JournalStats(
                events: total, lastSeq: range.optionalInt64(4) ?? 0, byType: byType,
                firstOccurredAt: ts(0), lastOccurredAt: ts(1), firstRecordedAt: ts(2), lastRecordedAt: ts(3),
                lastSnapshot: try markers(.snapshotTaken).last, lastRestore: try markers(.restorePerformed).last,
                quarantined: count, pruned: try storedPruneAnchor())
        }
    }

    /// The number of events and the last seq, without scanning the table (reconcile's header).
    /// A pruned journal counts its pruned events too (read through the archives when attached).
    public func counts() throws(JournalError) -> (events: Int64, lastSeq: Int64) {
        try wrap { () throws(SQLiteError) in
            let s = try connection.prepare("SELECT count(*), coalesce(max(seq), 0) FROM events")
            try s.step()
            let pruned = readArchives.isEmpty ? try storedPruneAnchor()?.events ?? 0 : 0
            return (s.int64(0) + pruned, s.int64(1))
        }
    }

    /// Every marker of `type`, in event-time order (an index read: only markers have a
    /// snapshot_id; `occurred_us + 0` keeps SQLite from walking the time index instead).
    public func markers(_ type: EventType) throws(SQLiteError) -> [MarkerInfo] {
        precondition(type == .snapshotTaken || type == .restorePerformed, "markers are snapshots and restores")
        let s = try connection.prepare(
            "SELECT seq, snapshot_id, occurred_us, label, store_digest, occurred_at FROM events WHERE snapshot_id IS NOT NULL AND type = ? ORDER BY occurred_us + 0, seq")
        s.bind(Int64(type.code), at: 1)
        var result: [MarkerInfo] = []
        while try s.step() {
            result.append(MarkerInfo(seq: Seq(s.int64(0)), snapshotID: s.text(1), occurredAt: Timestamp(microseconds: s.int64(2)),
                                     occurredAtText: s.text(5), label: s.optionalText(3), storeDigest: s.optionalText(4)))
        }
        return result
    }

    /// Every snapshot and restore marker, in event-time order.
    public func allMarkers() throws(JournalError) -> (snapshots: [MarkerInfo], restores: [MarkerInfo]) {
        try wrap { () throws(SQLiteError) in (try markers(.snapshotTaken), try markers(.restorePerformed)) }
    }

    /// Quarantined lines, oldest first, at most `limit`.
    public func quarantine(limit: Int, offset: Int = 0) throws(JournalError) -> [QuarantineEntry] {
        try wrap { () throws(SQLiteError) in
            let s = try connection.prepare(
                "SELECT qid, received_us, input, line, event_id, reason, raw, raw_bytes FROM quarantine ORDER BY qid LIMIT ? OFFSET ?")
            s.bind(Int64(limit), at: 1); s.bind(Int64(offset), at: 2)
            var result: [QuarantineEntry] = []
            while try s.step() {
                result.append(QuarantineEntry(id: s.int64(0), receivedAt: Timestamp(microseconds: s.int64(1)), input: s.text(2),
                                              line: s.int64(3), eventID: s.optionalText(4), reason: s.text(5), raw: s.blob(6),
                                              rawBytes: s.int64(7)))
            }
            return result
        }
    }
}

extension JournalStats {
    /// `tally stats --format json` and `GET /v1/status`: the counts and markers as JSON members.
    public func jsonMembers(journal: String) -> [(String, JSONValue)] {
        func marker(_ m: MarkerInfo?) -> JSONValue {
            guard let m else { return .null }
            return .obj([("seq", .int(m.seq.rawValue)), ("snapshot_id", .string(m.snapshotID)), ("occurred_at", .string(m.occurredAt.rfc3339))])
        }
        return [
            ("journal", .string(journal)),
            ("events", .int(events)), ("last_seq", .int(lastSeq)),
            ("by_type", .obj(EventType.allCases.map { ($0.rawValue, .int(byType[$0] ?? 0)) })),
            ("first_occurred_at", .text(firstOccurredAt?.rfc3339)),
            ("last_occurred_at", .text(lastOccurredAt?.rfc3339)),
            ("first_recorded_at", .text(firstRecordedAt?.rfc3339)),
            ("last_recorded_at", .text(lastRecordedAt?.rfc3339)),
            ("last_snapshot", marker(lastSnapshot)), ("last_restore", marker(lastRestore)),
            ("quarantined", .int(quarantined)),
            ("pruned", pruned.map { .obj([("through_seq", .int($0.throughSeq)), ("events", .int($0.events)), ("pruned_at", .string($0.prunedAt.rfc3339))]) } ?? .null),
        ]
    }
}
