import CSQLite

/// A compiled statement. Finalized in `deinit`; one `step` loop maps DONE / ROW / error.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    unowned let connection: Connection

    init(connection: Connection, handle: OpaquePointer, sql: String) {
        self.connection = connection; self.handle = handle; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Advances: true when a row is ready, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, sql: sql)
        }
    }

    /// Resets for the next execution and clears the bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Binding (1-based indexes, as SQLite numbers parameters)

    public func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    public func bind(_ value: Int64?, at index: Int32) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    public func bind(_ value: String?, at index: Int32) {
        guard let value else { sqlite3_bind_null(handle, index); return }
        var copy = value
        copy.withUTF8 { bind(utf8: UnsafeRawBufferPointer($0), at: index) }
    }

    public func bind(blob: [UInt8]?, at index: Int32) {
        guard let blob else { sqlite3_bind_null(handle, index); return }
        blob.withUnsafeBytes { buffer in
            _ = sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(buffer.count), csqlite_transient())
        }
    }

    /// Binds UTF-8 text given as bytes (SQLite copies them).
    public func bind(utf8 text: UnsafeRawBufferPointer, at index: Int32) {
        // An empty string still needs a non-NULL pointer, or SQLite binds NULL.
        if let base = text.baseAddress?.assumingMemoryBound(to: CChar.self) {
            _ = sqlite3_bind_text(handle, index, base, Int32(text.count), csqlite_transient())
        } else {
            _ = sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
        }
    }

    /// Binds UTF-8 text in place, without a copy: the bytes must stay valid and unchanged
    /// until the statement is reset (which clears its bindings) after its last step.
    public func bind(borrowedUTF8 text: UnsafeRawBufferPointer, at index: Int32) {
        // An empty string still needs a non-NULL pointer (or SQLite binds NULL) that stays valid.
        let base = text.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(Statement.emptyText)
        _ = sqlite3_bind_text(handle, index, base, Int32(text.count), csqlite_static())
    }

    /// One NUL byte for the life of the process: borrowed empty text points here.
    private nonisolated(unsafe) static let emptyText: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Binds a blob in place, without a copy (the same rule as `bind(borrowedUTF8:at:)`).
    public func bind(borrowedBlob blob: UnsafeRawBufferPointer, at index: Int32) {
        _ = sqlite3_bind_blob(handle, index, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(blob.count), csqlite_static())
    }

    public func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }

    public func bind(_ value: SQLiteValue, at index: Int32) {
        switch value {
        case .null: bindNull(at: index)
        case .integer(let v): bind(v, at: index)
        case .real(let v): sqlite3_bind_double(handle, index, v)
        case .text(let v): bind(v, at: index)
        case .blob(let v): bind(blob: v, at: index)
        }
    }

    // MARK: Columns (0-based)

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(_ index: Int32) -> String { String(cString: sqlite3_column_name(handle, index)) }

    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    public func optionalInt64(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }

    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    public func text(_ index: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func optionalText(_ index: Int32) -> String? { isNull(index) ? nil : text(index) }

    public func blob(_ index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The raw bytes of a TEXT or BLOB column without copying (nil for NULL); valid only inside `body`.
    public func withRawBytes<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer?) throws -> T) rethrows -> T {
        try body(unsafeRawBytes(index))
    }

    /// The raw UTF-8 of a column as text without copying (nil for NULL), valid until the
    /// statement steps or resets, or this column is read as another type: for loops over many
    /// columns that cannot afford a closure each (see `withTextBytes`).
    @inline(__always)
    public func unsafeTextBytes(_ index: Int32) -> UnsafeRawBufferPointer? {
        guard let pointer = sqlite3_column_text(handle, index) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// A column's bytes as `withRawBytes` gives them (nil for NULL), valid as `unsafeTextBytes`'s are.
    @inline(__always)
    public func unsafeRawBytes(_ index: Int32) -> UnsafeRawBufferPointer? {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return nil
        case SQLITE_BLOB: return UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, index), count: Int(sqlite3_column_bytes(handle, index)))
        default: return UnsafeRawBufferPointer(start: sqlite3_column_text(handle, index), count: Int(sqlite3_column_bytes(handle, index)))
        }
    }

    /// The raw UTF-8 of a TEXT column without copying (nil for NULL); valid only inside `body`.
    @inline(__always)
    public func withTextBytes<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer?) throws -> T) rethrows -> T {
        try body(unsafeTextBytes(index))
    }

    /// The column's text when its storage class is TEXT, else nil (one type check, no enum).
    @inline(__always)
    public func textIfText(_ index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) == SQLITE_TEXT, let pointer = sqlite3_column_text(handle, index) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, index))), as: UTF8.self)
    }

    /// The column's value when its storage class is INTEGER, else nil.
    @inline(__always)
    public func int64IfInteger(_ index: Int32) -> Int64? {
        sqlite3_column_type(handle, index) == SQLITE_INTEGER ? sqlite3_column_int64(handle, index) : nil
    }

    /// A column's storage class, without reading its value.
    public enum StorageClass: Sendable { case integer, real, text, blob, null }

    @inline(__always)
    public func storageClass(_ index: Int32) -> StorageClass {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_NULL: .null
        default: .blob
        }
    }

    /// The column as one closed enum value.
    public func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(text(index))
        default: return .blob(blob(index))
        }
    }
}
