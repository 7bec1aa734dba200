import TallyCore
import TallySQLite

extension Journal {
    /// What happened in [start, end) by occurred_at (the time index), and the input
    /// rejected in it (by when it was received).
    public func activity(from start: Timestamp, to end: Timestamp) throws(JournalError) -> DayActivity {
        try wrap { () throws(SQLiteError) -> DayActivity in
            var a = DayActivity()
            let rows = try cached("SELECT type, occurred_us, amount, replay FROM events WHERE occurred_us >= ? AND occurred_us < ?")
            defer { rows.reset() }
            rows.bind(start.microseconds, at: 1); rows.bind(end.microseconds, at: 2)
            while try rows.step() {
                guard let type = EventType(code: Int(rows.int64(0))) else { continue }
                a.eventsByType[type, default: 0] += 1
                let hour = Int((rows.int64(1) - start.microseconds) / 3_600_000_000)
                if hour >= 0 && hour < 24 { a.eventsByHour[hour] += 1 }
                switch type {
                case .orderPlaced:
                    a.orders += 1
                    if case .orderPlaced(let p)? = rows.withRawBytes(3, { $0.flatMap { ReplayRecord.decode(type: .orderPlaced, $0) } }) {
                        a.unitsSold += p.lines.reduce(0) { $0 + $1.qty }
                    }
                case .fulfillmentCreated: a.fulfillments += 1
                case .orderRefunded: a.refunds += 1; a.refunded += rows.optionalInt64(2) ?? 0
                default: break
                }
            }
            let rejected = try cached("SELECT count(*) FROM quarantine WHERE received_us >= ? AND received_us < ?")
            defer { rejected.reset() }
            rejected.bind(start.microseconds, at: 1); rejected.bind(end.microseconds, at: 2)
            if try rejected.step() { a.rejected = Int(rejected.int64(0)) }
            return a
        }
    }

    /// Keeps a drift run's summary (outside the events table: it is not an event).
    public func recordDriftRun(_ summary: DriftRunSummary) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            let s = try cached("INSERT OR REPLACE INTO drift_runs (run_us, day, summary) VALUES (?, ?, ?)")
            defer { s.reset() }
            s.bind(summary.runAt.microseconds, at: 1); s.bind(summary.day, at: 2)
            let json = JSONValue.obj([
                ("by_kind", .obj(summary.byKind.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("critical", .int(summary.critical)), ("high", .int(summary.high)), ("warning", .int(summary.warning)),
                ("at_stake", .int(summary.atStake)),
            ])
            s.bind(JSONWriter.encode(json, pretty: false), at: 3)
            try s.step()
        }
    }

    /// The last `limit` drift runs, oldest first.
    public func driftRuns(limit: Int = 30) throws(JournalError) -> [DriftRunSummary] {
        try wrap { () throws(SQLiteError) -> [DriftRunSummary] in
            guard try hasTable("drift_runs") else { return [] }
            let s = try cached("SELECT run_us, day, summary FROM drift_runs ORDER BY run_us DESC LIMIT ?")
            defer { s.reset() }
            s.bind(Int64(limit), at: 1)
            var runs: [DriftRunSummary] = []
            while try s.step() {
                guard case .object(let o)? = try? JSONParser.parse(s.text(2)) else { continue }
                func int(_ k: String) -> Int64 { if case .number(let n)? = o[k] { return n.int64 ?? 0 }; return 0 }
                var kinds: [String: Int] = [:]
                if case .object(let k)? = o["by_kind"] { for m in k.members { if case .number(let n) = m.value { kinds[m.key] = Int(n.int64 ?? 0) } } }
                runs.append(DriftRunSummary(runAt: Timestamp(microseconds: s.int64(0)), day: s.text(1), byKind: kinds,
                                            critical: Int(int("critical")), high: Int(int("high")), warning: Int(int("warning")), atStake: int("at_stake")))
            }
            return runs.reversed()
        }
    }
}
