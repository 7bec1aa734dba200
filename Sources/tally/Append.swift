import ArgumentParser
import TallyCore
import TallyJournal
#if canImport(Glibc)
import Glibc
#endif

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append NDJSON events to the journal (- reads standard input).",
        discussion: """
        Valid events are appended in batched, durable transactions; duplicates (same id, same \
        content) are counted and skipped; invalid lines and conflicts (same id, other content) \
        are kept in the quarantine with the reason. Exit status: 0 if none rejected, 1 if some \
        were, 2 if an input could not be read.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: ArgumentHelp("Events per transaction (1 to \(AppendRunner.batchSizeMax)).", valueName: "N"))
    var batchSize: Int = AppendRunner.batchSizeDefault

    @Flag(name: .customLong("no-checkpoint"), help: ArgumentHelp(
        "Do not write the checkpoint that is due every [checkpoints] every events.",
        discussion: "Writing it replays the journal, so its memory follows the store's state (about 1.3 KB an order), not the input. An append writes it only when that replay is estimated to fit in [checkpoints] append_memory_mb (default 100 MiB); otherwise it says so and leaves it to tally checkpoint (or tally snapshot)."))
    var noCheckpoint = false

    @Argument(help: ArgumentHelp("NDJSON files to append; - for standard input.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one FILE (or - for standard input)") }
        guard (1...AppendRunner.batchSizeMax).contains(batchSize) else {
            throw ValidationError("--batch-size must be between 1 and \(AppendRunner.batchSizeMax)")
        }
    }

    func run() throws {
        // Read first: a configuration error appends nothing.
        let config = try configOption.load()
        let journal = try journalOption.open(readOnly: false)
        let runner = AppendRunner(journal: journal, batchSize: batchSize)
        var summary = AppendSummary()
        var unreadable: [String] = []
        for file in files {
            var total: Int?
            if file != "-" {
                var info = stat()
                if stat(file, &info) == 0 { total = Int(info.st_size) }
            }
            var progress = Output.Progress(total: total)
            do {
                try Timings.measure("append \(file)") { try runner.run(path: file, into: &summary) { progress.show($0, "appending \(file)") } }
            } catch let error as JournalError {
                if case .unreadableInput = error { unreadable.append("tally: " + error.description) } else { throw CLIFailure.from(error) }
            }
            progress.finish()
        }
        // Seconds per million events appended (3.6M: 13.5 s): say what is going on.
        try Timings.measure("bring the derived tables up to date") { () throws in
            if summary.appended >= 100_000 {
                try Output.withStep("tally: bringing the lookup tables up to date ...") { try journal.finishAppending() }
            } else {
                try journal.finishAppending()
            }
        }
        do {
            let every = config.checkpointEvery
            let due = noCheckpoint ? nil : try guarded { try journal.dueCheckpoint(every: every) }
            let budget = config.checkpointAppendMemoryMiB << 20
            if let due, let bytes = due.estimatedBytes, bytes > budget {
                // An append streams in bounded memory; the replay would not: leave it to a command that may use it.
                Output.error("tally: note: the checkpoint due every \(every) events (\(due.since) since the last) is not written: its replay would hold about \((bytes + (1 << 19)) >> 20) MiB (orders \(due.orders), fulfillments \(due.fulfillments), refunds \(due.refunds)), more than [checkpoints] append_memory_mb = \(config.checkpointAppendMemoryMiB) lets an append use; `tally checkpoint` writes it (so does `tally snapshot`)")
            } else if let due, let checkpoint = try Output.withProgressLine("replaying the journal for the checkpoint", { show in
                // The replay takes a while and memory that follows the state: say so on a terminal.
                Output.progress("tally: writing the checkpoint due every \(every) events (\(due.since) since the last): replaying the journal; --no-checkpoint skips this")
                return try journal.writeCheckpoint(try journal.replay(progress: show))
            }) {
                Output.error("tally: checkpoint written at seq \(checkpoint.headSeq) (\(checkpoint.bytes) bytes): replays start there")
            }
        } catch JournalError.needsArchives(_, let detail) {
            // The events are appended; only the checkpoint waits for the archives.
            Output.error("tally: note: no checkpoint written: \(detail)")
        }
        switch format {
        case .json:
            let errors: [JSONValue] = summary.errors.map { rejection in
                .obj([("line", .int(rejection.line)), ("id", .text(rejection.eventID)), ("message", .string(rejection.message))])
            }
            print(JSONWriter.encode(.obj([
                ("appended", .int(summary.appended)), ("duplicates", .int(summary.duplicates)),
                ("rejected", .int(summary.rejected)), ("errors", .array(errors)),
            ]), pretty: false))
        case .text:
            for rejection in summary.errors { Output.error(rejection.message) }
            if summary.rejected > summary.errors.count {
                Output.error("… and \(summary.rejected - summary.errors.count) more; `tally quarantine` lists them all")
            }
            print("appended \(summary.appended), duplicates \(summary.duplicates), rejected \(summary.rejected)")
        }
        for message in unreadable { Output.error(message) }
        if !unreadable.isEmpty { throw CLIFailure(code: 2, message: "") }
        if summary.rejected > 0 { throw CLIFailure.findings() }
    }
}
