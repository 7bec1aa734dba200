import TallyCore
import TallySQLite

/// Turns an SQLite store's rows, read in key order, into `StoreFacts` (and the store's
/// digest when asked), checking every cell as `StoreRecord.parse` does and throwing the
/// same errors, column by column in the same order.
///
/// The six tables of orders, fulfillments and refunds (about 5.7M rows at 930k orders) are
/// read cell by cell: a String is made only of what the facts keep (ids, lines, statuses);
/// the other text cells are checked by their storage class and, for the digest, hashed from
/// SQLite's bytes. The small catalog tables go through `StoreRecord.parse`. Each order is
/// found once for its lines, and a fulfillment's or refund's lines look their parent up once.
struct FactsReader: ~Copyable {
    var facts = StoreFacts()
    private var digest: StoreDigestWriter?
    /// The order whose lines are arriving, and its position in the facts (nil: no such order).
    private var linesOf: (id: String, position: Int?)?
    private var lines: [OrderLine] = []
    /// The fulfillment or refund whose lines are arriving, and whether the store has it.
    private var parent: (id: String, exists: Bool)?
    /// Where the last order, and the last fulfillment or refund, with lines was found.
    private var lastOrderPosition = -1
    private var lastParentPosition = -1

    init(digest: Bool) { self.digest = digest ? StoreDigestWriter() : nil }

    mutating func startTable(_ name: String) {
        flushLines()
        parent = nil
        lastParentPosition = -1
        digest?.table(name)
    }

    mutating func finish() -> (facts: StoreFacts, digest: String?) {
        flushLines()
        facts.finish()
        return (facts, digest?.finish())
    }

    private mutating func flushLines() {
        if let position = linesOf?.position, !lines.isEmpty { facts.setLines(at: position, lines) }
        linesOf = nil
        lines.removeAll(keepingCapacity: true)
    }

    mutating func add(_ table: String, _ row: SQLiteStoreReader.Row) throws(StoreError) {
        let hashing = digest != nil
        switch table {
        case "orders":
            let id = try text(row, 0, hashing)
            try check(row, 1, required: true, hashing); try check(row, 2, required: true, hashing)
            try check(row, 3, required: true, hashing)
            let status = try oneOf(row, 4, StoreRecord.orderStatuses, hashing)
            let total = try int(row, 5, hashing)
            try check(row, 6, required: false, hashing)
            facts.addOrder(OrderID(id), status: status, total: total)
        case "order_lines":
            let id = try row.text(0)
            if linesOf?.id != id {
                flushLines()
                linesOf = (id, Self.position(of: OrderID(id), in: facts.orders, after: &lastOrderPosition))
            }
            // A line without its order is checked, then left out (of the digest too).
            let kept = linesOf?.position != nil
            if kept && hashing { digest!.field(id) }
            let lineID = try text(row, 1, kept && hashing), sku = try text(row, 2, kept && hashing)
            let qty = try int(row, 3, kept && hashing), unitPrice = try int(row, 4, kept && hashing)
            let discount = try row.optionalInt(5) ?? 0
            guard kept else { return }
            if hashing { digest!.int(discount) }
            lines.append(OrderLine(lineID: LineID(lineID), sku: SKU(sku), qty: qty, unitPrice: unitPrice, discount: discount))
        case "fulfillments":
            let id = try text(row, 0, hashing)
            try check(row, 1, required: true, hashing); try check(row, 2, required: true, hashing)
            let status = try oneOf(row, 3, StoreRecord.fulfillmentStatuses, hashing)
            try check(row, 4, required: false, hashing); try check(row, 5, required: false, hashing)
            try check(row, 6, required: true, hashing)
            facts.addFulfillment(FulfillmentID(id), status: status)
        case "fulfillment_lines":
            let kept = try parentRow(row, of: .fulfillment)
            try check(row, 1, required: true, kept && hashing)
            _ = try int(row, 2, kept && hashing)
            guard kept else { return }
        case "refunds":
            let id = try text(row, 0, hashing)
            try check(row, 1, required: true, hashing)
            _ = try int(row, 2, hashing)
            try check(row, 3, required: true, hashing)
            facts.addRefund(RefundID(id))
        case "refund_lines":
            let kept = try parentRow(row, of: .refund)
            try check(row, 1, required: true, kept && hashing)
            _ = try int(row, 2, kept && hashing)
            let restock = try row.int(3)
            guard restock == 0 || restock == 1 else {
                throw .badCell(place: row.place, column: "restock", message: "must be 0 or 1, got \(restock)")
            }
            guard kept else { return }
            if hashing { digest!.int(restock) }
        default:
            let record = try StoreRecord.parse(table, row)
            switch record {
            case .product(let sku, let p): facts.products[sku] = p
            case .inventory(let key, let available): facts.inventory[key] = available
            case .discount(let code, let d): facts.discounts[code] = d
            default: preconditionFailure("\(table) is read cell by cell")
            }
            digest?.add(record)
            return
        }
        if hashing { digest!.row() }
    }

    private enum Parent { case fulfillment, refund }

    /// The position of `key` in `table`, tried first just after the last one found (`last`):
    /// a parent table and its lines are both read in key order, so the lines' parents come in
    /// the order they were added, and the next one is almost always the next entry (a
    /// comparison in memory read in sequence, instead of a hash probe that misses the cache).
    private static func position<Key: TableKey, Value>(of key: Key, in table: KeyedTable<Key, Value>, after last: inout Int) -> Int? {
        let next = last + 1
        if next < table.keys.count && table.keys[next] == key {
            last = next
            return next
        }
        guard let found = table.index(forKey: key) else { return nil }
        last = found
        return found
    }

    /// A fulfillment or refund line: reads its parent's id and whether the store has that
    /// parent (looked up once per parent: lines arrive grouped), and hashes the id if so.
    private mutating func parentRow(_ row: SQLiteStoreReader.Row, of kind: Parent) throws(StoreError) -> Bool {
        let id = try row.text(0)
        if parent?.id != id {
            let exists = switch kind {
            case .fulfillment: Self.position(of: FulfillmentID(id), in: facts.fulfillments, after: &lastParentPosition) != nil
            case .refund: Self.position(of: RefundID(id), in: facts.refunds, after: &lastParentPosition) != nil
            }
            parent = (id, exists)
        }
        let kept = parent!.exists
        if kept { digest?.field(id) }
        return kept
    }

    /// A required text cell the facts keep.
    private mutating func text(_ row: SQLiteStoreReader.Row, _ column: Int, _ hashing: Bool) throws(StoreError) -> String {
        let value = try row.text(column)
        if hashing { digest!.field(value) }
        return value
    }

    /// A required integer cell.
    private mutating func int(_ row: SQLiteStoreReader.Row, _ column: Int, _ hashing: Bool) throws(StoreError) -> Int64 {
        let value = try row.int(column)
        if hashing { digest!.int(value) }
        return value
    }

    private mutating func oneOf(_ row: SQLiteStoreReader.Row, _ column: Int, _ allowed: [String], _ hashing: Bool) throws(StoreError) -> String {
        let value = try row.oneOf(column, allowed)
        if hashing { digest!.field(value) }
        return value
    }

    /// A text cell the facts do not keep: checked as `optionalText` (and `text` when
    /// required) check it, without making a String of it.
    private mutating func check(_ row: SQLiteStoreReader.Row, _ column: Int, required: Bool, _ hashing: Bool) throws(StoreError) {
        let statement = row.statement, index = Int32(column)
        switch statement.storageClass(index) {
        case .text:
            if hashing { statement.withTextBytes(index) { digest!.field(utf8: $0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) } }
        case .integer:
            if hashing { digest!.int(statement.int64(index)) }
        case .null:
            if required { _ = try row.text(column) }
            if hashing { digest!.field(nil) }
        case .real, .blob:
            _ = try row.optionalText(column)
        }
    }
}
