import ArgumentParser
import CMalloc
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import TallyCore
import TallyJournal
import TallyReports
import TallyStore

/// Report formats of reconcile.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, html
}

/// `--fail-on`: the lowest severity that makes the command exit 1.
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case critical, high, warning, none
    var severity: Severity? { Severity(rawValue: rawValue) }
}

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the journal and diff it against a store: every finding of contract §6, as text, JSON, Markdown or HTML.",
        discussion: """
        Exit status: 0 when no finding is at or above --fail-on (default high), 1 when one is, \
        2 for bad usage or unreadable input. Phases come from --snapshot and the journal's restore \
        marker (or --restored-at); by default the latest restore.performed names the snapshot.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    @OptionGroup var target: StoreTarget

    @Option(help: ArgumentHelp("Truth as of this time (RFC 3339): only events that occurred at or before it.", valueName: "T"))
    var asOf: String?

    @OptionGroup var rendering: FindingsReportOptions

    func validate() throws {
        try validateTimestamp(asOf, "--as-of")
    }

    func run() throws {
        let journal = try journalOption.open(readOnly: true)
        try archivesOption.attach(to: journal, note: false)
        // Truth and the store's facts are freed on another thread while the report renders:
        // freed here, a million orders' arrays one by one took about half a second at 10M
        // events before rendering began; kept until the exit, they stayed in memory under the
        // rendered report (peak 981 MiB against 894 MiB).
        var outcome = try ReconcileRun(journal: journal, storePath: target.store, snapshot: target.snapshot,
                                       restoredAt: target.restoredAt, asOf: asOf).run()
        let report = outcome.report
        outcome.release()
        if rendering.format == .json && rendering.output == nil {
            // The largest output: written as byte pieces, never one String nor one array.
            let pieces = Timings.measure("render") { ReconcileJSON.renderPieces(report) }
            for piece in pieces { try Output.write(bytes: piece, to: nil) }
        } else {
            let rendered: String = Timings.measure("render") {
                switch rendering.format {
                case .json: ReconcileJSON.render(report)
                case .text: ReconcileTextReport.render(report, colour: rendering.output == nil && Output.stdoutIsTerminal)
                case .markdown: ReconcileMarkdownReport.render(report)
                case .html: ReconcileHTMLReport.render(report)
                }
            }
            try Timings.measure("write") { () throws(CLIFailure) in try Output.write(rendered, to: rendering.output) }
        }
        // Exit here, without freeing the findings one by one (exit flushes stdout).
        Glibc.exit(report.fails(at: rendering.failOn.severity) ? 1 : 0)
    }
}

/// `--format`, `--output` and `--fail-on` of the commands that report findings.
struct FindingsReportOptions: ParsableArguments {
    @Option(help: "Output format: text, json, markdown or html.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "F"))
    var output: String?

    @Option(help: "Exit 1 when a finding is at or above this severity: critical, high, warning or none.")
    var failOn: FailOn = .high
}

/// The store and the restore it came from: shared by reconcile and repair.
struct StoreTarget: ParsableArguments {
    @Option(help: ArgumentHelp("The store: an SQLite file in the canonical schema, or a folder of CSV files.", valueName: "S"))
    var store: String

    @Option(help: ArgumentHelp("The snapshot the store was restored from (a snapshot_id in the journal).", valueName: "ID"))
    var snapshot: String?

    @Option(help: ArgumentHelp("When the restore happened (RFC 3339); wins over the journal's restore marker.", valueName: "T"))
    var restoredAt: String?

    func validate() throws {
        try validateTimestamp(restoredAt, "--restored-at")
    }
}

/// One reconciliation: markers, replay, store, findings. Shared by reconcile, repair and demo.
struct ReconcileRun {
    let journal: Journal
    let storePath: String
    let snapshot: String?
    let restoredAt: String?
    let asOf: String?
    /// The store when the caller has already read it (a drill checks its schema first).
    var store: StoreSnapshot? = nil

    /// A report and the truth behind it (repair plans from both).
    struct Outcome {
        let report: ReconcileReport
        private(set) var truth: Truth
        /// What the store held (released with the truth by `release()`).
        private(set) var storeFacts: StoreFacts

        /// Hands truth and the store's facts to a background thread, which frees them while
        /// this one goes on (the outcome keeps only its report).
        mutating func release() {
            let parts = Parts(truth: truth, storeFacts: storeFacts)
            truth = Truth(); storeFacts = StoreFacts()
            DispatchQueue.global().async { parts.drop() }
        }

        /// The last references to what `release()` frees.
        private final class Parts: @unchecked Sendable {
            var truth: Truth?
            var storeFacts: StoreFacts?
            init(truth: Truth, storeFacts: StoreFacts) { self.truth = truth; self.storeFacts = storeFacts }
            func drop() { truth = nil; storeFacts = nil }
        }
    }

    func report() throws(CLIFailure) -> ReconcileReport { try run().report }

    /// Reads the store on another thread while the journal replays on this one (from when
    /// replay's starting state is in memory).
    func run() throws(CLIFailure) -> Outcome {
        let markers = try Timings.measure("markers") { () throws(CLIFailure) in try guarded { try journal.allMarkers() } }
        let digest = markers.snapshots.contains { $0.storeDigest != nil }
        var pending = store.map { PendingStore(ready: $0, digest: digest) }
        let resolved: ResolvedMarkers
        do throws(MarkerError) {
            resolved = try ResolvedMarkers.resolve(
                snapshots: markers.snapshots, restores: markers.restores, snapshotArgument: snapshot,
                restoredAt: restoredAt.flatMap { text in Timestamp.parse(text).map { ($0, text) } })
        } catch {
            throw .usage("tally: --snapshot: " + error.message)
        }
        // A progress line on a terminal: 10M events take several seconds.
        let truth = try Timings.measure("replay") { () throws(CLIFailure) in
            try Output.withProgressLine("replaying the journal (the store is read meanwhile)") { (show) throws(CLIFailure) in
                try guarded {
                    try journal.replay(asOf: asOf.flatMap(Timestamp.parse), started: {
                        // The store is read alongside the events, once replay's starting state is in
                        // memory: a checkpoint's encoded state (192 MB at 10M events) and the store's
                        // facts are never held at the same time.
                        if pending == nil { pending = PendingStore(path: storePath, digest: digest) }
                    }, progress: show)
                }
            }
        }
        if Timings.enabled, let warming = journal.lastReplayWarming { Output.error("timing: replay index read-ahead: \(warming)") }
        // When replay applied every event (always without --as-of; also when the as-of time is
        // past the newest event), its count is the journal's: no second scan.
        let head = try guarded { try journal.head() }.seq
        let counts = asOf == nil || (Int64(truth.applied) == head && truth.maxSeq == head)
            ? (events: Int64(truth.applied), lastSeq: truth.maxSeq)
            : try Timings.measure("counts") { () throws(CLIFailure) in try guarded { try journal.counts() } }
        let reading = pending ?? PendingStore(path: storePath, digest: digest)
        let store = try Timings.measure("wait for store") { () throws(CLIFailure) in try reading.wait() }
        // What replay freed (its event batches, the reader thread's strings) goes back to the
        // system before the diff, whose findings make the run's peak: 28 MiB less at 10M events.
        _ = malloc_trim(0)
        let findings = Timings.measure("diff") { Reconciler.findings(truth: truth, store: store.facts, markers: resolved.phases, fork: onAnotherThread) }
        let match = store.digest.flatMap { digest in markers.snapshots.first { $0.storeDigest == digest }?.snapshotID }
        let report = ReconcileReport(
            asOfText: asOf, snapshotID: resolved.snapshot?.snapshotID, snapshotOccurredAt: resolved.snapshot?.occurredAtText,
            restoreOccurredAt: resolved.restore?.text, journalEvents: counts.events, journalLastSeq: counts.lastSeq,
            findings: findings, journalName: journal.path, storeName: storePath, storeMatchesSnapshot: match)
        return Outcome(report: report, truth: truth, storeFacts: store.facts)
    }
}

/// Work running on a background thread, and its result once it has finished: the store
/// read while the journal replays, and half of the diff (the machine has two cores).
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once before `done` is signalled, read after it is waited for.
    private var result: T?

    /// A result that is already there.
    init(ready: T) {
        result = ready
        done.signal()
    }

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async {
            self.result = work()
            self.done.signal()
        }
    }

    func wait() -> T {
        done.wait()
        return result!
    }
}

/// `Reconciler.Fork` on a background thread.
func onAnotherThread(_ work: @escaping @Sendable () -> [Finding]) -> () -> [Finding] {
    Background { Timings.measure("diff, on another thread") { work() } }.wait
}

/// A store being read on a background thread: what reconcile compares, and its digest when
/// a snapshot marker has one to match.
final class PendingStore: Sendable {
    typealias Read = (facts: StoreFacts, digest: String?)
    private let read: Background<Result<Read, StoreError>>

    /// A store already read.
    init(ready: StoreSnapshot, digest: Bool) {
        read = Background(ready: .success((StoreFacts(ready), digest ? StoreReader.digest(ready) : nil)))
    }

    init(path: String, digest: Bool) {
        read = Background {
            do throws(StoreError) { return .success(try StoreReader.readFacts(path, digest: digest)) } catch { return .failure(error) }
        }
    }

    func wait() throws(CLIFailure) -> Read {
        switch read.wait() {
        case .success(let read): return read
        case .failure(let error): throw .usage("tally: " + error.description)
        }
    }
}
