#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallySQLite

/// Reads a canonical SQLite store, opened read-only, schema checked up front.
enum SQLiteStoreReader {
    struct Row: StoreRow {
        let statement: Statement
        let path: String
        let table: String
        let rowIDColumn: Int32
        let columnNames: [String]

        /// Built only when an error needs it.
        var place: String { "\(path): \(table) rowid \(statement.int64(rowIDColumn))" }

        func optionalText(_ column: Int) throws(StoreError) -> String? {
            if let text = statement.textIfText(Int32(column)) { return text }
            switch statement.value(at: Int32(column)) {
            case .null: return nil
            case .text(let s): return s
            case .integer(let i): return String(i)
            case .real, .blob:
                throw .badCell(place: place, column: columnNames[column], message: "must be text")
            }
        }

        func optionalInt(_ column: Int) throws(StoreError) -> Int64? {
            if let int = statement.int64IfInteger(Int32(column)) { return int }
            switch statement.value(at: Int32(column)) {
            case .null: return nil
            case .integer(let i): return i
            case .text(let s):
                if let i = Int64(s) { return i }
                throw .badCell(place: place, column: columnNames[column], message: "must be an integer, got \(CanonicalJSON.quoted(s))")
            case .real(let d):
                throw .badCell(place: place, column: columnNames[column], message: "must be an integer, got \(d)")
            case .blob:
                throw .badCell(place: place, column: columnNames[column], message: "must be an integer, got a blob")
            }
        }
    }

    static func open(_ path: String) throws(StoreError) -> Connection {
        guard access(path, R_OK) == 0 else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
        do throws(SQLiteError) {
            let connection = try Connection(path: path, mode: .readOnly)
            _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
            // The store is read once, table by table: a small page cache is enough.
            try connection.execute("PRAGMA cache_size=-8192")
            return connection
        } catch {
            throw .unreadable(path: path, detail: error.isNotADatabase ? "not an SQLite database" : error.message)
        }
    }

    /// Checks every table and column of the canonical schema.
    static func checkSchema(_ connection: Connection, path: String) throws(StoreError) {
        for table in StoreTables.all {
            var present: Set<String> = []
            do throws(SQLiteError) {
                let info = try connection.prepare("PRAGMA table_info(\(table.name))")
                while try info.step() { present.insert(info.text(1)) }
            } catch {
                throw .unreadable(path: path, detail: error.message)
            }
            if present.isEmpty { throw .missingTable(path: path, table: table.name) }
            for column in table.columns where !present.contains(column.name) {
                throw .missingColumn(path: path, table: table.name, column: column.name)
            }
        }
    }

    static func read(_ path: String) throws(StoreError) -> StoreSnapshot {
        var builder = SnapshotBuilder()
        try forEachRow(path, inKeyOrder: false, sizes: { builder.reserve(orders: $0, fulfillments: $1, refunds: $2) }) { table, row in
            try builder.add(table, row)
        }
        return builder.finish()
    }

    /// Opens the store, checks its schema, gives `sizes` the row counts of orders,
    /// fulfillments and refunds, then hands every row to `body`, table by table in
    /// `StoreTables.all` order (`inKeyOrder`: each table sorted by its primary key, BINARY).
    /// `tableStart` is called before each table's rows.
    static func forEachRow(_ path: String, inKeyOrder: Bool, sizes: (Int, Int, Int) -> Void, tableStart: (String) -> Void = { _ in },
                           _ body: (String, Row) throws -> Void) throws(StoreError) {
        let connection = try open(path)
        try checkSchema(connection, path: path)
        func count(_ table: String) -> Int {
            if case .integer(let n)? = try? connection.scalar("SELECT count(*) FROM \(table)") { return Int(n) }
            return 0
        }
        sizes(count("orders"), count("fulfillments"), count("refunds"))
        for table in StoreTables.all {
            tableStart(table.name)
            do {
                let order = inKeyOrder ? " ORDER BY " + keys[table.name]!.map { "\($0) COLLATE BINARY" }.joined(separator: ", ") : ""
                let statement = try connection.prepare("SELECT \(table.columnNames.joined(separator: ", ")), rowid FROM \(table.name)\(order)")
                let row = Row(statement: statement, path: path, table: table.name, rowIDColumn: Int32(table.columns.count),
                              columnNames: table.columnNames)
                while try statement.step() { try body(table.name, row) }
            } catch let error as SQLiteError {
                throw .unreadable(path: path, detail: error.message)
            } catch let error as StoreError {
                throw error
            } catch {
                throw .unreadable(path: path, detail: "\(error)")
            }
        }
    }

    /// Each table's primary key (the canonical schema's), the order the facts are read in.
    static let keys: [String: [String]] = [
        "products": ["sku"], "inventory_levels": ["sku", "location"], "discounts": ["code"],
        "orders": ["order_id"], "order_lines": ["order_id", "line_id"], "fulfillments": ["fulfillment_id"],
        "fulfillment_lines": ["fulfillment_id", "line_id"], "refunds": ["refund_id"], "refund_lines": ["refund_id", "line_id"],
    ]

    /// Reads what reconcile compares, table by table in key order, checking every cell as
    /// `read` does; hashes every row into the digest on the way when asked (`FactsReader`).
    static func readFacts(_ path: String, digest: Bool) throws(StoreError) -> (facts: StoreFacts, digest: String?) {
        var reader = FactsReader(digest: digest)
        try forEachRow(path, inKeyOrder: true, sizes: { reader.facts.reserve(orders: $0, fulfillments: $1, refunds: $2) },
                       tableStart: { reader.startTable($0) }) { table, row in
            try reader.add(table, row)
        }
        return reader.finish()
    }
}
