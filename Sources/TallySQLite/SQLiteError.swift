import CSQLite

/// An SQLite failure: the extended result code, SQLite's message and the SQL
/// text (never the bound values: they may be customer data).
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String?) {
        self.extendedCode = extendedCode; self.message = message; self.sql = sql
    }

    /// The primary result code (the low byte of the extended one).
    public var primaryCode: Int32 { extendedCode & 0xFF }
    public var isNotADatabase: Bool { primaryCode == SQLITE_NOTADB }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}
