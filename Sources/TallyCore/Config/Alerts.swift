/// One recorded run of a backup job.
public struct JobRun: Sendable, Equatable {
    public var name: String
    public var started: Timestamp
    public var ended: Timestamp
    public var exitStatus: Int
    public var outputBytes: Int64
    public init(name: String, started: Timestamp, ended: Timestamp, exitStatus: Int, outputBytes: Int64) {
        self.name = name; self.started = started; self.ended = ended; self.exitStatus = exitStatus; self.outputBytes = outputBytes
    }
    public var seconds: Double { Double(ended.microseconds - started.microseconds) / 1e6 }
}

/// An open alert (issue 4).
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable { case failedRun = "failed_run", slowRun = "slow_run", missedRun = "missed_run", silentSource = "silent_source", journalBroken = "journal_broken" }
    public var kind: Kind
    public var subject: String
    public var message: String
    public init(kind: Kind, subject: String, message: String) { self.kind = kind; self.subject = subject; self.message = message }
}

/// The alert rules, pure: given the config, each job's recent runs (oldest first), the last
/// time each source was heard from, the journal's verify result and now.
public enum AlertRules {
    public static func evaluate(config: TallyConfig, runs: [String: [JobRun]], sources: [String: Timestamp],
                                journalProblem: String?, now: Timestamp) -> [Alert] {
        var alerts: [Alert] = []
        func ago(_ seconds: Int64) -> String {
            seconds >= 86_400 ? "\(seconds / 86_400)d \(seconds % 86_400 / 3_600)h" : seconds >= 3_600 ? "\(seconds / 3_600)h \(seconds % 3_600 / 60)m" : "\(seconds / 60)m"
        }
        for name in Set(runs.keys).union(config.jobs.keys).sorted() {
            let history = runs[name] ?? []
            if let last = history.last {
                if last.exitStatus != 0 {
                    alerts.append(Alert(kind: .failedRun, subject: name, message: "job \(name): the last run (ended \(last.ended.rfc3339)) failed with exit status \(last.exitStatus)"))
                } else {
                    let earlier = history.dropLast().filter { $0.exitStatus == 0 }.suffix(20).map(\.seconds).sorted()
                    let median = earlier.isEmpty ? nil : earlier[earlier.count / 2]
                    if let limit = config.jobs[name]?.slowAfterSeconds, last.seconds > Double(limit) {
                        alerts.append(Alert(kind: .slowRun, subject: name, message: "job \(name): the last run took \(Int(last.seconds)) s, over the limit of \(limit) s"))
                    } else if let median, earlier.count >= 3, last.seconds > 2 * median, last.seconds >= 1 {
                        alerts.append(Alert(kind: .slowRun, subject: name, message: "job \(name): the last run took \(Int(last.seconds)) s, over twice the median of the \(earlier.count) runs before it (\(Int(median)) s)"))
                    }
                }
            }
            // A failed last run is its own alert: while it stands, the missing success it causes is not a second one.
            if let job = config.jobs[name], history.last?.exitStatus ?? 0 == 0 {
                let lastSuccess = history.last { $0.exitStatus == 0 }
                let allowed = job.intervalSeconds + job.graceSeconds
                if let lastSuccess {
                    let since = (now.microseconds - lastSuccess.ended.microseconds) / 1_000_000
                    if since > allowed {
                        alerts.append(Alert(kind: .missedRun, subject: name, message: "job \(name): no successful run for \(ago(since)) (schedule every \(ago(job.intervalSeconds)) plus \(ago(job.graceSeconds)) grace): the RPO is at risk"))
                    }
                } else {
                    alerts.append(Alert(kind: .missedRun, subject: name, message: "job \(name): no successful run recorded"))
                }
            }
        }
        for (source, last) in sources.sorted(by: { $0.key < $1.key }) {
            let quiet = (now.microseconds - last.microseconds) / 1_000_000
            let limit = config.quietLimit(for: source)
            if quiet > limit {
                alerts.append(Alert(kind: .silentSource, subject: source, message: "source \(source): no event for \(ago(quiet)) (quiet limit \(ago(limit)))"))
            }
        }
        if let journalProblem {
            alerts.append(Alert(kind: .journalBroken, subject: "journal", message: "the journal fails verify: \(journalProblem)"))
        }
        return alerts
    }
}
