import Glibc
import TallyCore
import TallySQLite

/// The catch-up of the derived tables (`order_skus` and the lookup tables by SKU, email and
/// tracking number): one scan of the events appended since each table's mark, the rows
/// gathered per table with their keys' bytes in one buffer, sorted in the table's key order
/// and inserted a chunk at a time, so each B-tree page is written once a chunk. It replaced
/// three `INSERT ... SELECT ... ORDER BY` statements (three scans of the same rows, sorted by
/// SQLite's sorter) and a fourth scan for `order_skus`: docs/benchmarks.md, ninth session.
extension Journal {
    /// Rows held across all tables before the largest table's are sorted and inserted: bounds
    /// the catch-up's memory (a 1 GB append adds about 7.5M rows; 262,144 take about 16 MB).
    static let derivedChunkRows = 262_144

    /// Brings the derived tables up to date, in the caller's write transaction: `order_skus`
    /// when `orderSKUs`, the lookup tables when `lookups`. Each mark (`order_skus_seq`,
    /// `lookups_seq`) then says the head read here.
    func fillDerivedTables(orderSKUs: Bool, lookups: Bool, chunkRows: Int) throws(SQLiteError) {
        let head = try self.headRecord().seq
        let skuMark: Int64? = orderSKUs ? try orderSKUsSeq() : nil
        let storedLookups = lookups ? try metaSeq("lookups_seq") : nil
        let lookupMark: Int64? = lookups ? storedLookups ?? 0 : nil
        let from = [skuMark, lookupMark].compactMap { $0 }.min() ?? head
        if head > from {
            var fills: [DerivedTableFill] = []
            if orderSKUs { fills.append(try DerivedTableFill(self, "INSERT OR IGNORE INTO order_skus (sku, occurred_us, seq) VALUES (?, ?, ?)")) }
            if lookups {
                fills.append(try DerivedTableFill(self, "INSERT OR IGNORE INTO lookup_skus (sku, type, occurred_us, seq) VALUES (?, ?, ?, ?)", typed: true))
                fills.append(try DerivedTableFill(self, "INSERT OR IGNORE INTO lookup_emails (email, occurred_us, seq) VALUES (?, ?, ?)"))
                fills.append(try DerivedTableFill(self, "INSERT OR IGNORE INTO lookup_trackings (tracking_number, occurred_us, seq) VALUES (?, ?, ?)"))
            }
            defer { for fill in fills { fill.insert.reset() } }
            let orderSKUTable = orderSKUs ? 0 : nil
            let lookupTable = lookups ? (orderSKUs ? 1 : 0) : nil
            let read = try cached("SELECT seq, type, occurred_us, sku, customer_email, tracking_number, replay FROM events WHERE seq > ? AND seq <= ?")
            defer { read.reset() }
            read.bind(from, at: 1); read.bind(head, at: 2)
            var skus: [Range<Int>] = []
            var held = 0
            while try read.step() {
                let seq = read.int64(0), type = read.int64(1), occurredUs = read.int64(2)
                if let first = lookupTable, seq > lookupMark! {
                    for (offset, column) in [Int32(3), 4, 5].enumerated() {
                        read.withTextBytes(column) { key in
                            guard let key else { return }
                            fills[first + offset].rows.add(key, type: offset == 0 ? type : 0, occurredUs: occurredUs, seq: seq)
                            held += 1
                        }
                    }
                }
                if let table = orderSKUTable, seq > skuMark!, type == Int64(EventType.orderPlaced.code) {
                    read.withRawBytes(6) { bytes in
                        guard let bytes, ReplayRecord.orderPlacedSKUs(bytes, into: &skus) else { return }
                        for sku in skus { fills[table].rows.add(UnsafeRawBufferPointer(rebasing: bytes[sku]), occurredUs: occurredUs, seq: seq) }
                        held += skus.count
                    }
                }
                if held >= chunkRows {
                    // The table holding most rows goes in: memory stays at about one chunk.
                    let largest = fills.indices.max { fills[$0].rows.count < fills[$1].rows.count }!
                    held -= fills[largest].rows.count
                    try fills[largest].flush()
                }
            }
            for index in fills.indices { try fills[index].flush() }
        }
        if let skuMark, head > skuMark { try setMetaSeq("order_skus_seq", head) }
        if let lookupMark, head > lookupMark || storedLookups == nil { try setMetaSeq("lookups_seq", head) }
    }

    private func setMetaSeq(_ key: String, _ seq: Int64) throws(SQLiteError) {
        let meta = try cached("INSERT OR REPLACE INTO journal_meta (key, value) VALUES (?, ?)")
        defer { meta.reset() }
        meta.bind(key, at: 1); meta.bind(String(seq), at: 2)
        try meta.step()
    }
}

/// One derived table being filled: its insert and the rows waiting for it.
struct DerivedTableFill {
    let insert: Statement
    /// Whether the table has a `type` column after its key (`lookup_skus`).
    let typed: Bool
    var rows = KeyRows()

    init(_ journal: Journal, _ sql: String, typed: Bool = false) throws(SQLiteError) {
        insert = try journal.cached(sql)
        self.typed = typed
    }

    /// Sorts and inserts the rows held, and empties them.
    mutating func flush() throws(SQLiteError) {
        rows.sort()
        let insert = self.insert, typed = self.typed
        try rows.forEachSortedRow { key, type, occurredUs, seq throws(SQLiteError) in
            insert.reset()
            insert.bind(utf8: key, at: 1)
            if typed {
                insert.bind(type, at: 2); insert.bind(occurredUs, at: 3); insert.bind(seq, at: 4)
            } else {
                insert.bind(occurredUs, at: 2); insert.bind(seq, at: 3)
            }
            try insert.step()
        }
        rows.removeAll()
    }
}

/// Rows of a derived table keyed by text: (key, type, occurred_us, seq), with the keys' bytes
/// in one buffer (no string per row), sorted in the table's key order: key bytes as SQLite's
/// BINARY collation compares them, then type, occurred_us, seq. Tables without a `type`
/// column add every row with type 0.
struct KeyRows {
    /// `head` and `next` are the key's first 16 bytes, big-endian and zero-padded, so most
    /// comparisons are two integer compares instead of a `memcmp` call.
    private struct Row { var head: UInt64, next: UInt64, start: Int, count: Int, type: Int64, occurredUs: Int64, seq: Int64 }
    private var bytes: [UInt8] = []
    private var rows: [Row] = []
    private var sorted = true

    var count: Int { rows.count }

    mutating func add(_ key: UnsafeRawBufferPointer, type: Int64 = 0, occurredUs: Int64, seq: Int64) {
        var head: UInt64 = 0, next: UInt64 = 0
        for i in 0..<16 {
            let byte = i < key.count ? UInt64(key[i]) : 0
            if i < 8 { head = head << 8 | byte } else { next = next << 8 | byte }
        }
        rows.append(Row(head: head, next: next, start: bytes.count, count: key.count, type: type, occurredUs: occurredUs, seq: seq))
        bytes.append(contentsOf: key)
        sorted = rows.count == 1
    }

    /// Empties the rows and gives their memory back (four tables keeping their largest
    /// chunk's capacity would hold several chunks' worth between them).
    mutating func removeAll() {
        rows = []
        bytes = []
        sorted = true
    }

    /// Puts the rows in key order.
    mutating func sort() {
        guard !sorted else { return }
        var rows: [Row] = []
        swap(&rows, &self.rows)
        bytes.withUnsafeBytes { all in rows.sort { Self.order($0, $1, all) < 0 } }
        swap(&rows, &self.rows)
        sorted = true
    }

    /// Hands the rows of a sorted chunk to `emit` in key order, each once (a SKU an order
    /// names twice is one row: equal rows sort next to each other and only the first is emitted).
    func forEachSortedRow(_ emit: (UnsafeRawBufferPointer, Int64, Int64, Int64) throws(SQLiteError) -> Void) throws(SQLiteError) {
        precondition(sorted, "KeyRows: sort() before reading the rows in order")
        // `withUnsafeBytes` does not carry a typed error: `emit`'s comes back as a value.
        let failure = bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) -> SQLiteError? in
            var previous: Row?
            for row in rows {
                if let previous, Self.order(previous, row, all) == 0 { continue }
                previous = row
                do throws(SQLiteError) {
                    try emit(UnsafeRawBufferPointer(rebasing: all[row.start..<(row.start + row.count)]), row.type, row.occurredUs, row.seq)
                } catch { return error }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// -1, 0 or 1 as `a` sorts before, with or after `b`.
    private static func order(_ a: Row, _ b: Row, _ all: UnsafeRawBufferPointer) -> Int {
        if a.head != b.head { return a.head < b.head ? -1 : 1 }
        if a.next != b.next { return a.next < b.next ? -1 : 1 }
        // The first 16 bytes (or all of the shorter key) are equal: the rest decides.
        let shared = min(a.count, b.count)
        if shared > 16 {
            let c = memcmp(all.baseAddress! + a.start + 16, all.baseAddress! + b.start + 16, shared - 16)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        if a.type != b.type { return a.type < b.type ? -1 : 1 }
        if a.occurredUs != b.occurredUs { return a.occurredUs < b.occurredUs ? -1 : 1 }
        return a.seq == b.seq ? 0 : (a.seq < b.seq ? -1 : 1)
    }
}
