import ArgumentParser
import TallyCore
import TallyJournal
import TallyStore

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a journal from a store's current state, so that a reconcile right after it is clean.",
        discussion: """
        Derives events from the store (canonical SQLite or a CSV folder): every order with its \
        lines, fulfillments and refunds at their own timestamps (cancellations at the baseline \
        time), then prices, discounts and stock (reason: baseline) at the baseline time, after \
        every order event, so stock is exactly the store's. Event ids are derived from the store's \
        keys (baseline-order-1001, ...). The journal is created when missing and must be empty. \
        Exit status: 0, 1 when some rows were rejected (they are in the quarantine), 2 bad usage \
        or an unreadable store.
        """)

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The store: an SQLite file in the canonical schema, or a folder of CSV files.", valueName: "S"))
    var store: String

    @Option(help: ArgumentHelp("The baseline time (RFC 3339; default now, and never before the store's newest timestamp).", valueName: "T"))
    var at: String?

    @Flag(help: "Show what would be appended, append nothing.")
    var dryRun = false

    func validate() throws {
        try validateTimestamp(at, "--at")
    }

    func run() throws {
        let snapshot = try guarded { try StoreReader.read(store) }
        let requested = at.flatMap(Timestamp.parse) ?? SystemClock().now()
        let (baselineAt, derived) = StoreBaseline.events(from: snapshot, at: requested)
        var byType: [String: Int] = [:]
        for d in derived { if let type = d.type { byType[type.rawValue, default: 0] += 1 } }
        let counts = byType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        if dryRun {
            print("dry run: the baseline at \(baselineAt.rfc3339) would append \(derived.count) events (\(counts)); nothing was appended")
            return
        }
        let path = journalOption.pathToCreate()
        let journal = try guarded { try Journal.create(at: path, clock: JournalOption.clock) }
        let existing = try guarded { try journal.head() }.seq
        guard existing == 0 else {
            throw CLIFailure.usage("tally: \(path) already has \(existing) events: a baseline starts a new journal (use `tally ingest` to add to one)")
        }
        var summary = AppendSummary()
        var progress = Output.Progress(total: derived.count, items: true)
        try AppendRunner(journal: journal).run(derived: derived, into: &summary) { progress.show($0, "baseline") }
        progress.finish()
        try journal.finishAppending()
        for rejection in summary.errors { Output.error(rejection.message) }
        print("baseline of \(store) at \(baselineAt.rfc3339) into \(path): appended \(summary.appended) (\(counts)), duplicates \(summary.duplicates), rejected \(summary.rejected)")
        if summary.rejected > 0 { throw CLIFailure.findings() }
    }
}
