import TallyCore
import TallyDigest
import TallySQLite

extension Journal {
    /// Reads a pruned journal's archives alongside its live events, for lookups, evidence
    /// and replays that reach before the cut. The archives of `available` that hold seq
    /// 1 through the cut are attached (read-only) and temporary views named `events` and
    /// `anchors` join them to the live tables, so every query reads one history.
    ///
    /// Checked here: the archives form one chain from seq 1 and end at the journal's prune
    /// anchor, and each file's own record of its manifest matches. Events read through them
    /// are rehashed by the lookups as live ones are (to the next anchor); `tally verify
    /// --archives DIR --journal J` rehashes every archived row.
    ///
    /// `replayOnly`: only replays read them (on their own connections); this connection's
    /// queries keep reading the live tables (what `prune` needs while it writes).
    ///
    /// Returns the archives used (none when the journal was never pruned).
    @discardableResult
    public func attachArchives(_ available: [ArchiveEntry], replayOnly: Bool = false) throws(JournalError) -> [ArchiveEntry] {
        guard let anchor = try pruneAnchor() else { return [] }
        let used: [ArchiveEntry]
        switch try archivesCovering(1...anchor.throughSeq, in: available) {
        case .success(let entries): used = entries
        case .failure(let problem):
            throw .badArchive(path: path, detail: "the archives cannot stand in for the \(anchor.events) pruned events (seq 1–\(anchor.throughSeq)): \(problem.message)")
        }
        for entry in used {
            let problems = Journal.archiveMetaProblems(entry)
            if let first = problems.first { throw .badArchive(path: entry.path, detail: first) }
        }
        if !replayOnly {
            try wrap { () throws(SQLiteError) in try Journal.installArchiveViews(used, through: anchor.throughSeq, on: connection) }
        }
        readArchives = used
        return used
    }

    /// Attaches `archives` to `connection` and shadows `events` and `anchors` with views
    /// over them and the live tables (archived rows after the cut are the live ones).
    static func installArchiveViews(_ archives: [ArchiveEntry], through cut: Int64, on connection: Connection) throws(SQLiteError) {
        var eventArms: [String] = [], anchorArms: [String] = []
        for (i, entry) in archives.enumerated() {
            let name = "archive\(i)"
            do throws(SQLiteError) {
                try connection.attach(entry.path, as: name)
            } catch {
                if error.message.contains("too many attached") {
                    throw SQLiteError(extendedCode: error.extendedCode, message: "\(archives.count) archives hold the pruned events, but SQLite reads at most \(connection.attachLimit) beside the journal: archive by quarter (--period 2026-Q3) rather than by month", sql: nil)
                }
                throw error
            }
            eventArms.append("SELECT * FROM \(name).events WHERE seq <= \(cut)")
            anchorArms.append("SELECT * FROM \(name).anchors WHERE seq <= \(cut)")
        }
        try connection.execute("""
            CREATE TEMP VIEW IF NOT EXISTS events AS \((eventArms + ["SELECT * FROM main.events"]).joined(separator: " UNION ALL "));
            CREATE TEMP VIEW IF NOT EXISTS anchors AS \((anchorArms + ["SELECT * FROM main.anchors"]).joined(separator: " UNION ALL "));
            """)
    }

    /// Whether an archive file records the manifest it comes with (a quick check, without
    /// rehashing its rows).
    static func archiveMetaProblems(_ entry: ArchiveEntry) -> [String] {
        do throws(SQLiteError) {
            let connection = try Connection(path: entry.path, mode: .readOnly)
            let meta = try connection.prepare("SELECT key, value FROM archive_meta")
            var stored: [String: String] = [:]
            while try meta.step() { stored[meta.text(0)] = meta.text(1) }
            let m = entry.manifest
            return [("format", ArchiveManifest.formatName), ("period", m.period), ("first_seq", String(m.firstSeq)),
                    ("last_seq", String(m.lastSeq)), ("previous_hash", m.previousHash), ("last_hash", m.lastHash)]
                .filter { stored[$0.0] != $0.1 }
                .map { "the archive records \($0.0) \(stored[$0.0].map { CanonicalJSON.quoted($0) } ?? "nothing"), the manifest \(CanonicalJSON.quoted($0.1))" }
        } catch {
            return ["\(entry.path): \(error.message)"]
        }
    }

    /// Why a replay of a pruned journal needs its archives, in a sentence.
    func prunedReplayReason(_ anchor: PruneAnchor, asOf: Timestamp?, throughSeq: Int64?) throws -> String {
        let pinned = try wrap { () throws(SQLiteError) -> (Int64, Int64)? in
            let s = try connection.prepare("SELECT position_us, position_seq FROM checkpoints WHERE head_seq = ? ORDER BY cid DESC LIMIT 1")
            s.bind(anchor.throughSeq, at: 1)
            return try s.step() ? (s.int64(0), s.int64(1)) : nil
        }
        let head = "seq 1–\(anchor.throughSeq) were pruned (\(anchor.events) events, archived in \(anchor.archives.isEmpty ? "archives" : anchor.archives.joined(separator: ", ")))"
        let advice = "; pass --archives DIR with the archives that hold them"
        guard let (positionUs, _) = pinned else { return head + " and the checkpoint at the cut is gone" + advice }
        let position = Timestamp(microseconds: positionUs).rfc3339
        if let asOf, asOf.microseconds < positionUs {
            return head + ": truth as of \(asOf.rfc3339) is before the last of them (\(position))" + advice
        }
        let late = try wrap { () throws(SQLiteError) -> (Int64, String)? in
            let s = try connection.prepare("SELECT seq, occurred_at FROM events WHERE seq > ? AND occurred_us < ? ORDER BY seq LIMIT 1")
            s.bind(anchor.throughSeq, at: 1); s.bind(positionUs, at: 2)
            return try s.step() ? (s.int64(0), s.text(1)) : nil
        }
        if let (seq, occurred) = late {
            return head + ", and seq \(seq), appended after the cut, occurred at \(occurred), before the last pruned event (\(position)): replay must put it among them"
                + advice + " (once: `tally checkpoint --archives DIR` then writes a checkpoint later replays start from)"
        }
        return head + advice
    }
}
