import ArgumentParser
import TallyCore
import TallyJournal

struct Quarantine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List rejected input kept in the quarantine, with reasons and raw text.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: "At most this many entries.")
    var limit: Int = 100

    @Option(help: "Skip this many entries first.")
    var offset: Int = 0

    static let rawPreviewMax = 300

    func run() throws {
        let journal = try journalOption.open(readOnly: true)
        let entries = try guarded { try journal.quarantine(limit: max(0, limit), offset: max(0, offset)) }
        func rawText(_ e: QuarantineEntry) -> String {
            String(decoding: e.raw, as: UTF8.self)
        }
        switch format {
        case .json:
            print(JSONWriter.encode(.array(entries.map { e in
                .obj([("id", .int(e.id)), ("received_at", .string(e.receivedAt.rfc3339)), ("input", .string(e.input)),
                      ("line", .int(e.line)), ("event_id", .text(e.eventID)), ("reason", .string(e.reason)),
                      ("raw", .string(rawText(e))), ("raw_bytes", .int(e.rawBytes)),
                      ("raw_truncated", .bool(Int64(e.raw.count) < e.rawBytes))])
            })))
        case .text:
            if entries.isEmpty { print("quarantine is empty"); return }
            for e in entries {
                print("#\(e.id) \(e.receivedAt.rfc3339)  \(e.reason)")
                var preview = rawText(e)
                if preview.count > Quarantine.rawPreviewMax { preview = String(preview.prefix(Quarantine.rawPreviewMax)) + "…" }
                print("    raw (\(e.rawBytes) bytes): \(preview)")
            }
        }
    }
}
