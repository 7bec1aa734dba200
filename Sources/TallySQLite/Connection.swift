import CSQLite

/// One connection to an SQLite file. Not thread-safe: each thread or task owns its own.
public final class Connection {
    /// How to open the file.
    public enum Mode: Sendable {
        case readOnly
        case readWrite
        case readWriteCreate
    }

    let handle: OpaquePointer
    public let path: String

    /// Library-wide settings, applied once before the first open.
    private static let configured: Bool = {
        _ = csqlite_disable_memory_statistics()
        return true
    }()

    public init(path: String, mode: Mode) throws(SQLiteError) {
        _ = Connection.configured
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let code = db.map { sqlite3_extended_errcode($0) } ?? rc
            sqlite3_close_v2(db)
            throw SQLiteError(extendedCode: code, message: message, sql: nil)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Bytes SQLite counts as allocated: 0 while its memory statistics are off (see `configured`).
    public static var libraryMemoryUsed: Int64 { sqlite3_memory_used() }

    /// The SQLite library version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
    }

    /// Compiles one statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, sql: sql) }
        return Statement(connection: self, handle: statement, sql: sql)
    }

    /// Attaches the SQLite file at `path` under the schema `name` (the path is bound, not quoted into the SQL).
    public func attach(_ path: String, as name: String) throws(SQLiteError) {
        let statement = try prepare("ATTACH DATABASE ? AS \(name)")
        statement.bind(path, at: 1)
        try statement.step()
    }

    /// How many databases this connection can attach (SQLite's build sets it; 10 in Debian's).
    public var attachLimit: Int { Int(sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, -1)) }

    /// How long a writer waits for a lock held by another connection.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The SQL of this connection's statements that are stepped but not reset (each keeps a
    /// read transaction open, which holds back checkpoints and WAL restarts).
    public var activeStatements: [String] {
        var out: [String] = []
        var statement = sqlite3_next_stmt(handle, nil)
        while let s = statement {
            if sqlite3_stmt_busy(s) != 0 { out.append(sqlite3_sql(s).map { String(cString: $0) } ?? "?") }
            statement = sqlite3_next_stmt(handle, s)
        }
        return out
    }

    /// Pages this connection has written to the database or its WAL since it was opened
    /// (`SQLITE_DBSTATUS_CACHE_WRITE`): what a commit costs in I/O, for the benchmarks.
    public var pagesWritten: Int {
        var current: Int32 = 0, highwater: Int32 = 0
        sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0)
        return Int(current)
    }

    /// Runs `body` in a transaction; commits when it returns, rolls back when it throws.
    /// `immediate` takes the write lock up front (so a busy journal waits here, not mid-way).
    public func transaction<T>(immediate: Bool = true, _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do throws(SQLiteError) {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `sql` and returns the first column of the first row (nil when no row or NULL).
    public func scalar(_ sql: String) throws(SQLiteError) -> SQLiteValue? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.value(at: 0)
    }

    /// Copies this database to a new file at `destination` with the online backup API.
    public func backup(to destination: String) throws(SQLiteError) {
        let target = try Connection(path: destination, mode: .readWriteCreate)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), sql: nil)
        }
        var rc: Int32
        repeat {
            rc = sqlite3_backup_step(backup, 256)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { sqlite3_sleep(10) }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else { throw target.error(rc, sql: nil) }
    }
}
