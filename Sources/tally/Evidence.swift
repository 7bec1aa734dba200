import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest
import TallyFiles
import TallyJournal
import TallyReports

struct Evidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a dispute-ready evidence pack for an order, or check one.",
        discussion: """
        tally evidence --order ID --output DIR writes DIR/report.html and DIR/report.md (laid out \
        along the evidence fields payment processors ask for), DIR/lookup.json (contract §8), \
        DIR/events.ndjson (the journal's events as recorded) and DIR/manifest.json (the SHA-256 of \
        every file and each event's hash-chain entry). The pack is refused when the journal's \
        tamper check fails for the order's events.

        tally evidence --verify DIR checks the files' hashes, recomputes each event's chain hash \
        from its content, and checks the entries and anchors against the journal; with --offline \
        it checks the pack against itself only. Exit status: 0 verified, 1 not verified or \
        unknown order, 2 bad usage or unreadable input.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    @Option(help: ArgumentHelp("The order to write a pack for.", valueName: "ID"))
    var order: String?

    @Option(help: ArgumentHelp("With --order: the folder to write the pack to (created; must be empty if it exists).", valueName: "DIR"))
    var output: String?

    @Option(help: ArgumentHelp("Check the pack in this folder.", valueName: "DIR"))
    var verify: String?

    @Flag(help: "With --verify: check the pack against itself only, without the journal.")
    var offline = false

    func validate() throws {
        switch (order, verify) {
        case (.some, nil):
            guard output != nil else { throw ValidationError("--order needs --output DIR") }
            if offline { throw ValidationError("--offline goes with --verify") }
        case (nil, .some):
            if output != nil { throw ValidationError("--output goes with --order") }
        default:
            throw ValidationError("give either --order ID --output DIR, or --verify DIR")
        }
    }

    func run() throws {
        if let order, let output {
            let journal = try journalOption.open(readOnly: true)
            try archivesOption.attach(to: journal, note: true)
            try EvidencePack.write(journal: journal, order: OrderID(order), to: output)
        } else if let verify {
            let journal = offline ? nil : try journalOption.open(readOnly: true)
            if let journal { try archivesOption.attach(to: journal, note: false) }
            try EvidencePack.verify(verify, journal: journal)
        }
    }
}

/// The evidence pack's files and checks.
enum EvidencePack {
    static let formatName = "tally-evidence"
    static let files = ["report.html", "report.md", "lookup.json", "events.ndjson"]

    static func write(journal: Journal, order: OrderID, to dir: String) throws {
        let history = try Lookup.history(journal, order)
        guard history.integrity.verified else {
            throw CLIFailure.findings("tally: no pack written: the journal's tamper check failed at seq \(history.integrity.firstBadSeq ?? 0): \(history.integrity.problem ?? "")")
        }
        try prepare(dir)
        let shown = history.timeline.map(\.seq.rawValue) + history.pricesAtOrder.compactMap { $0.listSeq?.rawValue }
            + history.discountsAtOrder.compactMap { $0.seq?.rawValue }
        let events = try guarded { try journal.events(seqs: shown) }
        let chain = try guarded { try journal.chainEntries(shown) }
        let (headSeq, headHash) = try guarded { try journal.head() }
        let createdAt = Timestamp(microseconds: SystemClock().now().microseconds).rfc3339
        let journalName = String(journal.path.split(separator: "/").last ?? Substring(journal.path))

        let document = EvidenceReport.document(history, journalName: journalName, createdAt: createdAt)
        let contents: [String: String] = [
            "report.html": document.html,
            "report.md": document.markdown,
            "lookup.json": JSONWriter.encode(LookupJSON.order(history)) + "\n",
            "events.ndjson": events.map { $0.event.canonicalLine + "\n" }.joined(),
        ]
        var fileEntries: [JSONValue] = []
        for name in files {
            let text = contents[name]!
            try Output.write(text, to: dir + "/" + name)
            fileEntries.append(.obj([("name", .string(name)), ("bytes", .int(text.utf8.count)), ("sha256", .string(SHA256Hasher.hex(SHA256Hasher().digest(Array(text.utf8)))))]))
        }
        let entries = Dictionary(chain.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        let eventEntries: [JSONValue] = events.enumerated().map { i, e in
            let c = entries[e.seq.rawValue]
            return .obj([
                ("line", .int(i + 1)), ("seq", .int(e.seq.rawValue)), ("event_id", .string(e.event.id.rawValue)),
                ("type", .string(e.event.type.rawValue)), ("recorded_us", .int(c?.recordedUs ?? 0)), ("recorded_at", .string(e.recordedAt.rfc3339)),
                ("previous_hash", .string(SHA256Hasher.hex(c?.previous ?? []))), ("hash", .string(SHA256Hasher.hex(c?.hash ?? []))),
            ])
        }
        let manifest = JSONValue.obj([
            ("pack", .string(formatName)), ("version", .int(1)), ("contract", .int(1)),
            ("order_id", .string(order.rawValue)), ("created_at", .string(createdAt)),
            ("journal", .obj([("name", .string(journalName)), ("last_seq", .int(headSeq)), ("head_hash", .string(SHA256Hasher.hex(headHash)))])),
            ("files", .array(fileEntries)),
            ("events", .array(eventEntries)),
            ("anchors", .array(history.integrity.spans.map { .obj([("seq", .int($0.through)), ("hash", .string($0.hash)), ("end", .string($0.end.rawValue))]) })),
            ("integrity", LookupJSON.integrity(history.integrity)),
        ])
        let manifestText = JSONWriter.encode(manifest) + "\n"
        try Output.write(manifestText, to: dir + "/manifest.json")
        print("""
            wrote the evidence pack for order \(order.rawValue) to \(dir): \(files.joined(separator: ", ")), manifest.json
            \(events.count) journal events, \(history.integrity.summary)
            manifest.json SHA-256 \(SHA256Hasher.hex(SHA256Hasher().digest(Array(manifestText.utf8)))) (keep it elsewhere to prove the pack unchanged)
            """)
    }

    /// Creates `dir`, or accepts it when it exists and is empty.
    static func prepare(_ dir: String) throws(CLIFailure) {
        if mkdir(dir, 0o755) == 0 { return }
        guard errno == EEXIST, let names = Files.names(in: dir) else {
            throw .usage("tally: cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        if !names.isEmpty {
            throw .usage("tally: \(dir) is not empty: give a new folder for the pack (nothing was written)")
        }
    }

    static func readFile(_ path: String) throws(CLIFailure) -> [UInt8] {
        do throws(FileError) { return try Files.readAll(path) } catch { throw .usage("tally: cannot read \(path): \(error.detail)") }
    }

    /// Checks a pack: its files, each event against its chain entry, and (with a journal) the journal.
    static func verify(_ dir: String, journal: Journal?) throws {
        let manifestBytes = try readFile(dir + "/manifest.json")
        guard case .object(let manifest)? = try? JSONParser.parse(manifestBytes), manifest["pack"] == .string(formatName) else {
            throw CLIFailure.usage("tally: \(dir)/manifest.json is not a Tally evidence pack manifest")
        }
        var problems: [String] = []
        var checks = 0
        // 1. The files are the ones the manifest lists.
        guard case .array(let files)? = manifest["files"] else { throw CLIFailure.usage("tally: \(dir)/manifest.json has no files list") }
        for case .object(let f) in files {
            guard case .string(let name)? = f["name"], case .string(let sha)? = f["sha256"] else { continue }
            guard let bytes = try? readFile(dir + "/" + name) else { problems.append("\(name) is missing"); continue }
            checks += 1
            if SHA256Hasher.hex(SHA256Hasher().digest(bytes)) != sha { problems.append("\(name) was changed: its SHA-256 is not the manifest's") }
        }
        // 2. Every event hashes to its chain entry.
        let lines = try readFile(dir + "/events.ndjson").split(separator: UInt8(ascii: "\n"))
        guard case .array(let entries)? = manifest["events"] else { throw CLIFailure.usage("tally: \(dir)/manifest.json has no events list") }
        var hashes: [Int64: (hash: String, previous: String)] = [:]
        for case .object(let entry) in entries {
            guard case .number(let lineNumber)? = entry["line"], let line = lineNumber.int64, case .number(let seqNumber)? = entry["seq"], let seq = seqNumber.int64,
                  case .number(let recorded)? = entry["recorded_us"], let recordedUs = recorded.int64,
                  case .string(let hash)? = entry["hash"], case .string(let previous)? = entry["previous_hash"] else {
                problems.append("manifest.json has an event entry without line, seq, recorded_us, hash or previous_hash"); continue
            }
            hashes[seq] = (hash, previous)
            guard line >= 1, Int(line) <= lines.count else { problems.append("events.ndjson has no line \(line) (seq \(seq))"); continue }
            guard case .success(let event) = Array(lines[Int(line) - 1]).withUnsafeBufferPointer({ EventDecoder.decode($0, input: "events.ndjson", line: Int(line)) }) else {
                problems.append("events.ndjson:\(line) (seq \(seq)) is not a valid event"); continue
            }
            checks += 1
            let computed = SHA256Hasher.hex(Journal.chainHash(of: event, seq: seq, recordedUs: recordedUs, previous: SHA256Hasher.bytes(hex: previous) ?? []))
            if computed != hash { problems.append("events.ndjson:\(line) (seq \(seq)) does not hash to its chain entry: the event or the manifest was changed") }
        }
        for (seq, h) in hashes { if let before = hashes[seq - 1], before.hash != h.previous { problems.append("the chain entries of seq \(seq - 1) and \(seq) do not link") } }
        // 3. The journal still holds the same chain, and its anchors still vouch for it.
        if let journal {
            let current = try guarded { try journal.chainEntries(Array(hashes.keys)) }
            for c in current {
                checks += 1
                let h = hashes[c.seq]!
                if SHA256Hasher.hex(c.hash) != h.hash || SHA256Hasher.hex(c.previous) != h.previous {
                    problems.append("seq \(c.seq) in the journal is not the pack's: the journal or the pack was changed")
                }
            }
            for seq in hashes.keys where !current.contains(where: { $0.seq == seq }) { problems.append("seq \(seq) is not in the journal") }
            if case .array(let anchors)? = manifest["anchors"] {
                for case .object(let a) in anchors {
                    guard case .number(let n)? = a["seq"], let seq = n.int64, case .string(let hash)? = a["hash"] else { continue }
                    checks += 1
                    let inJournal = try guarded { try journal.chainEntries([seq]) }.first.map { SHA256Hasher.hex($0.hash) }
                    if inJournal != hash { problems.append("the chain at seq \(seq) is not the pack's anchor: the journal was rewritten") }
                }
            }
            let integrity = try guarded { try journal.checkIntegrity(seqs: Array(hashes.keys)) }
            checks += 1
            if !integrity.verified { problems.append("the journal's tamper check fails: " + (integrity.problem ?? "")) }
        }
        if problems.isEmpty {
            print("evidence pack \(dir) verified: \(checks) checks passed" + (journal == nil ? " (offline: the pack against itself)" : " (the pack and the journal \(journal!.path))"))
        } else {
            throw CLIFailure.findings("tally: evidence pack \(dir) does NOT verify:\n" + problems.map { "  - " + $0 }.joined(separator: "\n"))
        }
    }
}
