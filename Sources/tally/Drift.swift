import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyJournal
import TallyReports

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The daily drift report: the live store against the journal, the day's activity, drift ranked by money, the 30-run trend.",
        discussion: """
        Reconciles the store (an export of the live store: canonical SQLite or CSV) against truth \
        as of now minus the settling window, so events still in flight raise no false alarm; adds \
        the day's activity (events by type and by hour, orders, units sold, fulfillments, refunds, \
        rejected input), ranks the drift by the money at stake, and keeps this run's summary in \
        the journal file (outside the events) for the trend of the last 30 runs. Exit status as \
        reconcile: 0, 1 when a finding is at or above --fail-on, 2 bad usage or unreadable input.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    @Option(help: ArgumentHelp("The live store (an export in the canonical schema: SQLite file or CSV folder).", valueName: "S"))
    var store: String

    @Option(help: ArgumentHelp("The day whose activity to report (UTC; default today).", valueName: "YYYY-MM-DD"))
    var day: String?

    @Option(help: ArgumentHelp("Leave out events younger than this (e.g. 15m, 2h, 90s, 0).", valueName: "DURATION"))
    var settle: String = "15m"

    @OptionGroup var rendering: FindingsReportOptions

    @Flag(help: "Do not keep this run in the trend.")
    var noRecord = false

    func validate() throws {
        guard TallyConfig.parseDuration(settle) != nil else { throw ValidationError("--settle must be a duration such as 15m, 2h or 90s, got \(settle)") }
        if let day, Timestamp.parse(day + "T00:00:00Z") == nil { throw ValidationError("--day must be a date such as 2026-11-27, got \(day)") }
    }

    func run() throws {
        let now = JournalOption.clock.now()
        let settleSeconds = TallyConfig.parseDuration(settle)!
        let dayText = day ?? String(now.rfc3339.prefix(10))
        let dayStart = Timestamp.parse(dayText + "T00:00:00Z")!
        let dayEnd = Timestamp(microseconds: dayStart.microseconds + 86_400_000_000)
        let asOf = Timestamp(microseconds: now.microseconds - settleSeconds * 1_000_000)
        let journal = try journalOption.open(readOnly: noRecord)
        try archivesOption.attach(to: journal, note: false)
        let outcome = try ReconcileRun(journal: journal, storePath: store, snapshot: nil, restoredAt: nil, asOf: asOf.rfc3339).run()
        let activity = try guarded { try journal.activity(from: dayStart, to: dayEnd) }
        var report = DriftReport(day: dayText, settleSeconds: settleSeconds, reconcile: outcome.report, activity: activity,
                                 ranked: DriftReport.rank(outcome.report.findings, truth: outcome.truth), trend: [])
        if !noRecord {
            var summary = report.summary
            summary.runAt = now
            try guarded { try journal.recordDriftRun(summary) }
        }
        report.trend = try guarded { try journal.driftRuns(limit: 30) }
        let rendered: String
        switch rendering.format {
        case .json: rendered = JSONWriter.encode(DriftRender.json(report)) + "\n"
        case .text: rendered = DriftRender.document(report).text(colour: rendering.output == nil && Output.stdoutIsTerminal)
        case .markdown: rendered = DriftRender.document(report).markdown
        case .html: rendered = DriftRender.document(report).html
        }
        try Output.write(rendered, to: rendering.output)
        if outcome.report.fails(at: rendering.failOn.severity) { throw CLIFailure.findings() }
    }
}
