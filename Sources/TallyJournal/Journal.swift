#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TallyCore
import TallyDigest
import TallySQLite

/// The append-only journal: one SQLite file in WAL mode with a hash chain.
///
/// Durability: `journal_mode=WAL` with `synchronous=FULL` makes SQLite fsync
/// the WAL at every commit, so an append that returned has survived a crash or
/// a power loss. Each process opens its own `Journal`; writers serialise on
/// SQLite's write lock (`BEGIN IMMEDIATE` and a busy timeout).
public final class Journal {
    public let path: String
    let connection: Connection
    let clock: any JournalClock
    let hasher = SHA256Hasher()
    /// The checkpoint the last `replay` started from (nil: from the first event).
    public internal(set) var lastReplayCheckpoint: CheckpointInfo?
    /// What the last replay's read-ahead of a cold index did (nil: it did not run; see `IndexWarmer`).
    public internal(set) var lastReplayWarming: IndexWarmer.Outcome?
    /// Archives read alongside the live events of a pruned journal (`attachArchives`).
    public internal(set) var readArchives: [ArchiveEntry] = []
    /// Prepared statements of the hot paths, compiled once per connection.
    private var statementCache: [String: Statement] = [:]
    /// How this journal keys its idempotency index (`id_key` in `journal_meta`).
    public private(set) var idKeyScheme: IDKeyScheme = .hashed
    /// The scheme a new journal records.
    public static let newJournalIDKeyScheme: IDKeyScheme = .ordered

    /// Statements of this journal's connection left open (see `Connection.activeStatements`).
    public var activeStatements: [String] { connection.activeStatements }

    /// Pages this journal's connection has written (to the WAL) since it was opened.
    public var pagesWritten: Int { connection.pagesWritten }

    /// How long a writer waits for another process's transaction.
    public static let busyTimeoutMilliseconds: Int32 = 60_000

    private init(path: String, connection: Connection, clock: any JournalClock) {
        self.path = path; self.connection = connection; self.clock = clock
    }

    /// Why SQLite could not open or create `path`: when no file is there, the folder is the
    /// likely cause (missing, or not writable), which SQLite's "unable to open database file" does not say.
    static func openFailure(path: String, _ error: SQLiteError) -> JournalError {
        guard access(path, F_OK) != 0 else { return .notAJournal(path: path, detail: error.message) }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var info = stat()
        if stat(folder, &info) != 0 {
            return .cannotCreate(path: path, detail: "the folder \(folder) does not exist")
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            return .cannotCreate(path: path, detail: "\(folder) is not a folder")
        }
        if access(folder, W_OK) != 0 {
            return .cannotCreate(path: path, detail: "the folder \(folder) is not writable")
        }
        return .cannotCreate(path: path, detail: error.message)
    }

    /// Creates the journal at `path`, or opens it if it already is one.
    public static func create(at path: String, clock: any JournalClock = SystemClock()) throws(JournalError) -> Journal {
        let connection: Connection
        do throws(SQLiteError) {
            connection = try Connection(path: path, mode: .readWriteCreate)
        } catch {
            throw Journal.openFailure(path: path, error)
        }
        let journal = Journal(path: path, connection: connection, clock: clock)
        try journal.configure()
        let isNew: Bool
        do throws(SQLiteError) {
            isNew = try connection.scalar("SELECT count(*) FROM sqlite_master") == .integer(0)
        } catch {
            throw .notAJournal(path: path, detail: error.isNotADatabase ? "the file is not an SQLite database" : error.message)
        }
        if !isNew { try journal.checkFormat() }
        do throws(SQLiteError) {
            try connection.execute("BEGIN IMMEDIATE")
            try connection.execute(Schema.create)
            try connection.execute("""
                INSERT OR IGNORE INTO journal_meta (key, value) VALUES
                  ('format', '\(Schema.formatName)'), ('version', '\(Schema.formatVersion)'), ('contract', '1'),
                  ('head_seq', '0'), ('head_hash', '');
                """)
            // A new journal keeps its counts by type from the first event.
            if isNew {
                try connection.execute("INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('type_counts', 'complete')")
                try connection.execute("INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('id_key', '\(newJournalIDKeyScheme.rawValue)')")
                try connection.execute("INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('lookups_seq', '0')")
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw .notAJournal(path: path, detail: error.message)
        }
        if !isNew {
            try journal.completeTypeCounts()
            try journal.migrateLookupTables(notice: { _ in })
        }
        try journal.loadIDKeyScheme()
        return journal
    }

    /// Opens an existing journal. `readOnly` never writes (verify, stats, reconcile).
    /// `notice` hears about long one-time work before it starts (an older journal's new
    /// index: about 2 s per million events).
    public static func open(at path: String, readOnly: Bool = false, clock: any JournalClock = SystemClock(),
                            notice: (String) -> Void = { _ in }) throws(JournalError) -> Journal {
        guard access(path, F_OK) == 0 else { throw .notFound(path: path) }
        let connection: Connection
        do throws(SQLiteError) {
            connection = try Connection(path: path, mode: readOnly ? .readOnly : .readWrite)
        } catch {
            throw .notAJournal(path: path, detail: error.message)
        }
        let journal = Journal(path: path, connection: connection, clock: clock)
        try journal.configure()
        try journal.checkFormat()
        if !readOnly {
            // Indexes added since the journal was created (every statement is IF NOT EXISTS).
            try journal.wrap { () throws(SQLiteError) in
                if try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = '\(Schema.replayIndex)'") == .integer(0) {
                    notice("building the replay index of \(path), once (journals written before it replay more slowly without it; about 2 s per million events)")
                }
                try connection.execute(Schema.create)
            }
            try journal.completeTypeCounts()
            try journal.migrateLookupTables(notice: notice)
        }
        try journal.loadIDKeyScheme()
        return journal
    }

    private func configure() throws(JournalError) {
        do throws(SQLiteError) {
            connection.setBusyTimeout(milliseconds: Journal.busyTimeoutMilliseconds)
            // journal_mode=WAL fails harmlessly on a read-only connection to a WAL file.
            _ = try? connection.scalar("PRAGMA journal_mode=WAL")
            try connection.execute("""
                PRAGMA synchronous=FULL;
                PRAGMA cache_size=-\(Schema.cacheKibibytes);
                PRAGMA wal_autocheckpoint=\(Schema.walAutocheckpointPages);
                PRAGMA journal_size_limit=\(Schema.walWorkingBytes);
                PRAGMA foreign_keys=OFF;
                """)
        } catch {
            throw .notAJournal(path: path, detail: error.message)
        }
    }

    /// Reads the journal's `id_key` scheme; a journal written before schemes were recorded
    /// keeps hashing (its rows were keyed that way). An unknown scheme is refused.
    private func loadIDKeyScheme() throws(JournalError) {
        let value = try wrap { () throws(SQLiteError) in try connection.scalar("SELECT value FROM journal_meta WHERE key = 'id_key'") }
        switch value {
        case nil: idKeyScheme = .hashed
        case .text(let text)?:
            guard let scheme = IDKeyScheme(rawValue: text) else {
                throw .notAJournal(path: path, detail: "its idempotency key scheme \(text) is not one this version of Tally knows")
            }
            idKeyScheme = scheme
        default: throw .notAJournal(path: path, detail: "its idempotency key scheme is not a text value")
        }
    }

    private func checkFormat() throws(JournalError) {
        do throws(SQLiteError) {
            let statement = try connection.prepare("SELECT value FROM journal_meta WHERE key = 'format'")
            guard try statement.step(), statement.text(0) == Schema.formatName else {
                throw SQLiteError(extendedCode: 0, message: "no Tally format marker", sql: nil)
            }
            let version = try connection.scalar("SELECT value FROM journal_meta WHERE key = 'version'")
            guard case .text(let v)? = version, Int(v) == Schema.formatVersion else {
                throw SQLiteError(extendedCode: 0, message: "journal format version \(String(describing: version)) is not \(Schema.formatVersion)", sql: nil)
            }
        } catch {
            throw .notAJournal(path: path, detail: error.isNotADatabase ? "the file is not an SQLite database" : error.message)
        }
    }

    func wrap<T>(_ body: () throws(SQLiteError) -> T) throws(JournalError) -> T {
        do throws(SQLiteError) { return try body() } catch { throw .sqlite(path: path, error) }
    }

    /// A prepared statement for `sql`, compiled on first use, handed out reset. Callers reset
    /// it again when they are done (`defer { s.reset() }`): a statement left stepping holds a
    /// read transaction open, which keeps checkpoints from finishing and the WAL from starting over.
    func cached(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try connection.prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Whether the file has `table` (journals written by an older Tally lack the newer ones
    /// until they are opened for writing).
    func hasTable(_ table: String) throws(SQLiteError) -> Bool {
        let s = try cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        defer { s.reset() }
        s.bind(table, at: 1)
        return try s.step()
    }

    /// The last seq and its hash (0 and empty for an empty journal).
    public func head() throws(JournalError) -> (seq: Int64, hash: [UInt8]) {
        try wrap { () throws(SQLiteError) in
            let s = try connection.prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            guard try s.step() else { return (0, []) }
            return (s.int64(0), s.blob(1))
        }
    }

    /// What a command that appended does at its end: brings the derived tables (`order_skus`
    /// and the lookup tables) up to date and checkpoints.
    public func finishAppending() throws(JournalError) {
        try indexDerivedTables()
        checkpoint()
    }

    /// Moves the WAL's content into the main file (off the append hot path).
    public func checkpoint() {
        _ = try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// The WAL file's working size (`Schema.walWorkingBytes`).
    public static var walWorkingBytes: Int { Schema.walWorkingBytes }

    /// The WAL file's size in bytes (0 when there is none).
    public var walBytes: Int {
        var info = stat()
        return stat(path + "-wal", &info) == 0 ? Int(info.st_size) : 0
    }

    /// Stops this connection from checkpointing after its commits (a server's writer,
    /// whose checkpoints another connection makes on another thread).
    public func disableAutomaticCheckpoints() {
        _ = try? connection.execute("PRAGMA wal_autocheckpoint=0")
    }

    /// Puts back the checkpoint after commits that `disableAutomaticCheckpoints` stopped.
    public func enableAutomaticCheckpoints() {
        _ = try? connection.execute("PRAGMA wal_autocheckpoint=\(Schema.walAutocheckpointPages)")
    }
}

/// Versions of what the journal is built on (for benchmark and diagnostic output).
public enum TallyJournalVersion {
    public static var sqlite: String { Connection.libraryVersion }
}

extension Journal {
    /// Grows the WAL file to `bytes` with written zeros (never touching what it holds), so
    /// that commits overwrite blocks instead of extending the file. Holds SQLite's write
    /// lock meanwhile, so no other connection appends frames to the WAL at the same time;
    /// the zeros are not valid frames, so recovery ignores them.
    public func preallocateWAL(bytes: Int) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            try connection.transaction { () throws(SQLiteError) in
                let fd = Glibc.open(path + "-wal", O_WRONLY)
                guard fd >= 0 else { return }
                defer { close(fd) }
                var info = stat()
                guard fstat(fd, &info) == 0 else { return }
                var offset = Int(info.st_size)
                let zeros = [UInt8](repeating: 0, count: 1 << 20)
                while offset < bytes {
                    let n = min(zeros.count, bytes - offset)
                    let written = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, n, off_t(offset)) }
                    guard written > 0 else { return }
                    offset += written
                }
                fdatasync(fd)
            }
        }
    }
}
