import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest
import TallyJournal

struct Archive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a sealed archive of the events recorded in a month or quarter, with a manifest.",
        discussion: """
        tally archive --period 2026-10 --to DIR writes DIR/tally-archive-2026-10.sqlite (the \
        events recorded in that period, UTC, in the journal's own row layout with their chain \
        anchors; an SQLite file any SQLite tool can query, and that Tally rechecks with the same \
        code as the journal) and DIR/tally-archive-2026-10.manifest.json (period, first and last \
        seq, event count, the chain hashes at both ends, the file's SHA-256 and size, contract \
        version). The file is synced, renamed into place and made read-only. Check it with \
        tally verify --archive FILE [--journal J], or a folder of them with --archives DIR.
        """)

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The period: a month (2026-10) or a quarter (2026-Q3), UTC, by recorded_at.", valueName: "PERIOD"))
    var period: String

    @Option(help: ArgumentHelp("The folder to write the archive and its manifest to (created when missing).", valueName: "DIR"))
    var to: String

    @Flag(help: "Archive a period that is not over yet (later events of it will not be in this archive).")
    var allowOpen = false

    func validate() throws {
        guard ArchivePeriod.parse(period) != nil else { throw ValidationError("--period must be a month such as 2026-10 or a quarter such as 2026-Q3, got \(period)") }
    }

    func run() throws {
        let period = ArchivePeriod.parse(self.period)!
        let now = SystemClock().now()
        if period.end > now && !allowOpen {
            throw CLIFailure.usage("tally: \(period.name) is not over yet (it ends \(period.end.rfc3339)); archive it after, or pass --allow-open")
        }
        // Writable only because SQLite attaches the archive file through this connection; the journal is not changed.
        let journal = try journalOption.open(readOnly: false)
        guard let range = try guarded({ try journal.seqRange(recordedFrom: period.start, to: period.end) }) else {
            throw CLIFailure.findings("tally: no event was recorded in \(period.name) (\(period.start.rfc3339) to \(period.end.rfc3339)): nothing to archive")
        }
        if mkdir(to, 0o755) != 0 && errno != EEXIST { throw CLIFailure.usage("tally: cannot create \(to): \(String(cString: strerror(errno)))") }
        let base = to + "/tally-archive-\(period.name)"
        for path in [base + ".sqlite", base + ".manifest.json"] where access(path, F_OK) == 0 {
            throw CLIFailure.usage("tally: \(path) already exists: an archive is written once (remove it to write it again)")
        }
        let manifest = try Output.withStep("archiving seq \(range.lowerBound)–\(range.upperBound) (\(range.count) events) to \(base).sqlite…") {
            try guarded { try journal.writeArchive(period: period, range: range, to: base + ".sqlite", createdAt: now) }
        }
        try Output.write(JSONWriter.encode(manifest.json) + "\n", to: base + ".manifest.json")
        print("""
            archived \(manifest.events) events recorded in \(period.name) (seq \(manifest.firstSeq)–\(manifest.lastSeq)) to \(base).sqlite
            chain: previous \(manifest.previousHash.isEmpty ? "(none: seq 1)" : manifest.previousHash), last \(manifest.lastHash)
            sha256 \(manifest.fileSHA256), \(manifest.fileBytes) bytes; manifest \(base).manifest.json
            """)
    }
}

/// Checks archives for `tally verify --archive` / `--archives`.
enum ArchiveCheck {
    /// Verifies archives (in seq order), their links to each other and, given a journal, to it
    /// (its rows, or the anchor of its pruned prefix).
    static func run(archives: [String], journal: Journal?, format: TextOrJSON) throws {
        var results: [(String, ArchiveManifest, [String])] = []
        for archive in archives {
            let manifest = try guarded { try ArchiveEntry.loadManifest(ArchiveEntry.manifestPath(archive)) }
            results.append((archive, manifest, Journal.verifyArchive(path: archive, manifest: manifest)))
        }
        results.sort { $0.1.firstSeq < $1.1.firstSeq }
        var links: [String] = []
        for (a, b) in zip(results, results.dropFirst()) {
            if a.1.lastSeq + 1 != b.1.firstSeq {
                links.append("\(b.0) starts at seq \(b.1.firstSeq), but \(a.0) ends at seq \(a.1.lastSeq): seq \(a.1.lastSeq + 1)–\(b.1.firstSeq - 1) are in no archive")
            } else if a.1.lastHash != b.1.previousHash {
                links.append("\(b.0) does not continue the chain of \(a.0) (previous hash \(b.1.previousHash), last hash \(a.1.lastHash))")
            }
        }
        if let journal {
            for (name, m, _) in results {
                let hashes = try guarded { try journal.chainHashes([m.firstSeq - 1, m.lastSeq].filter { $0 >= 1 }) }
                for (seq, hash) in hashes.sorted(by: { $0.key < $1.key }) where SHA256Hasher.hex(hash) != (seq == m.lastSeq ? m.lastHash : m.previousHash) {
                    links.append("\(name): the journal's chain at seq \(seq) is not the archive's: one of them was rewritten")
                }
            }
            if let anchor = try guarded({ try journal.pruneAnchor() }) {
                let entries = results.map { ArchiveEntry(path: $0.0, manifest: $0.1) }
                if case .failure(let problem) = try guarded({ try journal.archivesCovering(1...anchor.throughSeq, in: entries) }) {
                    links.append("the journal was pruned through seq \(anchor.throughSeq), but \(problem.message)")
                }
            }
        }
        let ok = results.allSatisfy { $0.2.isEmpty } && links.isEmpty
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("report", .string("verify_archives")), ("intact", .bool(ok)),
                ("archives", .array(results.map { r in .obj([
                    ("file", .string(r.0)), ("period", .string(r.1.period)), ("first_seq", .int(r.1.firstSeq)), ("last_seq", .int(r.1.lastSeq)),
                    ("events", .int(r.1.events)), ("intact", .bool(r.2.isEmpty)), ("problems", .array(r.2.map(JSONValue.string))),
                ]) })),
                ("links", .array(links.map(JSONValue.string))),
                ("journal", .bool(journal != nil)),
            ])))
        case .text:
            for (name, m, problems) in results {
                if problems.isEmpty {
                    print("archive \(name): intact, \(m.events) events, seq \(m.firstSeq)–\(m.lastSeq) (\(m.period))")
                } else {
                    print("archive \(name): BROKEN")
                    for p in problems { print("  - \(p)") }
                }
            }
            for l in links { print("chain: \(l)") }
            if ok && (results.count > 1 || journal != nil) { print("the archives\(journal != nil ? " and the journal" : "") form one chain") }
        }
        if !ok { throw CLIFailure.findings() }
    }
}
