import TallyCore
import TallyDigest

/// One order as an export shows it (a canonical CSV folder, NDJSON, or Shopify's CSV),
/// with its fulfillments and refunds.
public struct ExportedOrder: Sendable {
    public struct Fulfillment: Sendable {
        public var id: String, location: String, status: String, carrier: String?, trackingNumber: String?, createdAt: String
        public var lines: [FulfillmentLine]
        public var origin: String, line: Int
    }
    public struct Refund: Sendable {
        public var id: String, amount: Int64, createdAt: String
        public var lines: [RefundLine]
        public var origin: String, line: Int
        /// The export gives the order's refunds so far as one amount (Shopify's Refunded
        /// Amount): only what exceeds the refunds truth has becomes a refund.
        public var cumulative = false
    }
    public var orderID: String
    public var placedAt: String
    public var location: String
    public var currency: String
    public var status: String
    public var cancelledAt: String?
    public var total: Int64
    public var customerEmail: String?
    public var lines: [OrderLine]
    public var fulfillments: [Fulfillment] = []
    public var refunds: [Refund] = []
    /// Where the order's own row is, for messages.
    public var origin: String, line: Int
}

/// An order whose lines or total differ from truth's: reported, never overwritten.
public struct OrderEdit: Sendable {
    public var orderID: String
    public var origin: String, line: Int
    public var detail: String
}

/// Turns exported orders into the events truth lacks (issue 7): new orders, new
/// cancellations, new fulfillments (and fulfillments now cancelled), new refunds. Event
/// ids are derived from the content, so a re-export yields duplicates, not new events.
///
/// Works chunk by chunk (`derive`), keeping only counters between chunks, so an export
/// of millions of rows streams; used from one thread at a time.
public final class OrdersDeriver: @unchecked Sendable {
    let truth: Truth
    let at: Timestamp
    let restockCancelled: Bool
    let source: String
    /// Counters and notes (its `events` stay empty: chunks are returned, not kept).
    public private(set) var result = IngestResult()
    public private(set) var edits: [OrderEdit] = []
    public private(set) var typeCounts: [EventType: Int] = [:]
    public private(set) var ordersRead = 0
    var seenFulfillments = Set<FulfillmentID>(), seenRefunds = Set<RefundID>()
    var refundedByOrder: [OrderID: Int64]?
    var unpriced: [SKU] = [], unpricedSet = Set<SKU>()
    let hasher = SHA256Hasher()

    public init(truth: Truth, at: Timestamp, restockCancelled: Bool, source: String = "orders-export") {
        self.truth = truth; self.at = at; self.restockCancelled = restockCancelled; self.source = source
    }

    /// The events for `orders` (and `rejected` rows, passed through first).
    public func derive(_ orders: [ExportedOrder], rejected: [DerivedEvent] = []) -> [DerivedEvent] {
        var events = rejected
        func add(_ origin: String, _ line: Int, _ kind: String, _ key: [String], _ type: EventType, _ time: String, _ data: [(String, JSONValue)]) {
            events.append(CatalogIngest.event(origin: origin, line: line, id: CatalogIngest.id(kind, key + [time], using: hasher), type: type,
                                              time: time, source: source, data: data))
            typeCounts[type, default: 0] += 1
        }
        ordersRead += orders.count
        for o in orders {
            // Events the export gives no time for happen now, but never before the order's own events.
            var latest = at
            for text in [o.placedAt] + o.fulfillments.map(\.createdAt) + [o.cancelledAt].compactMap({ $0 }) {
                if let t = Timestamp.parse(text), t > latest { latest = t }
            }
            let undated = latest.rfc3339
            for l in o.lines where truth.prices[l.sku] == nil && unpricedSet.insert(l.sku).inserted { unpriced.append(l.sku) }
            let id = OrderID(o.orderID)
            if let known = truth.orders[id] {
                let sameLines = Set(known.lines) == Set(o.lines)
                if !sameLines || known.total != o.total {
                    var what: [String] = []
                    if known.total != o.total { what.append("total \(known.total) in the journal, \(o.total) in the export") }
                    if !sameLines { what += lineDifferences(known.lines, o.lines) }
                    edits.append(OrderEdit(orderID: o.orderID, origin: o.origin, line: o.line, detail: what.joined(separator: "; ")))
                } else {
                    result.unchanged += 1
                }
            } else {
                let data = orderPlacedData(o.orderID, location: o.location, currency: o.currency, total: o.total, lines: o.lines, email: o.customerEmail)
                add(o.origin, o.line, "order", [o.orderID, String(o.total)] + o.lines.map { "\($0.lineID.rawValue)/\($0.sku.rawValue)/\($0.qty)/\($0.unitPrice)/\($0.discount)" },
                    .orderPlaced, o.placedAt, data)
            }
            for f in o.fulfillments where seenFulfillments.insert(FulfillmentID(f.id)).inserted {
                let known = truth.fulfillments[FulfillmentID(f.id)]
                if known == nil {
                    var data: [(String, JSONValue)] = [
                        ("fulfillment_id", .string(f.id)), ("order_id", .string(o.orderID)), ("location", .string(f.location)),
                        ("lines", .array(f.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty))]) })),
                    ]
                    if let c = f.carrier { data.append(("carrier", .string(c))) }
                    if let t = f.trackingNumber { data.append(("tracking_number", .string(t))) }
                    add(f.origin, f.line, "fulfillment", [f.id, o.orderID], .fulfillmentCreated, f.createdAt, data)
                }
                if f.status == "cancelled" && (known == nil || known?.status == .success) {
                    add(f.origin, f.line, "fulfillment-cancelled", [f.id], .fulfillmentCancelled, undated, [("fulfillment_id", .string(f.id))])
                } else if known != nil {
                    result.unchanged += 1
                }
            }
            for r in o.refunds where seenRefunds.insert(RefundID(r.id)).inserted {
                guard truth.refunds[RefundID(r.id)] == nil else { result.unchanged += 1; continue }
                var amount = r.amount
                if r.cumulative {
                    if refundedByOrder == nil {
                        var sums: [OrderID: Int64] = [:]
                        for t in truth.refunds.values { sums[t.orderID, default: 0] += t.amount }
                        refundedByOrder = sums
                    }
                    amount -= refundedByOrder?[id] ?? 0
                    guard amount > 0 else { result.unchanged += 1; continue }
                }
                add(r.origin, r.line, "refund", [r.id, o.orderID, String(amount)], .orderRefunded, r.createdAt.isEmpty ? undated : r.createdAt, [
                    ("order_id", .string(o.orderID)), ("refund_id", .string(r.id)), ("amount", .int(amount)),
                    ("lines", .array(r.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty)), ("restock", .bool($0.restock))]) })),
                ])
            }
            if o.status == "cancelled" && truth.orders[id]?.status != .cancelled {
                add(o.origin, o.line, "order-cancelled", [o.orderID], .orderCancelled, o.cancelledAt ?? undated,
                    [("order_id", .string(o.orderID)), ("restock", .bool(restockCancelled)), ("reason", .string("export"))])
            }
        }
        return events
    }

    /// Call once after the last chunk: adds the notes.
    public func finish() {
        if !unpriced.isEmpty { result.notes.append(CatalogIngest.unknownSKUs(unpriced)) }
    }
}

/// The `data` of an `order.placed` (baselines and order exports build the same one).
func orderPlacedData(_ orderID: String, location: String, currency: String, total: Int64, lines: [OrderLine], email: String?) -> [(String, JSONValue)] {
    var data: [(String, JSONValue)] = [
        ("order_id", .string(orderID)), ("location", .string(location)), ("currency", .string(currency)), ("total", .int(total)),
        ("lines", .array(lines.map { l in
            .obj([("line_id", .string(l.lineID.rawValue)), ("sku", .string(l.sku.rawValue)), ("qty", .int(l.qty)),
                  ("unit_price", .int(l.unitPrice)), ("discount", .int(l.discount))])
        })),
    ]
    if let email { data.append(("customer_email", .string(email))) }
    return data
}

/// "line 1: qty 2 → 3", "line 2 only in the export", ...
func lineDifferences(_ journal: [OrderLine], _ export: [OrderLine]) -> [String] {
    var result: [String] = []
    let exported = Dictionary(export.map { ($0.lineID, $0) }, uniquingKeysWith: { a, _ in a })
    let known = Dictionary(journal.map { ($0.lineID, $0) }, uniquingKeysWith: { a, _ in a })
    for j in journal {
        guard let e = exported[j.lineID] else { result.append("line \(j.lineID.rawValue) only in the journal"); continue }
        var changes: [String] = []
        if j.sku != e.sku { changes.append("sku \(j.sku.rawValue) → \(e.sku.rawValue)") }
        if j.qty != e.qty { changes.append("qty \(j.qty) → \(e.qty)") }
        if j.unitPrice != e.unitPrice { changes.append("unit_price \(j.unitPrice) → \(e.unitPrice)") }
        if j.discount != e.discount { changes.append("discount \(j.discount) → \(e.discount)") }
        if !changes.isEmpty { result.append("line \(j.lineID.rawValue): " + changes.joined(separator: ", ")) }
    }
    for e in export where known[e.lineID] == nil { result.append("line \(e.lineID.rawValue) only in the export") }
    return result
}

/// Readers of order exports into `ExportedOrder`s; bad rows become rejections.
public enum OrderExportReader {
    /// A folder with the canonical schema's order tables as CSV (orders.csv, order_lines.csv,
    /// fulfillments.csv, fulfillment_lines.csv, refunds.csv, refund_lines.csv; missing = empty).
    /// An order with a rejected row of its own (a line, a fulfillment, a refund) is rejected whole.
    public static func canonicalFolder(_ folder: String) throws(StoreError) -> (orders: [ExportedOrder], rejected: [DerivedEvent]) {
        func table(_ name: String) throws(StoreError) -> CSVTable? {
            let path = folder + "/" + name + ".csv"
            guard (try? CSVStoreReader.readFile(path)) != nil else { return nil }
            return try CSVTable.read(path)
        }
        var rejected: [DerivedEvent] = []
        // Keyed by typed ids: they compare by code points, as the contract does.
        var orders: [OrderID: ExportedOrder] = [:]
        var order: [String] = []
        var brokenOrders: [OrderID: String] = [:]
        guard let ordersTable = try table("orders") else { throw .unreadable(path: folder + "/orders.csv", detail: "an orders export needs orders.csv") }
        let c = (id: ordersTable.column("order_id"), placed: ordersTable.column("placed_at"), location: ordersTable.column("location"),
                 currency: ordersTable.column("currency"), status: ordersTable.column("status"), total: ordersTable.column("total"),
                 email: ordersTable.column("customer_email"), cancelled: ordersTable.column("cancelled_at"))
        for row in ordersTable.rows {
            do throws(IngestRowError) {
                try row.checkWidth()
                let id = try row.text(c.id)
                guard let (_, placed) = try row.optionalTimestamp(c.placed) else { throw row.invalid(c.placed, "must not be empty") }
                let status = try row.text(c.status)
                guard status == "open" || status == "cancelled" else { throw row.invalid(c.status, "must be open or cancelled, got \(CanonicalJSON.quoted(status))") }
                if orders[OrderID(id)] != nil { throw row.invalid(c.id, "order \(id) appears twice") }
                orders[OrderID(id)] = ExportedOrder(orderID: id, placedAt: placed, location: try row.text(c.location), currency: try row.text(c.currency),
                                           status: status, cancelledAt: try row.optionalTimestamp(c.cancelled)?.1, total: try row.int(c.total),
                                           customerEmail: row.optionalText(c.email), lines: [], origin: row.file, line: row.line)
                order.append(id)
            } catch {
                rejected.append(row.rejected(error))
            }
        }
        func child(_ row: CSVRow, _ orderID: String?, _ body: (inout ExportedOrder) throws(IngestRowError) -> Void) {
            let key = orderID.map(OrderID.init)
            do throws(IngestRowError) {
                try row.checkWidth()
                guard let key, orders[key] != nil else {
                    throw IngestRowError(message: "\(row.file):\(row.line): order \(orderID ?? "(none)") is not in orders.csv")
                }
                try body(&orders[key]!)
            } catch {
                rejected.append(row.rejected(error))
                if let key, orders[key] != nil, brokenOrders[key] == nil { brokenOrders[key] = "\(row.file):\(row.line)" }
            }
        }
        if let lines = try table("order_lines") {
            let l = (order: lines.column("order_id"), id: lines.column("line_id"), sku: lines.column("sku"), qty: lines.column("qty"),
                     price: lines.column("unit_price"), discount: lines.column("discount"))
            for row in lines.rows {
                child(row, row.optionalText(l.order)) { (o: inout ExportedOrder) throws(IngestRowError) in
                    o.lines.append(OrderLine(lineID: LineID(try row.text(l.id)), sku: SKU(try row.text(l.sku)), qty: try row.int(l.qty),
                                             unitPrice: try row.int(l.price), discount: try row.optionalInt(l.discount) ?? 0))
                }
            }
        }
        var fulfillmentOrder: [FulfillmentID: String] = [:]
        if let fs = try table("fulfillments") {
            let f = (id: fs.column("fulfillment_id"), order: fs.column("order_id"), location: fs.column("location"), status: fs.column("status"),
                     carrier: fs.column("carrier"), tracking: fs.column("tracking_number"), created: fs.column("created_at"))
            for row in fs.rows {
                child(row, row.optionalText(f.order)) { (o: inout ExportedOrder) throws(IngestRowError) in
                    let id = try row.text(f.id)
                    guard let created = try row.optionalTimestamp(f.created) else { throw row.invalid(f.created, "must not be empty") }
                    let status = try row.text(f.status)
                    guard status == "success" || status == "cancelled" else { throw row.invalid(f.status, "must be success or cancelled, got \(CanonicalJSON.quoted(status))") }
                    o.fulfillments.append(.init(id: id, location: try row.text(f.location), status: status,
                                                carrier: row.optionalText(f.carrier), trackingNumber: row.optionalText(f.tracking),
                                                createdAt: created.1, lines: [], origin: row.file, line: row.line))
                    fulfillmentOrder[FulfillmentID(id)] = o.orderID
                }
            }
        }
        if let fl = try table("fulfillment_lines") {
            let x = (id: fl.column("fulfillment_id"), line: fl.column("line_id"), qty: fl.column("qty"))
            for row in fl.rows {
                let fid = row.optionalText(x.id)
                child(row, fid.flatMap { fulfillmentOrder[FulfillmentID($0)] }) { (o: inout ExportedOrder) throws(IngestRowError) in
                    guard let fid, let i = o.fulfillments.firstIndex(where: { sameCodePoints($0.id, fid) }) else { return }
                    o.fulfillments[i].lines.append(FulfillmentLine(lineID: LineID(try row.text(x.line)), qty: try row.int(x.qty)))
                }
            }
        }
        var refundOrder: [RefundID: String] = [:]
        if let rs = try table("refunds") {
            let r = (id: rs.column("refund_id"), order: rs.column("order_id"), amount: rs.column("amount"), created: rs.column("created_at"))
            for row in rs.rows {
                child(row, row.optionalText(r.order)) { (o: inout ExportedOrder) throws(IngestRowError) in
                    let id = try row.text(r.id)
                    guard let created = try row.optionalTimestamp(r.created) else { throw row.invalid(r.created, "must not be empty") }
                    o.refunds.append(.init(id: id, amount: try row.int(r.amount), createdAt: created.1, lines: [], origin: row.file, line: row.line))
                    refundOrder[RefundID(id)] = o.orderID
                }
            }
        }
        if let rl = try table("refund_lines") {
            let x = (id: rl.column("refund_id"), line: rl.column("line_id"), qty: rl.column("qty"), restock: rl.column("restock"))
            for row in rl.rows {
                let rid = row.optionalText(x.id)
                child(row, rid.flatMap { refundOrder[RefundID($0)] }) { (o: inout ExportedOrder) throws(IngestRowError) in
                    guard let rid, let i = o.refunds.firstIndex(where: { sameCodePoints($0.id, rid) }) else { return }
                    let restock = try row.int(x.restock)
                    guard restock == 0 || restock == 1 else { throw row.invalid(x.restock, "must be 0 or 1, got \(restock)") }
                    o.refunds[i].lines.append(RefundLine(lineID: LineID(try row.text(x.line)), qty: try row.int(x.qty), restock: restock == 1))
                }
            }
        }
        var result: [ExportedOrder] = []
        for id in order {
            let o = orders[OrderID(id)]!
            if let place = brokenOrders[OrderID(id)] {
                rejected.append(DerivedEvent(origin: o.origin, line: o.line, text: "order \(id)",
                                             rejection: "\(o.origin):\(o.line): order \(id) was not ingested: its row at \(place) was rejected"))
                continue
            }
            result.append(o)
        }
        return (result, rejected)
    }
}
