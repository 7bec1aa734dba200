import ArgumentParser
import TallyCore
import TallyJournal
import TallyReports
import TallyStore
#if canImport(Glibc)
import Glibc
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a realistic incident into a folder (journal, restored store, events) and reconcile it.",
        discussion: """
        Three days of trading, a nightly snapshot, an afternoon lost to a bad deploy, a restore from \
        the snapshot, and two hours of trading on the stale store. Writes DIR/events.ndjson, \
        DIR/tally.journal, DIR/store.db and DIR/report.html, then prints the reconcile report.
        """)

    @Option(help: ArgumentHelp("The folder to write the scenario into.", valueName: "DIR"))
    var dir: String = "tally-demo"

    @Option(help: "Output format of the printed report: text, json, markdown or html.")
    var format: ReportFormat = .text

    func run() throws {
        mkdir(dir, 0o755)
        var info = stat()
        guard stat(dir, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIFailure.usage("tally: cannot create the folder \(dir)")
        }
        // The store's side: replay what the restored store saw (before the snapshot, then after the restore).
        var scenario = DemoScenario.build()
        let beforeSnapshot = scenario.count
        scenario.lostWindow()
        let lostEnd = scenario.count
        scenario.afterRestore()
        let storeLines = Array(scenario.lines[0..<beforeSnapshot]) + Array(scenario.lines[lostEnd...])
        let storeEvents = storeLines.enumerated().map { (i, line) -> JournaledEvent in
            guard case .success(let event) = EventDecoder.decode(line) else { preconditionFailure("demo event invalid: \(line)") }
            return JournaledEvent(seq: Seq(Int64(i + 1)), recordedAt: event.occurredAt, event: event)
        }
        var storeTruth = Truth()
        for event in storeEvents.sorted(by: { EventTime($0.event.occurredAt, $0.seq) < EventTime($1.event.occurredAt, $1.seq) }) {
            storeTruth.apply(event)
        }
        var store = StoreSnapshot(truth: storeTruth)
        // A product created in the store's admin and never captured.
        store.products[SKU("GIFT-CARD-25")] = .init(price: 2500, currency: "USD", compareAt: nil)
        let storePath = dir + "/store.db"
        do throws(StoreError) { try StoreWriter.write(store, to: storePath) } catch { throw CLIFailure.usage("tally: " + error.description) }

        let eventsPath = dir + "/events.ndjson"
        try Output.write(scenario.lines.joined(separator: "\n"), to: eventsPath)
        let journalPath = dir + "/tally.journal"
        for suffix in ["", "-wal", "-shm"] { unlink(journalPath + suffix) }
        let journal = try guarded { try Journal.create(at: journalPath, clock: FixedClock(Timestamp.parse("2026-11-19T18:00:00Z")!)) }
        var summary = AppendSummary()
        try guarded { try AppendRunner(journal: journal).run(path: eventsPath, into: &summary) }
        try journal.finishAppending()

        let report = try ReconcileRun(journal: journal, storePath: storePath, snapshot: nil, restoredAt: nil, asOf: nil).report()
        try Output.write(ReconcileHTMLReport.render(report), to: dir + "/report.html")
        switch format {
        case .text:
            print("""
            Tally demo: a store restored from \(DemoScenario.snapshotID) after losing the afternoon of 2026-11-19.
            Wrote \(eventsPath) (\(summary.appended) events), \(journalPath), \(storePath) and \(dir)/report.html.
            Reproduce: tally reconcile --journal \(journalPath) --store \(storePath)

            """)
            print(ReconcileTextReport.render(report, colour: Output.stdoutIsTerminal), terminator: "")
        case .json: print(ReconcileJSON.render(report), terminator: "")
        case .markdown: print(ReconcileMarkdownReport.render(report), terminator: "")
        case .html: print(ReconcileHTMLReport.render(report), terminator: "")
        }
    }
}
