import Foundation
import GRDB
import GRDBSQLite

func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
let n = 500_000
let path = NSTemporaryDirectory() + "/grdbbench-\(getpid()).db"
unlink(path)
var config = Configuration()
config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536") }
let queue = try DatabaseQueue(path: path, configuration: config)
try queue.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA journal_mode=WAL")
    try db.execute(sql: """
    CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, id_key INTEGER NOT NULL, type INTEGER NOT NULL, occurred_us INTEGER NOT NULL,
      data TEXT NOT NULL, order_id TEXT, sku TEXT, location TEXT, amount INTEGER, currency TEXT, customer_email TEXT, lines BLOB);
    CREATE INDEX e1 ON events (id_key); CREATE INDEX e2 ON events (occurred_us, seq); CREATE INDEX e3 ON events (order_id) WHERE order_id IS NOT NULL;
    CREATE INDEX e4 ON events (sku, occurred_us) WHERE sku IS NOT NULL;
    """)
}
let data = "{\"order_id\":\"123456\",\"location\":\"main\",\"currency\":\"USD\",\"lines\":[{\"line_id\":\"1\",\"sku\":\"SKU-123\",\"qty\":2,\"unit_price\":1999}],\"total\":3998}"
let blob = Data(repeating: 7, count: 40)
// 1. GRDB statement with StatementArguments.
var start = now()
try queue.writeWithoutTransaction { db in
    let statement = try db.makeStatement(sql: "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
    var i = 0
    while i < n {
        try db.inTransaction {
            for k in i..<min(n, i + 10_000) {
                try statement.execute(arguments: [k + 1, "ev-\(k)", Int64(k &* 2654435761 % 1_000_000_007), 6, Int64(k) * 1_000_000,
                                                  data, "\(k)", k % 2 == 0 ? "SKU-\(k % 1000)" : nil, "main", 3998, "USD", "a\(k)@example.com", blob])
            }
            return .commit
        }
        i += 10_000
    }
}
let grdbInsert = now() - start
print(String(format: "GRDB insert (Statement.execute(arguments:)), batch 10000: %8.0f rows/s", Double(n) / grdbInsert))
// 2. Raw C API on the same connection, same rows, into a copy of the table.
try queue.writeWithoutTransaction { db in try db.execute(sql: "CREATE TABLE events2 AS SELECT * FROM events WHERE 0; CREATE INDEX f1 ON events2 (id_key); CREATE INDEX f2 ON events2 (occurred_us, seq); CREATE INDEX f3 ON events2 (order_id) WHERE order_id IS NOT NULL; CREATE INDEX f4 ON events2 (sku, occurred_us) WHERE sku IS NOT NULL;") }
start = now()
try queue.writeWithoutTransaction { db in
    let handle = db.sqliteConnection!
    var stmt: OpaquePointer?
    sqlite3_prepare_v2(handle, "INSERT INTO events2 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &stmt, nil)
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    var i = 0
    while i < n {
        sqlite3_exec(handle, "BEGIN", nil, nil, nil)
        for k in i..<min(n, i + 10_000) {
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, Int64(k + 1)); sqlite3_bind_text(stmt, 2, "ev-\(k)", -1, transient)
            sqlite3_bind_int64(stmt, 3, Int64(k &* 2654435761 % 1_000_000_007)); sqlite3_bind_int64(stmt, 4, 6)
            sqlite3_bind_int64(stmt, 5, Int64(k) * 1_000_000); sqlite3_bind_text(stmt, 6, data, -1, transient)
            sqlite3_bind_text(stmt, 7, "\(k)", -1, transient)
            if k % 2 == 0 { sqlite3_bind_text(stmt, 8, "SKU-\(k % 1000)", -1, transient) } else { sqlite3_bind_null(stmt, 8) }
            sqlite3_bind_text(stmt, 9, "main", -1, transient); sqlite3_bind_int64(stmt, 10, 3998); sqlite3_bind_text(stmt, 11, "USD", -1, transient)
            sqlite3_bind_text(stmt, 12, "a\(k)@example.com", -1, transient)
            blob.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, 13, $0.baseAddress, 40, transient) }
            sqlite3_step(stmt)
        }
        sqlite3_exec(handle, "COMMIT", nil, nil, nil)
        i += 10_000
    }
    sqlite3_finalize(stmt)
}
let rawInsert = now() - start
print(String(format: "raw C API insert, same rows, batch 10000:                %8.0f rows/s", Double(n) / rawInsert))
// 3. Scans.
start = now()
var sum: Int64 = 0
try queue.read { db in
    let rows = try Row.fetchCursor(db, sql: "SELECT seq, type, occurred_us, order_id, sku, location, amount, lines FROM events ORDER BY occurred_us, seq")
    while let row = try rows.next() {
        let seq: Int64 = row[0]; let occurred: Int64 = row[2]; let order: String? = row[3]; let sku: String? = row[4]; let amount: Int64? = row[6]; let lines: Data? = row[7]
        sum &+= seq &+ occurred &+ Int64(order?.utf8.count ?? 0) &+ Int64(sku?.utf8.count ?? 0) &+ (amount ?? 0) &+ Int64(lines?.count ?? 0)
    }
}
let grdbScan = now() - start
print(String(format: "GRDB scan (Row.fetchCursor, typed subscripts):          %8.0f rows/s", Double(n) / grdbScan))
start = now()
try queue.read { db in
    var stmt: OpaquePointer?
    sqlite3_prepare_v2(db.sqliteConnection, "SELECT seq, type, occurred_us, order_id, sku, location, amount, lines FROM events ORDER BY occurred_us, seq", -1, &stmt, nil)
    while sqlite3_step(stmt) == SQLITE_ROW {
        let order = sqlite3_column_text(stmt, 3).map { String(cString: $0) }
        let sku = sqlite3_column_text(stmt, 4).map { String(cString: $0) }
        let lines = Int64(sqlite3_column_bytes(stmt, 7))
        sum &+= sqlite3_column_int64(stmt, 0) &+ sqlite3_column_int64(stmt, 2) &+ Int64(order?.utf8.count ?? 0) &+ Int64(sku?.utf8.count ?? 0) &+ sqlite3_column_int64(stmt, 6) &+ lines
    }
    sqlite3_finalize(stmt)
}
let rawScan = now() - start
print(String(format: "raw C API scan, same columns:                           %8.0f rows/s  (checksum %lld)", Double(n) / rawScan, sum % 1000))
unlink(path)
