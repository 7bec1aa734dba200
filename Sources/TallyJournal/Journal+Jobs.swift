import TallyCore
import TallySQLite

extension Journal {
    /// Keeps a backup-job run (outside the events table).
    public func recordJobRun(_ run: JobRun) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            let s = try cached("INSERT INTO job_runs (name, started_us, ended_us, exit_status, output_bytes) VALUES (?, ?, ?, ?, ?)")
            defer { s.reset() }
            s.bind(run.name, at: 1); s.bind(run.started.microseconds, at: 2); s.bind(run.ended.microseconds, at: 3)
            s.bind(Int64(run.exitStatus), at: 4); s.bind(run.outputBytes, at: 5)
            try s.step()
        }
    }

    /// The last `limit` runs of every job, oldest first.
    public func jobRuns(limit: Int = 21) throws(JournalError) -> [String: [JobRun]] {
        try wrap { () throws(SQLiteError) -> [String: [JobRun]] in
            guard try hasTable("job_runs") else { return [:] }
            let s = try cached("SELECT name, started_us, ended_us, exit_status, output_bytes FROM job_runs ORDER BY name, ended_us")
            defer { s.reset() }
            var runs: [String: [JobRun]] = [:]
            while try s.step() {
                runs[s.text(0), default: []].append(JobRun(name: s.text(0), started: Timestamp(microseconds: s.int64(1)), ended: Timestamp(microseconds: s.int64(2)),
                                                          exitStatus: Int(s.int64(3)), outputBytes: s.int64(4)))
            }
            return runs.mapValues { Array($0.suffix(limit)) }
        }
    }

    /// When each source was last heard from (by recorded_at).
    public func lastEventBySource() throws(JournalError) -> [String: Timestamp] {
        try wrap { () throws(SQLiteError) -> [String: Timestamp] in
            let s = try cached("SELECT source, max(recorded_us) FROM events GROUP BY source")
            defer { s.reset() }
            var result: [String: Timestamp] = [:]
            while try s.step() { result[s.text(0)] = Timestamp(microseconds: s.int64(1)) }
            return result
        }
    }
}
