import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyJournal

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that the journal is intact: seqs gapless, nothing changed or removed since it was appended.",
        discussion: "Exit status: 0 intact, 1 broken (naming the first bad seq), 2 unreadable.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: ArgumentHelp("Check an archive file (and, with --journal, against the journal).", valueName: "FILE"))
    var archive: [String] = []

    @Option(help: ArgumentHelp("Check every archive in a folder, and that they form one chain (with --journal, up to the journal).", valueName: "DIR"))
    var archives: String?

    func run() throws {
        if !archive.isEmpty || archives != nil {
            var files = archive
            if let archives {
                files += try guarded { try ArchiveEntry.load(folder: archives) }.map(\.path)
                if files.isEmpty { throw CLIFailure.usage("tally: \(archives) holds no tally-archive-*.sqlite") }
            }
            let journal = journalOption.journal == nil ? nil : try journalOption.open(readOnly: true)
            try ArchiveCheck.run(archives: files, journal: journal, format: format)
            return
        }
        let journal = try journalOption.open(readOnly: true)
        let report = try Output.withProgressLine("verifying the hash chain") { show in try guarded { try journal.verify { show(Int($0), Int($1)) } } }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("report", .string("verify")), ("intact", .bool(report.isIntact)), ("events", .int(report.events)),
                ("last_seq", .int(report.lastSeq)), ("first_bad_seq", report.firstBadSeq.map { .int($0) } ?? .null),
                ("problem", .text(report.problem)),
                ("head_hash", .text(report.headHash)),
                ("last_anchor", report.lastAnchor.map { .obj([("seq", .int($0.seq)), ("hash", .string($0.hash))]) } ?? .null),
                ("pruned", report.pruned.map { p in .obj([
                    ("through_seq", .int(p.throughSeq)), ("hash", .string(p.hash)), ("events", .int(p.events)),
                    ("pruned_at", .string(p.prunedAt.rfc3339)), ("archives", .array(p.archives.map(JSONValue.string))),
                ]) } ?? .null),
            ])))
        case .text:
            if report.isIntact {
                let first = (report.pruned?.throughSeq ?? 0) + 1
                print("journal intact: \(report.events) events, seq \(first)–\(report.lastSeq), hash chain verified")
                if let p = report.pruned {
                    print("pruned:      seq 1–\(p.throughSeq) (\(p.events) events, \(p.prunedAt.rfc3339)); the chain verifies from the anchor \(p.hash)")
                    if !p.archives.isEmpty { print("             archived in \(p.archives.joined(separator: ", ")) (check them with --archives DIR --journal J)") }
                }
                if let head = report.headHash { print("head:        seq \(report.lastSeq) \(head)") }
                if let anchor = report.lastAnchor { print("last anchor: seq \(anchor.seq) \(anchor.hash)") }
                if report.headHash != nil { print("(keep these hashes elsewhere: a journal rewritten later will not match them)") }
            } else {
                print("journal BROKEN at seq \(report.firstBadSeq.map(String.init) ?? "?"): \(report.problem ?? "")")
                print("(\(report.events) events before it verified)")
            }
        }
        if !report.isIntact { throw CLIFailure.findings() }
    }
}
