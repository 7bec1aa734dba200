#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest
import TallyFiles
import TallySQLite

/// The part of the journal removed by `prune`: seqs 1…`throughSeq`, whose chain hash at
/// `throughSeq` is kept so that the chain still verifies across the cut.
public struct PruneAnchor: Sendable, Equatable {
    public var throughSeq: Int64
    /// The chain hash of `throughSeq` (hex).
    public var hash: String
    public var events: Int64
    public var prunedAt: Timestamp
    /// The archive files (names) that held the pruned events when they were removed.
    public var archives: [String]
}

/// An archive file and its manifest, found in a folder.
public struct ArchiveEntry: Sendable, Equatable {
    public var path: String
    public var manifest: ArchiveManifest

    public init(path: String, manifest: ArchiveManifest) { self.path = path; self.manifest = manifest }

    public static func manifestPath(_ archive: String) -> String {
        (archive.hasSuffix(".sqlite") ? String(archive.dropLast(7)) : archive) + ".manifest.json"
    }

    /// The archives of a folder (`tally-archive-*.sqlite` with their manifests), in seq order.
    public static func load(folder: String) throws(JournalError) -> [ArchiveEntry] {
        guard let names = Files.names(in: folder) else { throw .unreadableInput(path: folder, detail: String(cString: strerror(errno))) }
        var entries: [ArchiveEntry] = []
        for name in names where name.hasPrefix("tally-archive-") && name.hasSuffix(".sqlite") {
            let path = (folder.hasSuffix("/") ? folder : folder + "/") + name
            entries.append(ArchiveEntry(path: path, manifest: try loadManifest(manifestPath(path))))
        }
        return entries.sorted { $0.manifest.firstSeq < $1.manifest.firstSeq }
    }

    /// A manifest (at most 1 MiB of it is kept: a larger file is not one).
    public static func loadManifest(_ path: String) throws(JournalError) -> ArchiveManifest {
        var bytes: [UInt8] = []
        do throws(FileError) {
            try Files.forEachChunk(path, chunkSize: 65_536) { if bytes.count <= 1 << 20 { bytes.append(contentsOf: $0) } }
        } catch {
            throw .unreadableInput(path: path, detail: "no manifest: \(error.detail)")
        }
        guard let value = try? JSONParser.parse(bytes), let manifest = ArchiveManifest(json: value) else {
            throw .unreadableInput(path: path, detail: "not a Tally archive manifest")
        }
        return manifest
    }
}

/// What `prune` removed.
public struct PruneResult: Sendable, Equatable {
    public var fromSeq: Int64
    public var throughSeq: Int64
    public var events: Int64
    public var archives: [String]
    public var checkpoint: CheckpointInfo?
}

extension Journal {
    /// The pruned prefix, or nil when the journal was never pruned.
    public func pruneAnchor() throws(JournalError) -> PruneAnchor? {
        try wrap { () throws(SQLiteError) in try storedPruneAnchor() }
    }

    func storedPruneAnchor() throws(SQLiteError) -> PruneAnchor? {
        let s = try cached("SELECT key, value FROM journal_meta WHERE key LIKE 'pruned\\_%' ESCAPE '\\'")
        defer { s.reset() }
        var values: [String: String] = [:]
        while try s.step() { values[s.text(0)] = s.text(1) }
        guard let seq = values["pruned_through_seq"].flatMap({ Int64($0) }), let hash = values["pruned_through_hash"] else { return nil }
        let archives = values["pruned_archives"].map { $0.split(separator: "\n").map(String.init) } ?? []
        return PruneAnchor(throughSeq: seq, hash: hash, events: values["pruned_events"].flatMap { Int64($0) } ?? 0,
                           prunedAt: Timestamp(microseconds: values["pruned_at_us"].flatMap { Int64($0) } ?? 0), archives: archives)
    }

    /// Whether some of the order's events were pruned (and are only in the archives).
    func hasPrunedEvents(_ order: OrderID) throws(SQLiteError) -> Bool {
        guard try hasTable("pruned_orders") else { return false }
        let s = try cached("SELECT 1 FROM pruned_orders WHERE order_id = ?")
        defer { s.reset() }
        s.bind(order.rawValue, at: 1)
        return try s.step()
    }

    /// The seq the live events start after (0 when never pruned).
    func prunedThrough() throws(SQLiteError) -> Int64 { try storedPruneAnchor()?.throughSeq ?? 0 }

    /// The chain hash of `seq`: its row, or the prune anchor when `seq` was pruned at the cut.
    func chainHash(_ seq: Int64) throws(SQLiteError) -> [UInt8]? {
        let row = try cached("SELECT hash FROM events WHERE seq = ?")
        defer { row.reset() }
        row.bind(seq, at: 1)
        if try row.step() { return row.blob(0) }
        if let anchor = try storedPruneAnchor(), anchor.throughSeq == seq { return SHA256Hasher.bytes(hex: anchor.hash) }
        return nil
    }

    /// The last seq that `prune --before` would remove: the last one recorded before `time`,
    /// never the head (the next append links to it). Nil when nothing is left to prune.
    public func pruneCut(before time: Timestamp) throws(JournalError) -> ClosedRange<Int64>? {
        let from = try wrap { () throws(SQLiteError) in try prunedThrough() } + 1
        let head = try head().seq
        guard head > from, let recorded = try seqRange(recordedFrom: Timestamp(microseconds: 0), to: time) else { return nil }
        let through = min(recorded.upperBound, head - 1)
        return from <= through ? from...through : nil
    }

    /// The archives of `available` that hold `range`, in order, or why they cannot: a gap,
    /// a broken link between two archives, or an archive whose chain is not the journal's.
    /// Only manifests and a row per archive are read; the caller verifies the files.
    public func archivesCovering(_ range: ClosedRange<Int64>, in available: [ArchiveEntry]) throws(JournalError) -> Result<[ArchiveEntry], ArchiveCoverageError> {
        var used: [ArchiveEntry] = []
        var next = range.lowerBound
        for entry in available where entry.manifest.lastSeq >= next && entry.manifest.firstSeq <= range.upperBound {
            let m = entry.manifest
            guard m.firstSeq <= next else { break }
            if let last = used.last, last.manifest.lastHash != m.previousHash || last.manifest.lastSeq + 1 != m.firstSeq {
                return .failure(ArchiveCoverageError(message: "\(entry.path) does not continue the chain of \(last.path)"))
            }
            used.append(entry)
            next = m.lastSeq + 1
            if next > range.upperBound { break }
        }
        guard next > range.upperBound, let first = used.first else {
            let have = available.map { "\($0.manifest.firstSeq)–\($0.manifest.lastSeq)" }.joined(separator: ", ")
            return .failure(ArchiveCoverageError(message: "no archive holds seq \(next)\(next < range.upperBound ? "–\(range.upperBound)" : "") (the archives hold seq \(have.isEmpty ? "nothing" : have)): write them with `tally archive` first"))
        }
        // The archives' ends are checked against the journal's own chain (rows or the anchor).
        let checks: [(Int64, String, String)] = [(first.manifest.firstSeq - 1, first.manifest.previousHash, first.path)]
            + used.map { ($0.manifest.lastSeq, $0.manifest.lastHash, $0.path) }
        for (seq, expected, path) in checks where seq >= 1 {
            let hash = try wrap { () throws(SQLiteError) in try chainHash(seq) }
            if let hash, SHA256Hasher.hex(hash) != expected {
                return .failure(ArchiveCoverageError(message: "\(path): its chain at seq \(seq) is not the journal's (one of them was rewritten)"))
            }
        }
        return .success(used)
    }

    /// Removes the events of `range` (which must start right after the pruned prefix) once
    /// `archives` (verified by the caller) hold them: stores truth through the cut as a pinned
    /// checkpoint, keeps the chain hash of the last removed seq as the anchor the rest of the
    /// chain verifies from, adjusts the counts by type, and deletes the rows and what derives
    /// from them, in one transaction.
    public func prune(_ range: ClosedRange<Int64>, archives: [ArchiveEntry]) throws -> PruneResult {
        let through = range.upperBound
        func checkPrefix() throws(SQLiteError) {
            guard try prunedThrough() + 1 == range.lowerBound else {
                throw SQLiteError(extendedCode: 0, message: "the pruned prefix moved while pruning; run prune again", sql: nil)
            }
        }
        let anchorHash: [UInt8] = try wrap { () throws(SQLiteError) -> [UInt8] in
            try checkPrefix()
            guard let hash = try chainHash(through) else { throw SQLiteError(extendedCode: 0, message: "seq \(through) is missing", sql: nil) }
            return hash
        }
        // Truth through the cut (its maxSeq is the cut): the checkpoint replay starts from once the events are gone.
        let encoded = EncodedCheckpoint(try replay(throughSeq: through), hasher: hasher)
        let now = clock.now().microseconds
        return try wrap { () throws(SQLiteError) -> PruneResult in
            try connection.transaction { () throws(SQLiteError) -> PruneResult in
                try checkPrefix()
                let checkpoint = try encoded.map { c throws(SQLiteError) in try insertCheckpoint(c) }
                // Counts by type lose what is removed.
                let kept = try connection.scalar("SELECT value FROM journal_meta WHERE key = 'type_counts'") == .text("complete")
                if kept {
                    let byType = try connection.prepare("SELECT type, count(*) FROM main.events WHERE seq BETWEEN ? AND ? GROUP BY type")
                    byType.bind(range.lowerBound, at: 1); byType.bind(through, at: 2)
                    let update = try connection.prepare("UPDATE journal_meta SET value = CAST(value AS INTEGER) - ? WHERE key = ?")
                    while try byType.step() {
                        update.reset(); update.bind(byType.int64(1), at: 1); update.bind("count.\(byType.int64(0))", at: 2)
                        try update.step()
                    }
                }
                let previous = try storedPruneAnchor()
                let names = (previous?.archives ?? []) + archives.map { String($0.path.split(separator: "/").last ?? "") }
                var seen = Set<String>()
                let meta = try connection.prepare("INSERT OR REPLACE INTO journal_meta (key, value) VALUES (?, ?)")
                for (key, value) in [
                    ("pruned_through_seq", String(through)), ("pruned_through_hash", SHA256Hasher.hex(anchorHash)),
                    ("pruned_events", String((previous?.events ?? 0) + Int64(range.count))), ("pruned_at_us", String(now)),
                    ("pruned_archives", names.filter { seen.insert($0).inserted }.joined(separator: "\n")),
                ] {
                    meta.reset(); meta.bind(key, at: 1); meta.bind(value, at: 2); try meta.step()
                }
                let orders = try connection.prepare("INSERT OR IGNORE INTO pruned_orders SELECT DISTINCT order_id FROM main.events WHERE seq <= ? AND order_id IS NOT NULL")
                orders.bind(through, at: 1)
                try orders.step()
                // The append-only triggers stand aside for this one transaction only.
                try connection.execute("DROP TRIGGER IF EXISTS events_no_delete; DROP TRIGGER IF EXISTS anchors_no_delete;")
                for table in ["events", "anchors", "order_skus"] + Schema.lookupTables.map(\.table) {
                    let delete = try connection.prepare("DELETE FROM main.\(table) WHERE seq <= ?")
                    delete.bind(through, at: 1)
                    try delete.step()
                }
                let stale = try connection.prepare("DELETE FROM checkpoints WHERE head_seq < ?")
                stale.bind(through, at: 1)
                try stale.step()
                try connection.execute(Schema.triggers)
                return PruneResult(fromSeq: range.lowerBound, throughSeq: through, events: Int64(range.count),
                                   archives: archives.map(\.path), checkpoint: checkpoint)
            }
        }
    }

    /// Gives the file back the pages that pruning freed (they are reused by appends anyway).
    public func vacuum() throws(JournalError) {
        try wrap { () throws(SQLiteError) in try connection.execute("VACUUM") }
    }
}

public struct ArchiveCoverageError: Error, Sendable, Equatable {
    public let message: String
}
