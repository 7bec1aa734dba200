import TallyCore

extension OrderExportReader {
    /// Shopify's admin orders export: one row per line item, columns matched by header name.
    /// The first row of an order carries its fields (Email, Currency, Total, Created at,
    /// Cancelled at, Fulfilled at, Refunded Amount, Location); later rows only the line item.
    /// order_id is the `Id` column when present, else `Name`; line ids are the line items'
    /// positions (1, 2, ...); money is in major units ("19.99"); dates are Shopify's
    /// "2026-11-20 10:15:00 -0500" or RFC 3339. Fulfilled line items form one fulfillment
    /// (`<order>-fulfilled`, at Fulfilled at); Refunded Amount is the order's refunds so far.
    public static func shopifyCSV(_ path: String, defaultLocation: String?) throws(StoreError) -> (orders: [ExportedOrder], rejected: [DerivedEvent]) {
        var orders: [ExportedOrder] = [], rejected: [DerivedEvent] = []
        try shopifyCSV(path, defaultLocation: defaultLocation, onOrder: { orders.append($0) }, onRejected: { rejected.append($0) })
        return (orders, rejected)
    }

    /// The streaming form: each order as soon as its last row is read; nothing is kept.
    public static func shopifyCSV(_ path: String, defaultLocation: String?, onOrder: (ExportedOrder) -> Void,
                                  onRejected: (DerivedEvent) -> Void) throws(StoreError) {
        var c = ShopifyColumns()
        var current: ExportedOrder?
        var currentKey: String?
        var broken = false
        var fulfilledLines: [FulfillmentLine] = []
        var fulfilledTime: String?
        var refundedAmount: Int64 = 0
        var refundRow = (file: CSVTable.fileName(path), line: 0)
        func flush() {
            guard var o = current else { return }
            if !broken {
                if !fulfilledLines.isEmpty {
                    o.fulfillments.append(.init(id: "\(o.orderID)-fulfilled", location: o.location, status: "success", carrier: nil, trackingNumber: nil,
                                                createdAt: fulfilledTime ?? o.placedAt, lines: fulfilledLines, origin: o.origin, line: o.line))
                }
                if refundedAmount > 0 {
                    o.refunds.append(.init(id: "\(o.orderID)-refunded-\(refundedAmount)", amount: refundedAmount, createdAt: "", lines: [],
                                           origin: refundRow.file, line: refundRow.line, cumulative: true))
                }
                onOrder(o)
            }
            current = nil; broken = false; fulfilledLines = []; fulfilledTime = nil; refundedAmount = 0
        }
        func process(_ row: CSVRow) {
            let (name, id, email, currency, total) = (c.name, c.id, c.email, c.currency, c.total)
            let (created, cancelled, fulfilledAt, refunded, location) = (c.created, c.cancelled, c.fulfilledAt, c.refunded, c.location)
            let (qty, price, sku, discount, lineStatus) = (c.qty, c.price, c.sku, c.discount, c.lineStatus)
            let key = row.optionalText(id) ?? row.optionalText(name)
            if key != currentKey { flush(); currentKey = key }
            do throws(IngestRowError) {
                try row.checkWidth()
                guard let key else { throw row.invalid(name, "must not be empty (Name or Id identifies the order)") }
                if current == nil && !broken {
                    guard let createdText = row.optionalText(created) else { throw row.invalid(created, "must not be empty on an order's first row") }
                    guard let placed = shopifyTime(createdText) else { throw row.invalid(created, "must be a date such as 2026-11-20 10:15:00 -0500, got \(CanonicalJSON.quoted(createdText))") }
                    var cancelledAt: String?
                    if let c = row.optionalText(cancelled) {
                        guard let t = shopifyTime(c) else { throw row.invalid(cancelled, "must be a date such as 2026-11-20 10:15:00 -0500, got \(CanonicalJSON.quoted(c))") }
                        cancelledAt = t
                    }
                    if let f = row.optionalText(fulfilledAt) {
                        guard let t = shopifyTime(f) else { throw row.invalid(fulfilledAt, "must be a date such as 2026-11-20 10:15:00 -0500, got \(CanonicalJSON.quoted(f))") }
                        fulfilledTime = t
                    }
                    guard let loc = row.optionalText(location) ?? defaultLocation else { throw row.invalid(location, "must not be empty (or pass --location)") }
                    guard let totalMinor = try row.optionalDecimalMoney(total) else { throw row.invalid(total, "must not be empty on an order's first row") }
                    refundedAmount = try row.optionalDecimalMoney(refunded) ?? 0
                    refundRow = (row.file, row.line)
                    current = ExportedOrder(orderID: key, placedAt: placed, location: loc, currency: try row.text(currency),
                                            status: cancelledAt == nil ? "open" : "cancelled", cancelledAt: cancelledAt, total: totalMinor,
                                            customerEmail: row.optionalText(email), lines: [], origin: row.file, line: row.line)
                }
                guard current != nil else {
                    onRejected(row.rejected(IngestRowError(message: "\(row.file):\(row.line): order \(key) was rejected on an earlier row")))
                    return
                }
                let lineID = LineID(String(current!.lines.count + 1))
                let q = try row.int(qty)
                guard q >= 1 else { throw row.invalid(qty, "must be at least 1, got \(q)") }
                guard let unit = try row.optionalDecimalMoney(price) else { throw row.invalid(price, "must not be empty") }
                current!.lines.append(OrderLine(lineID: lineID, sku: SKU(try row.text(sku)), qty: q, unitPrice: unit,
                                                discount: try row.optionalDecimalMoney(discount) ?? 0))
                if row.optionalText(lineStatus)?.lowercased() == "fulfilled" { fulfilledLines.append(FulfillmentLine(lineID: lineID, qty: q)) }
            } catch {
                onRejected(row.rejected(error))
                if let o = current {
                    onRejected(DerivedEvent(origin: o.origin, line: o.line, text: "order \(o.orderID)",
                                                 rejection: "\(o.origin):\(o.line): order \(o.orderID) was not ingested: its row at \(row.file):\(row.line) was rejected"))
                }
                current = nil
                broken = true
            }
        }
        try CSVTable.stream(path, keep: ShopifyColumns.names, onHeader: { c = ShopifyColumns($0) }, process)
        flush()
    }

    /// The columns the reader uses, found by header name.
    struct ShopifyColumns {
        var name: Int?, id: Int?, email: Int?, currency: Int?, total: Int?, created: Int?, cancelled: Int?, fulfilledAt: Int?
        var refunded: Int?, location: Int?, qty: Int?, price: Int?, sku: Int?, discount: Int?, lineStatus: Int?
        /// Every column the reader looks at (the others are never decoded).
        static let names = ["Name", "Id", "Email", "Currency", "Total", "Created at", "Cancelled at", "Fulfilled at", "Refunded Amount",
                            "Location", "Lineitem quantity", "Lineitem price", "Lineitem sku", "Lineitem discount", "Lineitem fulfillment status"]
        init() {}
        init(_ t: CSVTable) {
            name = t.column("Name"); id = t.column("Id"); email = t.column("Email"); currency = t.column("Currency"); total = t.column("Total")
            created = t.column("Created at"); cancelled = t.column("Cancelled at"); fulfilledAt = t.column("Fulfilled at")
            refunded = t.column("Refunded Amount"); location = t.column("Location")
            qty = t.column("Lineitem quantity"); price = t.column("Lineitem price"); sku = t.column("Lineitem sku")
            discount = t.column("Lineitem discount"); lineStatus = t.column("Lineitem fulfillment status")
        }
    }

    /// "2026-11-20 10:15:00 -0500" → "2026-11-20T10:15:00-05:00"; RFC 3339 passes through.
    static func shopifyTime(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        // Shopify's form is exactly "YYYY-MM-DD HH:MM:SS ±HHMM" (25 bytes); anything else must be RFC 3339.
        guard bytes.count == 25, bytes[10] == 0x20, bytes[19] == 0x20, bytes[20] == UInt8(ascii: "+") || bytes[20] == UInt8(ascii: "-") else {
            return Timestamp.parse(text) != nil ? text : nil
        }
        let candidate = bytes[0..<10] + [UInt8(ascii: "T")] + bytes[11..<19] + bytes[20..<23] + [UInt8(ascii: ":")] + bytes[23..<25]
        let result = String(decoding: candidate, as: UTF8.self)
        return Timestamp.parse(result) == nil ? nil : result
    }
}
