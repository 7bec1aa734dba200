import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyJournal
import TallySQLite
import TallyStore

struct Drill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A restore drill: check a staged restore of a snapshot, record how long it took and a GO / NO-GO verdict.",
        discussion: """
        Runs SQLite's quick_check on the store (an SQLite file), checks the store schema, and \
        reconciles it against the journal with the snapshot's phases. NO-GO on a failed integrity \
        or schema check, or on any finding at or above [drills] fail_on (default critical). The \
        drill is recorded in the journal file (outside the events); tally status shows the last \
        one per snapshot and its measured RTO. Exit status: 0 GO, 1 NO-GO, 2 bad usage.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: ArgumentHelp("The snapshot that was restored.", valueName: "ID"))
    var snapshot: String

    @Option(help: ArgumentHelp("The staged restore: an SQLite file in the canonical schema, or a CSV folder.", valueName: "RESTORED"))
    var store: String

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func run() throws {
        let config = try configOption.load()
        let journal = try journalOption.open(readOnly: false)
        let clock = JournalOption.clock
        let started = clock.now()
        var wall = timespec()
        clock_gettime(CLOCK_MONOTONIC, &wall)
        var problems: [String] = []
        // 1. SQLite's own integrity check (CSV folders have none).
        var quickCheck = "not applicable (a CSV folder)"
        var info = stat()
        if stat(store, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR {
            do throws(SQLiteError) {
                let connection = try Connection(path: store, mode: .readOnly)
                let s = try connection.prepare("PRAGMA quick_check")
                var lines: [String] = []
                while try s.step() { lines.append(s.text(0)) }
                quickCheck = lines == ["ok"] ? "ok" : lines.prefix(5).joined(separator: "; ")
                if quickCheck != "ok" { problems.append("quick_check: \(quickCheck)") }
            } catch {
                quickCheck = error.message
                problems.append("quick_check: \(error.message)")
            }
        }
        // 2. The schema, then 3. the reconciliation.
        var bySeverity: [Severity: Int] = [.critical: 0, .high: 0, .warning: 0]
        var schema = "ok"
        var snapshotOfStore: StoreSnapshot?
        do throws(StoreError) { snapshotOfStore = try StoreReader.read(store) } catch {
            schema = error.description
            problems.append("schema: \(error.description)")
        }
        if let snapshotOfStore {
            let report = try ReconcileRun(journal: journal, storePath: store, snapshot: snapshot, restoredAt: nil, asOf: nil, store: snapshotOfStore).report()
            bySeverity = report.bySeverity
            if report.fails(at: config.drillFailOn) {
                problems.append("findings at or above \(config.drillFailOn?.rawValue ?? "none"): \(bySeverity[.critical] ?? 0) critical, \(bySeverity[.high] ?? 0) high, \(bySeverity[.warning] ?? 0) warning")
            }
        }
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let seconds = Double(end.tv_sec - wall.tv_sec) + Double(end.tv_nsec - wall.tv_nsec) / 1e9
        let verdict = problems.isEmpty ? "GO" : "NO-GO"
        let summary = JSONValue.obj([
            ("quick_check", .string(quickCheck)), ("schema", .string(schema)),
            ("findings", .obj([("critical", .int(bySeverity[.critical] ?? 0)), ("high", .int(bySeverity[.high] ?? 0)), ("warning", .int(bySeverity[.warning] ?? 0))])),
            ("problems", .array(problems.map(JSONValue.string))),
        ])
        try guarded { try journal.recordDrill(DrillRecord(runAt: started, snapshotID: snapshot, seconds: seconds, verdict: verdict,
                                                          summary: JSONWriter.encode(summary, pretty: false))) }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([("report", .string("drill")), ("snapshot_id", .string(snapshot)), ("store", .string(store)),
                                         ("verdict", .string(verdict)), ("seconds", .number(JSONNumber(literal: String(format2: seconds), isIntegerLiteral: false))),
                                         ("checks", summary)])))
        case .text:
            print("restore drill of snapshot \(snapshot) on \(store): \(verdict) (checks took \(String(format2: seconds)) s)")
            print("  quick_check: \(quickCheck)")
            print("  schema:      \(schema)")
            print("  findings:    \(bySeverity[.critical] ?? 0) critical, \(bySeverity[.high] ?? 0) high, \(bySeverity[.warning] ?? 0) warning")
            for p in problems { print("  NO-GO because \(p)") }
        }
        if !problems.isEmpty { throw CLIFailure.findings() }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recovery targets against what is measured now: snapshot age (RPO), last drill (RTO), journal lag, sources.",
        discussion: "Exit status: 0 every target met, 1 one is breached, 2 bad usage or an unreadable journal or config.")

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    static func duration(_ seconds: Int64) -> String {
        seconds >= 86_400 ? "\(seconds / 86_400)d \(seconds % 86_400 / 3_600)h" : seconds >= 3_600 ? "\(seconds / 3_600)h \(seconds % 3_600 / 60)m" : "\(seconds / 60)m \(seconds % 60)s"
    }

    func run() throws {
        let config = try configOption.load()
        let journal = try journalOption.open(readOnly: true)
        let now = JournalOption.clock.now()
        let snapshots = try guarded { try journal.allMarkers() }.snapshots
        let last = snapshots.max { $0.occurredAt < $1.occurredAt }
        let snapshotAge = last.map { (now.microseconds - $0.occurredAt.microseconds) / 1_000_000 }
        let drills = try guarded { try journal.lastDrills() }
        let lastDrill = drills.first
        let lags = try guarded { try journal.lags(recordedFrom: Timestamp(microseconds: now.microseconds - 3_600_000_000), to: now) }.sorted()
        func pct(_ p: Double) -> Double? { lags.isEmpty ? nil : lags[min(lags.count - 1, Int(Double(lags.count) * p))] }
        let sources = try guarded { try journal.lastEventBySource() }
        var rows: [JSONValue] = []
        var lines: [String] = []
        var breached = false
        for name in TallyConfig.systemNames {
            let system = config.systems[name]!
            let rpoBreached = snapshotAge.map { $0 > system.rpoSeconds } ?? true
            let rtoBreached = lastDrill.map { $0.seconds > Double(system.rtoSeconds) } ?? false
            breached = breached || rpoBreached || rtoBreached
            rows.append(.obj([
                ("system", .string(name)), ("rpo_seconds", .int(system.rpoSeconds)), ("rto_seconds", .int(system.rtoSeconds)),
                ("snapshot_age_seconds", snapshotAge.map { .int($0) } ?? .null), ("rpo_met", .bool(!rpoBreached)),
                ("last_drill_seconds", lastDrill.map { .number(JSONNumber(literal: String(format2: $0.seconds), isIntegerLiteral: false)) } ?? .null),
                ("rto_met", lastDrill == nil ? .null : .bool(!rtoBreached)),
            ]))
            let label = name + String(repeating: " ", count: max(0, 10 - name.count))
            let age: String = snapshotAge.map { "last snapshot \(Status.duration($0)) ago" } ?? "no snapshot"
            let drill: String = lastDrill.map { "last drill \(String(format2: $0.seconds)) s" + (rtoBreached ? "  BREACHED" : "  ok") } ?? "no drill yet"
            let rpo = "RPO \(Status.duration(system.rpoSeconds)): " + age + (rpoBreached ? "  BREACHED" : "  ok")
            lines.append("  \(label) \(rpo); RTO \(Status.duration(system.rtoSeconds)): \(drill)")
        }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("report", .string("status")), ("breached", .bool(breached)), ("systems", .array(rows)),
                ("last_snapshot", last.map { .obj([("snapshot_id", .string($0.snapshotID)), ("occurred_at", .string($0.occurredAtText))]) } ?? .null),
                ("drills", .array(drills.map { .obj([("snapshot_id", .string($0.snapshotID)), ("run_at", .string($0.runAt.rfc3339)), ("verdict", .string($0.verdict)),
                                                     ("seconds", .number(JSONNumber(literal: String(format2: $0.seconds), isIntegerLiteral: false)))]) })),
                ("journal_lag_seconds", .obj([("events", .int(lags.count)),
                                              ("p50", pct(0.5).map { .number(JSONNumber(literal: String(format2: $0), isIntegerLiteral: false)) } ?? .null),
                                              ("p95", pct(0.95).map { .number(JSONNumber(literal: String(format2: $0), isIntegerLiteral: false)) } ?? .null),
                                              ("max", lags.last.map { .number(JSONNumber(literal: String(format2: $0), isIntegerLiteral: false)) } ?? .null)])),
                ("sources", .obj(sources.sorted { $0.key < $1.key }.map { ($0.key, .obj([("last_event", .string($0.value.rfc3339)),
                                                                                         ("seconds_ago", .int((now.microseconds - $0.value.microseconds) / 1_000_000))])) })),
            ])))
        case .text:
            print("Tally status at \(now.rfc3339): " + (breached ? "a target is BREACHED" : "every target met"))
            print("systems:")
            lines.forEach { print($0) }
            print("journal lag over the last hour (recorded_at − occurred_at): " + (lags.isEmpty ? "no events" :
                  "\(lags.count) events, p50 \(String(format2: pct(0.5)!)) s, p95 \(String(format2: pct(0.95)!)) s, max \(String(format2: lags.last!)) s"))
            print("sources:")
            for (source, t) in sources.sorted(by: { $0.key < $1.key }) { print("  \(source): last event recorded \(Status.duration((now.microseconds - t.microseconds) / 1_000_000)) ago") }
            for d in drills { print("drill of \(d.snapshotID) at \(d.runAt.rfc3339): \(d.verdict), \(String(format2: d.seconds)) s") }
        }
        if breached { throw CLIFailure.findings() }
    }
}
