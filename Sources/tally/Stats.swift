import ArgumentParser
import TallyCore
import TallyJournal

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts by type, time range, the last snapshot and restore markers, quarantine size.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func run() throws {
        let journal = try journalOption.open(readOnly: true)
        let stats = try guarded { try journal.stats() }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj(stats.jsonMembers(journal: journal.path))))
        case .text:
            print("journal        \(journal.path)")
            let first = (stats.pruned?.throughSeq ?? 0) + 1
            print("events         \(stats.events)" + (stats.events > 0 ? " (seq \(first)–\(stats.lastSeq))" : ""))
            if let p = stats.pruned {
                print("pruned         \(p.events) (seq 1–\(p.throughSeq), \(p.prunedAt.rfc3339); in \(p.archives.joined(separator: ", ")))")
            }
            if let first = stats.firstOccurredAt, let last = stats.lastOccurredAt {
                print("occurred       \(first.rfc3339) … \(last.rfc3339)")
            }
            if let first = stats.firstRecordedAt, let last = stats.lastRecordedAt {
                print("recorded       \(first.rfc3339) … \(last.rfc3339)")
            }
            print("by type")
            for type in EventType.allCases {
                let count = stats.byType[type] ?? 0
                print("  " + type.rawValue.padding(22) + String(count).leftPadding(10))
            }
            func show(_ name: String, _ m: MarkerInfo?) {
                guard let m else { print(name.padding(15) + "none"); return }
                print(name.padding(15) + "\(m.snapshotID) at \(m.occurredAt.rfc3339) (seq \(m.seq))")
            }
            show("last snapshot", stats.lastSnapshot)
            show("last restore", stats.lastRestore)
            print("quarantined    \(stats.quarantined)" + (stats.quarantined > 0 ? " (see `tally quarantine`)" : ""))
        }
    }
}

extension String {
    /// Pads on the right to `width` characters (never truncates).
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    /// Pads on the left to `width` characters.
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
