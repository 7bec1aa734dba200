import ArgumentParser
import TallyCore
import TallyJournal
import TallySQLite
import TallyStore
#if canImport(Glibc)
import Glibc
#endif

/// Appends one marker event built here (snapshot or restore) and reports its seq.
func appendMarker(_ journal: Journal, type: EventType, id: String, at: String, data: String) throws(CLIFailure) -> Int64 {
    let line = "{\"id\":\(CanonicalJSON.quoted(id)),\"type\":\"\(type.rawValue)\",\"occurred_at\":\(CanonicalJSON.quoted(at)),\"source\":\"tally\",\"data\":\(data)}"
    let event: Event
    switch EventDecoder.decode(line, input: "tally \(type.rawValue)", line: 1) {
    case .success(let e): event = e
    case .failure(let r): throw .usage("tally: " + r.message)
    }
    let outcome = try guarded { try journal.append([.event(PreparedEvent(event), raw: Array(line.utf8), input: "tally", line: 1)]) }
    switch outcome.first {
    case .appended(let seq)?, .duplicate(let seq)?: return seq.rawValue
    case .rejected(let r)?: throw .usage("tally: " + r.message)
    case nil: throw .usage("tally: the marker was not appended")
    }
}

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that a backup of the store was taken: appends snapshot.taken with the store's content digest.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The store that was backed up (SQLite file or CSV folder).", valueName: "S"))
    var store: String

    @Option(help: ArgumentHelp("The snapshot's id (for example nightly-2026-11-20).", valueName: "ID"))
    var id: String

    @Option(help: "A label for people.")
    var label: String?

    @Option(help: ArgumentHelp("When the backup was taken (RFC 3339; default now).", valueName: "T"))
    var at: String?

    @Option(help: ArgumentHelp("Also copy an SQLite store into this folder with SQLite's online backup API.", valueName: "DIR"))
    var copyTo: String?

    func run() throws {
        let journal = try journalOption.open(readOnly: false)
        let digest: String
        do throws(StoreError) { digest = try StoreReader.digest(path: store) } catch { throw CLIFailure.usage("tally: " + error.description) }
        let when = at ?? SystemClock().now().rfc3339
        var data = "{\"snapshot_id\":\(CanonicalJSON.quoted(id)),\"store_digest\":\(CanonicalJSON.quoted(digest))"
        if let label { data += ",\"label\":\(CanonicalJSON.quoted(label))" }
        data += "}"
        if let copyTo {
            let target = copyTo + "/" + id + ".db"
            do throws(SQLiteError) {
                let source = try Connection(path: store, mode: .readOnly)
                try source.backup(to: target)
            } catch {
                throw CLIFailure.usage("tally: cannot copy \(store) to \(target): \(error.message)")
            }
            print("copied \(store) to \(target)")
        }
        let seq = try appendMarker(journal, type: .snapshotTaken, id: "snapshot-\(id)-\(when)", at: when, data: data)
        print("snapshot \(id) recorded at seq \(seq) (\(when), \(digest))")
        // Truth at the snapshot, so that the reconcile after a restore replays from here.
        do {
            let truth = try Output.withProgressLine("replaying the journal for the checkpoint") { try journal.replay(progress: $0) }
            if let checkpoint = try journal.writeCheckpoint(truth) {
                print("checkpoint written at seq \(checkpoint.headSeq)")
            }
        } catch JournalError.needsArchives(_, let detail) {
            // The marker is recorded; only the checkpoint waits for the archives.
            Output.error("tally: note: no checkpoint written: \(detail)")
        } catch {
            throw CLIFailure.from(error)
        }
    }
}

struct Restored: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that the store was restored from a snapshot: appends restore.performed.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The snapshot the store was restored from.", valueName: "ID"))
    var snapshot: String

    @Option(help: ArgumentHelp("When the restore happened (RFC 3339; default now).", valueName: "T"))
    var at: String?

    func run() throws {
        let journal = try journalOption.open(readOnly: false)
        let markers = try guarded { try journal.allMarkers() }
        guard markers.snapshots.contains(where: { $0.snapshotID == snapshot }) else {
            throw CLIFailure.usage("tally: the journal has no snapshot \(snapshot); record it first with `tally snapshot`")
        }
        let when = at ?? SystemClock().now().rfc3339
        let seq = try appendMarker(journal, type: .restorePerformed, id: "restore-\(snapshot)-\(when)", at: when,
                                   data: "{\"snapshot_id\":\(CanonicalJSON.quoted(snapshot))}")
        print("restore from \(snapshot) recorded at seq \(seq) (\(when))")
    }
}
