import TallyCore

/// The canonical schema's tables and columns (`store-schema.sql`), for checking and reading.
enum StoreTables {
    struct Column {
        let name: String
        /// NOT NULL without a default: a CSV file must have it.
        let required: Bool
    }

    struct Table {
        let name: String
        let columns: [Column]
        var columnNames: [String] { columns.map(\.name) }
    }

    static func table(_ name: String, _ columns: [(String, Bool)]) -> Table {
        Table(name: name, columns: columns.map { Column(name: $0.0, required: $0.1) })
    }

    static let products = table("products", [("sku", true), ("price", true), ("currency", true), ("compare_at", false)])
    static let inventory = table("inventory_levels", [("sku", true), ("location", true), ("available", true)])
    static let discounts = table("discounts", [("code", true), ("kind", true), ("value", true), ("status", true),
                                              ("starts_at", false), ("ends_at", false), ("usage_limit", false)])
    static let orders = table("orders", [("order_id", true), ("placed_at", true), ("location", true), ("currency", true),
                                        ("status", true), ("total", true), ("customer_email", false)])
    static let orderLines = table("order_lines", [("order_id", true), ("line_id", true), ("sku", true), ("qty", true),
                                                 ("unit_price", true), ("discount", false)])
    static let fulfillments = table("fulfillments", [("fulfillment_id", true), ("order_id", true), ("location", true),
                                                    ("status", true), ("carrier", false), ("tracking_number", false), ("created_at", true)])
    static let fulfillmentLines = table("fulfillment_lines", [("fulfillment_id", true), ("line_id", true), ("qty", true)])
    static let refunds = table("refunds", [("refund_id", true), ("order_id", true), ("amount", true), ("created_at", true)])
    static let refundLines = table("refund_lines", [("refund_id", true), ("line_id", true), ("qty", true), ("restock", true)])

    static let all = [products, inventory, discounts, orders, orderLines, fulfillments, fulfillmentLines, refunds, refundLines]
}

/// One row of a store table, from SQLite or CSV, with typed getters whose
/// errors name the place (file and row) and the column.
protocol StoreRow {
    var place: String { get }
    func optionalText(_ column: Int) throws(StoreError) -> String?
    func optionalInt(_ column: Int) throws(StoreError) -> Int64?
    var columnNames: [String] { get }
}

extension StoreRow {
    func text(_ column: Int) throws(StoreError) -> String {
        guard let value = try optionalText(column) else {
            throw .badCell(place: place, column: columnNames[column], message: "must not be empty (NOT NULL)")
        }
        return value
    }

    func int(_ column: Int) throws(StoreError) -> Int64 {
        guard let value = try optionalInt(column) else {
            throw .badCell(place: place, column: columnNames[column], message: "must not be empty (NOT NULL)")
        }
        return value
    }

    func optionalTimestamp(_ column: Int) throws(StoreError) -> Timestamp? {
        guard let text = try optionalText(column) else { return nil }
        guard let instant = Timestamp.parse(text) else {
            throw .badCell(place: place, column: columnNames[column], message: "must be an RFC 3339 timestamp, got \(CanonicalJSON.quoted(text))")
        }
        return instant
    }

    func oneOf(_ column: Int, _ allowed: [String]) throws(StoreError) -> String {
        let value = try text(column)
        guard allowed.contains(value) else {
            throw .badCell(place: place, column: columnNames[column], message: "must be one of \(allowed.joined(separator: ", ")), got \(CanonicalJSON.quoted(value))")
        }
        return value
    }
}

/// One store row, parsed and checked: every column, whether or not reconcile compares it.
enum StoreRecord {
    /// The statuses the canonical schema allows (its CHECK constraints).
    static let orderStatuses = ["open", "cancelled"]
    static let fulfillmentStatuses = ["success", "cancelled"]

    case product(SKU, StoreSnapshot.Product)
    case inventory(StockKey, Int64)
    case discount(DiscountCode, StoreSnapshot.Discount)
    /// Lines arrive as their own records.
    case order(OrderID, StoreSnapshot.Order)
    case orderLine(OrderID, OrderLine)
    case fulfillment(FulfillmentID, StoreSnapshot.Fulfillment)
    case fulfillmentLine(FulfillmentID, FulfillmentLine)
    case refund(RefundID, StoreSnapshot.Refund)
    case refundLine(RefundID, RefundLine)

    static func parse(_ name: String, _ row: some StoreRow) throws(StoreError) -> StoreRecord {
        switch name {
        case "products":
            return .product(SKU(try row.text(0)), .init(price: try row.int(1), currency: try row.text(2), compareAt: try row.optionalInt(3)))
        case "inventory_levels":
            return .inventory(StockKey(SKU(try row.text(0)), Location(try row.text(1))), try row.int(2))
        case "discounts":
            return .discount(DiscountCode(try row.text(0)), .init(
                kind: try row.oneOf(1, DiscountKind.allCases.map(\.rawValue)), value: try row.int(2),
                status: try row.oneOf(3, ["active", "disabled"]), startsAt: try row.optionalTimestamp(4),
                endsAt: try row.optionalTimestamp(5), usageLimit: try row.optionalInt(6)))
        case "orders":
            return .order(OrderID(try row.text(0)), .init(placedAt: try row.text(1), location: try row.text(2), currency: try row.text(3),
                                                          status: try row.oneOf(4, orderStatuses), total: try row.int(5),
                                                          customerEmail: try row.optionalText(6), lines: []))
        case "order_lines":
            return .orderLine(OrderID(try row.text(0)), OrderLine(lineID: LineID(try row.text(1)), sku: SKU(try row.text(2)), qty: try row.int(3),
                                                                  unitPrice: try row.int(4), discount: try row.optionalInt(5) ?? 0))
        case "fulfillments":
            return .fulfillment(FulfillmentID(try row.text(0)), .init(orderID: try row.text(1), location: try row.text(2),
                                                                      status: try row.oneOf(3, fulfillmentStatuses), carrier: try row.optionalText(4),
                                                                      trackingNumber: try row.optionalText(5), createdAt: try row.text(6), lines: []))
        case "fulfillment_lines":
            return .fulfillmentLine(FulfillmentID(try row.text(0)), FulfillmentLine(lineID: LineID(try row.text(1)), qty: try row.int(2)))
        case "refunds":
            return .refund(RefundID(try row.text(0)), .init(orderID: try row.text(1), amount: try row.int(2), createdAt: try row.text(3), lines: []))
        case "refund_lines":
            let restock = try row.int(3)
            guard restock == 0 || restock == 1 else {
                throw .badCell(place: row.place, column: "restock", message: "must be 0 or 1, got \(restock)")
            }
            return .refundLine(RefundID(try row.text(0)), RefundLine(lineID: LineID(try row.text(1)), qty: try row.int(2), restock: restock == 1))
        default:
            preconditionFailure("unknown store table \(name)")
        }
    }
}

/// Builds a `StoreSnapshot` from rows, table by table.
struct SnapshotBuilder {
    var snapshot = StoreSnapshot()

    mutating func add(_ table: StoreTables.Table, _ row: some StoreRow) throws(StoreError) {
        try add(table.name, row)
    }

    mutating func add(_ name: String, _ row: some StoreRow) throws(StoreError) {
        switch try StoreRecord.parse(name, row) {
        case .product(let sku, let p): snapshot.products[sku] = p
        case .inventory(let key, let available): snapshot.inventory[key] = available
        case .discount(let code, let d): snapshot.discounts[code] = d
        case .order(let id, var order):
            order.lines = snapshot.orders[id]?.lines ?? []
            snapshot.orders[id] = order
        case .orderLine(let id, let line):
            // Parents are read before their lines: a line is attached in place (a line
            // whose order is missing is dropped; the missing order is what reconcile reports).
            snapshot.orders.update(id) { $0.lines.append(line) }
        case .fulfillment(let id, let f): snapshot.fulfillments[id] = f
        case .fulfillmentLine(let id, let line): snapshot.fulfillments.update(id) { $0.lines.append(line) }
        case .refund(let id, let r): snapshot.refunds[id] = r
        case .refundLine(let id, let line): snapshot.refunds.update(id) { $0.lines.append(line) }
        }
    }

    /// Sizes the tables for the rows to come (a regrowth holds the old and the new storage).
    mutating func reserve(orders: Int, fulfillments: Int, refunds: Int) {
        snapshot.orders.reserveCapacity(orders)
        snapshot.fulfillments.reserveCapacity(fulfillments)
        snapshot.refunds.reserveCapacity(refunds)
    }

    mutating func finish() -> StoreSnapshot { snapshot }
}
