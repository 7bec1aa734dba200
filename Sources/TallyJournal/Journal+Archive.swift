#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest
import TallyFiles
import TallySQLite

/// A calendar month (`2026-10`) or quarter (`2026-Q3`) in UTC: [start, end).
public struct ArchivePeriod: Sendable, Equatable {
    public let name: String
    public let start: Timestamp
    public let end: Timestamp

    public static func parse(_ text: String) -> ArchivePeriod? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), year >= 1970 else { return nil }
        let firstMonth: Int, months: Int
        if parts[1].count == 2, let month = Int(parts[1]), (1...12).contains(month) {
            firstMonth = month; months = 1
        } else if parts[1].count == 2, parts[1].first == "Q", let q = Int(parts[1].dropFirst()), (1...4).contains(q) {
            firstMonth = (q - 1) * 3 + 1; months = 3
        } else {
            return nil
        }
        func instant(_ y: Int, _ m: Int) -> Timestamp? {
            let (yy, mm) = m > 12 ? (y + 1, m - 12) : (y, m)
            return Timestamp.parse(String(format4(yy)) + "-" + (mm < 10 ? "0" : "") + String(mm) + "-01T00:00:00Z")
        }
        guard let start = instant(year, firstMonth), let end = instant(year, firstMonth + months) else { return nil }
        return ArchivePeriod(name: text, start: start, end: end)
    }

    static func format4(_ y: Int) -> String { String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y) }
}

/// What an archive holds, as its manifest says (and as the archive file repeats in `archive_meta`).
public struct ArchiveManifest: Sendable, Equatable {
    public var period: String
    public var recordedFrom: String
    public var recordedTo: String
    public var firstSeq: Int64
    public var lastSeq: Int64
    public var events: Int64
    /// The chain hash of `firstSeq − 1` (hex; empty when `firstSeq` is 1) and of `lastSeq`.
    public var previousHash: String
    public var lastHash: String
    public var file: String
    public var fileBytes: Int64
    public var fileSHA256: String
    public var createdAt: String

    public static let formatName = "tally-archive"

    public var json: JSONValue {
        .obj([
            ("archive", .string(Self.formatName)), ("version", .int(1)), ("contract", .int(1)),
            ("period", .string(period)), ("recorded_from", .string(recordedFrom)), ("recorded_to", .string(recordedTo)),
            ("first_seq", .int(firstSeq)), ("last_seq", .int(lastSeq)), ("events", .int(events)),
            ("chain", .obj([("previous_hash", .string(previousHash)), ("last_hash", .string(lastHash))])),
            ("files", .array([.obj([("name", .string(file)), ("bytes", .int(fileBytes)), ("sha256", .string(fileSHA256))])])),
            ("created_at", .string(createdAt)),
        ])
    }

    public init?(json: JSONValue) {
        guard case .object(let o) = json, o["archive"] == .string(Self.formatName),
              case .string(let period)? = o["period"], case .string(let from)? = o["recorded_from"], case .string(let to)? = o["recorded_to"],
              case .number(let first)? = o["first_seq"], let firstSeq = first.int64, case .number(let last)? = o["last_seq"], let lastSeq = last.int64,
              case .number(let count)? = o["events"], let events = count.int64,
              case .object(let chain)? = o["chain"], case .string(let previous)? = chain["previous_hash"], case .string(let lastHash)? = chain["last_hash"],
              case .array(let files)? = o["files"], case .object(let file)? = files.first,
              case .string(let name)? = file["name"], case .number(let bytes)? = file["bytes"], let fileBytes = bytes.int64,
              case .string(let sha)? = file["sha256"], case .string(let created)? = o["created_at"] else { return nil }
        self.init(period: period, recordedFrom: from, recordedTo: to, firstSeq: firstSeq, lastSeq: lastSeq, events: events,
                  previousHash: previous, lastHash: lastHash, file: name, fileBytes: fileBytes, fileSHA256: sha, createdAt: created)
    }

    public init(period: String, recordedFrom: String, recordedTo: String, firstSeq: Int64, lastSeq: Int64, events: Int64,
                previousHash: String, lastHash: String, file: String, fileBytes: Int64, fileSHA256: String, createdAt: String) {
        self.period = period; self.recordedFrom = recordedFrom; self.recordedTo = recordedTo; self.firstSeq = firstSeq; self.lastSeq = lastSeq
        self.events = events; self.previousHash = previousHash; self.lastHash = lastHash; self.file = file
        self.fileBytes = fileBytes; self.fileSHA256 = fileSHA256; self.createdAt = createdAt
    }
}

extension Journal {
    /// The seqs recorded in [start, end): recorded_at never goes backwards, so they are one
    /// contiguous range, found by binary search on seq (no index on recorded_us needed).
    public func seqRange(recordedFrom start: Timestamp, to end: Timestamp) throws(JournalError) -> ClosedRange<Int64>? {
        try wrap { () throws(SQLiteError) -> ClosedRange<Int64>? in
            let head = try headRecord().seq
            guard head > 0 else { return nil }
            let at = try cached("SELECT recorded_us FROM events WHERE seq = ?")
            defer { at.reset() }
            func recorded(_ seq: Int64) throws(SQLiteError) -> Int64 {
                at.reset(); at.bind(seq, at: 1)
                return try at.step() ? at.int64(0) : Int64.max
            }
            /// The first seq whose recorded_us is ≥ `t` (head + 1 when none).
            func firstAtOrAfter(_ t: Int64) throws(SQLiteError) -> Int64 {
                var lo = try prunedThrough() + 1, hi = head + 1
                while lo < hi {
                    let mid = lo + (hi - lo) / 2
                    if try recorded(mid) >= t { hi = mid } else { lo = mid + 1 }
                }
                return lo
            }
            let first = try firstAtOrAfter(start.microseconds)
            let last = try firstAtOrAfter(end.microseconds) - 1
            return first <= last ? first...last : nil
        }
    }

    /// Writes the events of `range` to a new SQLite file at `path` (the journal's own row
    /// layout, with their anchors and a few lookup indexes), and returns its manifest.
    /// The file is written under a temporary name, synced, renamed and made read-only.
    public func writeArchive(period: ArchivePeriod, range: ClosedRange<Int64>, to path: String, createdAt: Timestamp) throws(JournalError) -> ArchiveManifest {
        let temp = path + ".tmp-\(getpid())"
        unlink(temp)
        let previous = range.lowerBound > 1 ? (try chainHashes([range.lowerBound - 1])[range.lowerBound - 1] ?? []) : []
        guard let last = try chainEntries([range.upperBound]).first else {
            throw .sqlite(path: self.path, SQLiteError(extendedCode: 0, message: "seq \(range.upperBound) is missing", sql: nil))
        }
        do throws(SQLiteError) {
            // ATTACH opens with the journal connection's flags, which do not create files.
            _ = try Connection(path: temp, mode: .readWriteCreate)
            try connection.attach(temp, as: "archive")
            defer { try? connection.execute("DETACH DATABASE archive") }
            try connection.execute("BEGIN")
            try connection.execute(Schema.eventsTable(prefix: "archive."))
            try connection.execute("""
                CREATE TABLE archive.anchors (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL);
                CREATE TABLE archive.archive_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                """)
            let copy = try connection.prepare("INSERT INTO archive.events SELECT * FROM main.events WHERE seq BETWEEN ? AND ? ORDER BY seq")
            copy.bind(range.lowerBound, at: 1); copy.bind(range.upperBound, at: 2)
            try copy.step()
            let anchors = try connection.prepare("INSERT INTO archive.anchors SELECT seq, hash FROM main.anchors WHERE seq BETWEEN ? AND ?")
            anchors.bind(range.lowerBound, at: 1); anchors.bind(range.upperBound, at: 2)
            try anchors.step()
            try connection.execute("""
                CREATE INDEX archive.events_by_order ON events (order_id, occurred_us) WHERE order_id IS NOT NULL;
                CREATE INDEX archive.events_by_fulfillment ON events (fulfillment_id) WHERE fulfillment_id IS NOT NULL;
                CREATE INDEX archive.events_by_time ON events (occurred_us, seq);
                """)
            let meta = try connection.prepare("INSERT INTO archive.archive_meta (key, value) VALUES (?, ?)")
            let values: [(String, String)] = [
                ("format", ArchiveManifest.formatName), ("version", "1"), ("contract", "1"), ("period", period.name),
                ("first_seq", String(range.lowerBound)), ("last_seq", String(range.upperBound)),
                ("previous_hash", SHA256Hasher.hex(previous)), ("last_hash", SHA256Hasher.hex(last.hash)),
            ]
            for (k, v) in values {
                meta.reset(); meta.bind(k, at: 1); meta.bind(v, at: 2); try meta.step()
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            unlink(temp)
            throw .sqlite(path: path, error)
        }
        // Sealed: synced to disk, renamed into place, read-only.
        let fd = Glibc.open(temp, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw .unreadableInput(path: path, detail: "cannot rename the archive into place: \(String(cString: strerror(errno)))")
        }
        chmod(path, 0o444)
        let (bytes, sha) = try Journal.fileDigest(path)
        let lastHash = last.hash
        return ArchiveManifest(period: period.name, recordedFrom: period.start.rfc3339, recordedTo: period.end.rfc3339,
                               firstSeq: range.lowerBound, lastSeq: range.upperBound, events: range.upperBound - range.lowerBound + 1,
                               previousHash: SHA256Hasher.hex(previous), lastHash: SHA256Hasher.hex(lastHash),
                               file: String(path.split(separator: "/").last ?? Substring(path)), fileBytes: bytes, fileSHA256: sha, createdAt: createdAt.rfc3339)
    }

    /// Size and SHA-256 (hex) of a file, read 1 MiB at a time.
    public static func fileDigest(_ path: String) throws(JournalError) -> (Int64, String) {
        let hasher = SHA256Hasher()
        hasher.begin()
        var total: Int64 = 0
        do throws(FileError) {
            try Files.forEachChunk(path) { hasher.update($0); total += Int64($0.count) }
        } catch {
            throw .unreadableInput(path: path, detail: error.detail)
        }
        return (total, SHA256Hasher.hex(hasher.finish()))
    }

    /// Checks an archive file on its own: its SHA-256 and size against the manifest, its
    /// own record of the manifest, gapless seqs, and every row rehashed along the chain from
    /// the manifest's previous hash to its last hash. Empty when intact, else what is wrong.
    public static func verifyArchive(path: String, manifest: ArchiveManifest) -> [String] {
        var problems: [String] = []
        do throws(JournalError) {
            let (bytes, sha) = try fileDigest(path)
            if bytes != manifest.fileBytes || sha != manifest.fileSHA256 {
                problems.append("the file is not the one the manifest describes (SHA-256 \(sha), \(bytes) bytes; the manifest says \(manifest.fileSHA256), \(manifest.fileBytes) bytes)")
            }
        } catch {
            return [error.description]
        }
        do throws(SQLiteError) {
            problems += archiveMetaProblems(ArchiveEntry(path: path, manifest: manifest))
            let connection = try Connection(path: path, mode: .readOnly)
            let rows = try connection.prepare("SELECT \(EventRecord.selectList) FROM events ORDER BY seq")
            var rehasher = ChainRehasher()
            rehasher.previous = SHA256Hasher.bytes(hex: manifest.previousHash) ?? []
            var expected = manifest.firstSeq
            while try rows.step() {
                let seq = rows.int64(0)
                if seq != expected {
                    problems.append(seq > expected ? "seq \(expected)\(seq - 1 > expected ? "–\(seq - 1)" : "") missing from the archive" : "seq \(seq) out of order")
                    return problems
                }
                if !rehasher.check(row: rows) { problems.append(ChainRehasher.mismatch(seq)); return problems }
                expected += 1
            }
            if expected != manifest.lastSeq + 1 {
                problems.append("the archive ends at seq \(expected - 1), the manifest says \(manifest.lastSeq)")
            } else if SHA256Hasher.hex(rehasher.previous) != manifest.lastHash {
                problems.append("the chain does not end at the manifest's last hash")
            }
        } catch {
            problems.append("\(path): \(error.message)")
        }
        return problems
    }
}
