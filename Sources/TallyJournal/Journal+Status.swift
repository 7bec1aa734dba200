import TallyCore
import TallySQLite

/// A recorded restore drill.
public struct DrillRecord: Sendable, Equatable {
    public var runAt: Timestamp
    public var snapshotID: String
    public var seconds: Double
    public var verdict: String
    public var summary: String
    public init(runAt: Timestamp, snapshotID: String, seconds: Double, verdict: String, summary: String) {
        self.runAt = runAt; self.snapshotID = snapshotID; self.seconds = seconds; self.verdict = verdict; self.summary = summary
    }
}

extension Journal {
    public func recordDrill(_ d: DrillRecord) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            let s = try cached("INSERT OR REPLACE INTO drills (run_us, snapshot_id, seconds, verdict, summary) VALUES (?, ?, ?, ?, ?)")
            defer { s.reset() }
            s.bind(d.runAt.microseconds, at: 1); s.bind(d.snapshotID, at: 2); s.bind(.real(d.seconds), at: 3)
            s.bind(d.verdict, at: 4); s.bind(d.summary, at: 5)
            try s.step()
        }
    }

    /// The last drill of each snapshot, newest first.
    public func lastDrills() throws(JournalError) -> [DrillRecord] {
        try wrap { () throws(SQLiteError) -> [DrillRecord] in
            guard try hasTable("drills") else { return [] }
            let s = try cached("SELECT run_us, snapshot_id, seconds, verdict, summary FROM drills ORDER BY run_us DESC")
            defer { s.reset() }
            var seen = Set<SnapshotID>()
            var result: [DrillRecord] = []
            while try s.step() {
                let snapshot = s.text(1)
                guard seen.insert(SnapshotID(snapshot)).inserted else { continue }
                result.append(DrillRecord(runAt: Timestamp(microseconds: s.int64(0)), snapshotID: snapshot, seconds: s.double(2), verdict: s.text(3), summary: s.text(4)))
            }
            return result
        }
    }

    /// recorded_at − occurred_at, in seconds, of the events recorded in [from, to).
    public func lags(recordedFrom from: Timestamp, to: Timestamp) throws(JournalError) -> [Double] {
        guard let range = try seqRange(recordedFrom: from, to: to) else { return [] }
        return try wrap { () throws(SQLiteError) -> [Double] in
            let s = try cached("SELECT recorded_us - occurred_us FROM events WHERE seq BETWEEN ? AND ?")
            defer { s.reset() }
            s.bind(range.lowerBound, at: 1); s.bind(range.upperBound, at: 2)
            var lags: [Double] = []
            while try s.step() { lags.append(Double(s.int64(0)) / 1e6) }
            return lags
        }
    }
}
