import ArgumentParser
import TallyCore
import TallyJournal

struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store truth at the journal's head, so that replays (reconcile, drift, as-of) start there.",
        discussion: """
        A checkpoint is truth after replaying every event, kept in the journal file. A replay starts from \
        the newest one whose position is not after the time asked for, and which no later-appended event \
        sorts before (a late event invalidates it): the result is the same as replaying from the first \
        event. Checkpoints are also written by `tally snapshot` and, every [checkpoints] every events \
        (default 1,000,000), by `tally append`. The newest \(Journal.checkpointsKept) are kept (and the one a prune pinned). \
        On a pruned journal where a late event sorts before the cut, `tally checkpoint --archives DIR` \
        replays through the archives once and writes a checkpoint that later replays start from.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    @Flag(help: "List the checkpoints instead of writing one.")
    var list = false

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func run() throws {
        let journal = try journalOption.open(readOnly: list)
        if !list {
            // A pruned journal whose pinned checkpoint a late event made unusable: truth is
            // replayed through the archives once, and the new checkpoint serves from then on.
            try archivesOption.attach(to: journal, note: false)
            let truth = try Output.withProgressLine("replaying the journal") { (show) throws(CLIFailure) in
                try guarded { try journal.replay(progress: show) }
            }
            guard let written = try guarded({ try journal.writeCheckpoint(truth) }) else {
                print("the journal is empty: no checkpoint"); return
            }
            let from = journal.lastReplayCheckpoint.map { "replayed on from the checkpoint at seq \($0.headSeq)" } ?? "replayed from the first event"
            print("checkpoint written at seq \(written.headSeq), position \(written.position.occurredAt.rfc3339) (seq \(written.position.seq)), \(written.bytes) bytes; \(from)")
            return
        }
        let all = try guarded { try journal.checkpoints() }
        switch format {
        case .json:
            print(JSONWriter.encode(.array(all.map { c in
                .obj([("id", .int(c.id)), ("created_at", .string(c.createdAt.rfc3339)), ("head_seq", .int(c.headSeq)),
                      ("position_occurred_at", .string(c.position.occurredAt.rfc3339)), ("position_seq", .int(c.position.seq.rawValue)),
                      ("bytes", .int(c.bytes))])
            })))
        case .text:
            if all.isEmpty { print("no checkpoints"); return }
            for c in all {
                print("\(c.id)  head seq \(c.headSeq)  position \(c.position.occurredAt.rfc3339) (seq \(c.position.seq))  \(c.bytes) bytes  written \(c.createdAt.rfc3339)")
            }
        }
    }
}
