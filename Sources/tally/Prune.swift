import ArgumentParser
import TallyCore
import TallyDigest
import TallyJournal

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove old events from the live journal once verified archives hold them.",
        discussion: """
        tally prune --before 2025-10-01 --archives DIR removes the events recorded before that \
        day (UTC) from the journal, but only when the archives in DIR hold every one of them: the \
        archives must form one chain that is the journal's own, and each is rehashed in full first. \
        Otherwise nothing is removed and the message says what is missing. The chain hash of the \
        last removed seq stays in the journal as an anchor (tally verify checks the rest of the \
        chain from it; tally verify --archives DIR --journal J checks the archives up to it), and \
        truth at the cut is pinned as a checkpoint so reconcile and drift still start there. The \
        newest event always stays live.

        Policy: [retention] keep = "400d" in the config keeps that much live: prune refuses a \
        --before later than now minus keep, and without --before prunes up to it. [retention] \
        archives = "DIR" is the default for --archives. Exit status: 0 pruned (or nothing to \
        prune), 1 refused (policy, missing or broken archives), 2 bad usage.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: ArgumentHelp("Remove the events recorded before this day or instant (YYYY-MM-DD or RFC 3339; default: now minus [retention] keep).", valueName: "DATE"))
    var before: String?

    @Option(help: ArgumentHelp("The folder of archives that must hold the events removed (default: [retention] archives).", valueName: "DIR"))
    var archives: String?

    @Flag(help: "Check everything and say what would be removed, but remove nothing.")
    var dryRun = false

    @Flag(help: "Then give the freed pages back to the file system (VACUUM: rewrites the journal; needs its size free on disk).")
    var vacuum = false

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func validate() throws {
        if let before, Prune.instant(before) == nil {
            throw ValidationError("--before must be a day (2025-10-01) or an RFC 3339 instant, got \(before)")
        }
    }

    static func instant(_ text: String) -> Timestamp? {
        Timestamp.parse(text) ?? (text.count == 10 ? Timestamp.parse(text + "T00:00:00Z") : nil)
    }

    func run() throws {
        let config = try configOption.load()
        let now = JournalOption.clock.now()
        let policyCut = config.retentionKeepSeconds.map { Timestamp(microseconds: now.microseconds - $0 * 1_000_000) }
        guard let cutTime = before.flatMap(Prune.instant) ?? policyCut else {
            throw CLIFailure.usage("tally: give --before DATE, or a retention policy ([retention] keep = \"400d\") in the config")
        }
        if let policyCut, cutTime > policyCut {
            let days = (config.retentionKeepSeconds ?? 0) / 86_400
            throw CLIFailure.findings("tally: refused: the retention policy keeps \(days) days live ([retention] keep), so nothing recorded since \(policyCut.rfc3339) may be pruned; --before \(before ?? "") is later")
        }
        guard let folder = archives ?? config.retentionArchives else {
            throw CLIFailure.usage("tally: give --archives DIR (the archives that hold what is removed), or [retention] archives in the config")
        }
        let journal = try journalOption.open(readOnly: dryRun)
        guard let cut = try guarded({ try journal.pruneCut(before: cutTime) }) else {
            let anchor = try guarded { try journal.pruneAnchor() }
            emit(nothing: "nothing to prune: no live event was recorded before \(cutTime.rfc3339)"
                 + (anchor.map { " (seq 1–\($0.throughSeq) were pruned before)" } ?? ""))
            return
        }
        let available = try guarded { try ArchiveEntry.load(folder: folder) }
        let used: [ArchiveEntry]
        switch try guarded({ try journal.archivesCovering(cut, in: available) }) {
        case .success(let entries): used = entries
        case .failure(let problem):
            throw CLIFailure.findings("tally: refused: seq \(cut.lowerBound)–\(cut.upperBound) (\(cut.count) events recorded before \(cutTime.rfc3339)) are not all in a verified archive: \(problem.message)")
        }
        for entry in used {
            Output.progress("verifying \(entry.path) (\(entry.manifest.events) events)…")
            let problems = Journal.verifyArchive(path: entry.path, manifest: entry.manifest)
            if let first = problems.first {
                throw CLIFailure.findings("tally: refused: \(entry.path) does not verify: \(first)")
            }
        }
        if dryRun {
            emit(nothing: "would prune seq \(cut.lowerBound)–\(cut.upperBound) (\(cut.count) events recorded before \(cutTime.rfc3339)), held by \(used.map(\.path).joined(separator: ", ")) (verified)")
            return
        }
        // Truth at the cut starts from the checkpoint pinned by an earlier prune, or, when a
        // late event made that one unusable, from the archives.
        if try guarded({ try journal.pruneAnchor() }) != nil {
            _ = try? journal.attachArchives(available, replayOnly: true)
        }
        Output.progress("replaying to seq \(cut.upperBound) and removing \(cut.count) events…")
        let result = try guarded { try journal.prune(cut, archives: used) }
        if vacuum {
            Output.progress("vacuuming \(journal.path)…")
            try guarded { try journal.vacuum() }
        }
        let anchor = try guarded { try journal.pruneAnchor() }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("report", .string("prune")), ("pruned", .bool(true)), ("from_seq", .int(result.fromSeq)), ("through_seq", .int(result.throughSeq)),
                ("events", .int(result.events)), ("before", .string(cutTime.rfc3339)),
                ("archives", .array(result.archives.map(JSONValue.string))), ("anchor_hash", .text(anchor?.hash)),
                ("checkpoint_seq", result.checkpoint.map { .int($0.headSeq) } ?? .null), ("vacuumed", .bool(vacuum)),
            ])))
        case .text:
            print("""
                pruned seq \(result.fromSeq)–\(result.throughSeq): \(result.events) events recorded before \(cutTime.rfc3339)
                held by: \(result.archives.joined(separator: ", ")) (verified)
                chain anchor: seq \(result.throughSeq) \(anchor?.hash ?? "")
                \(result.checkpoint.map { "truth at the cut pinned as checkpoint \($0.id) (\($0.bytes) bytes)" } ?? "no checkpoint (no event at the cut)")
                \(vacuum ? "the file was vacuumed" : "the freed pages are reused by later appends (--vacuum gives them back)")
                """)
        }
    }

    private func emit(nothing message: String) {
        switch format {
        case .json: print(JSONWriter.encode(.obj([("report", .string("prune")), ("pruned", .bool(false)), ("message", .string(message))])))
        case .text: print(message)
        }
    }
}

/// `--archives DIR` for commands that read history: a pruned journal reads its archives too.
struct ArchivesOption: ParsableArguments {
    @Option(help: ArgumentHelp("The archives of a pruned journal, read alongside it (the events pruned from it).", valueName: "DIR"))
    var archives: String?

    /// Attaches the archives, or, for a pruned journal read without them, says on standard
    /// error what the answer leaves out.
    func attach(to journal: Journal, note: Bool) throws(CLIFailure) {
        if let archives {
            let available = try guarded { try ArchiveEntry.load(folder: archives) }
            _ = try guarded { try journal.attachArchives(available) }
        } else if note, let anchor = try guarded({ try journal.pruneAnchor() }) {
            Output.error("tally: note: seq 1–\(anchor.throughSeq) were pruned from this journal (\(anchor.events) events); pass --archives DIR to read them too")
        }
    }
}
