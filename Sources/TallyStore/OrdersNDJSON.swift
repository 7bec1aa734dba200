import TallyCore

extension OrderExportReader {
    /// NDJSON: one order a line, the canonical schema's columns with its children nested:
    /// `{"order_id", "placed_at", "location", "currency", "status", "total", "customer_email",
    /// "cancelled_at", "lines": [...], "fulfillments": [{..., "lines": [...]}], "refunds": [{..., "lines": [...]}]}`.
    public static func ndjson(_ path: String) throws(StoreError) -> (orders: [ExportedOrder], rejected: [DerivedEvent]) {
        let bytes = try CSVStoreReader.readFile(path)
        let name = String(path.split(separator: "/").last ?? Substring(path))
        var orders: [ExportedOrder] = [], rejected: [DerivedEvent] = []
        var seen = Set<OrderID>()
        var lineNumber = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: raw, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do throws(IngestRowError) {
                let order = try Self.order(from: Array(raw), file: name, line: lineNumber)
                guard seen.insert(OrderID(order.orderID)).inserted else {
                    throw IngestRowError(message: "\(name):\(lineNumber): order \(order.orderID) appears twice")
                }
                orders.append(order)
            } catch {
                rejected.append(DerivedEvent(origin: name, line: lineNumber, text: text, rejection: error.message))
            }
        }
        return (orders, rejected)
    }

    static func order(from bytes: [UInt8], file: String, line: Int) throws(IngestRowError) -> ExportedOrder {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw IngestRowError(message: "\(file):\(line): not valid JSON: \(error.message)") }
        let r = Fields(file: file, line: line)
        let o = try r.object(value, "the order")
        var order = ExportedOrder(
            orderID: try r.string(o, "order_id"), placedAt: try r.time(o, "placed_at"), location: try r.string(o, "location"),
            currency: try r.string(o, "currency"), status: try r.oneOf(o, "status", StoreRecord.orderStatuses),
            cancelledAt: try r.optionalTime(o, "cancelled_at"), total: try r.int(o, "total"),
            customerEmail: try r.optionalString(o, "customer_email"), lines: [], origin: file, line: line)
        for (i, l) in try r.array(o, "lines").enumerated() {
            let x = try r.object(l, "lines[\(i)]")
            order.lines.append(OrderLine(lineID: LineID(try r.string(x, "line_id", in: "lines[\(i)]")), sku: SKU(try r.string(x, "sku", in: "lines[\(i)]")),
                                         qty: try r.int(x, "qty", in: "lines[\(i)]"), unitPrice: try r.int(x, "unit_price", in: "lines[\(i)]"),
                                         discount: try r.optionalInt(x, "discount", in: "lines[\(i)]") ?? 0))
        }
        for (i, f) in try r.array(o, "fulfillments", optional: true).enumerated() {
            let at = "fulfillments[\(i)]"
            let x = try r.object(f, at)
            var fulfillment = ExportedOrder.Fulfillment(
                id: try r.string(x, "fulfillment_id", in: at), location: try r.string(x, "location", in: at),
                status: try r.oneOf(x, "status", StoreRecord.fulfillmentStatuses, in: at), carrier: try r.optionalString(x, "carrier", in: at),
                trackingNumber: try r.optionalString(x, "tracking_number", in: at), createdAt: try r.time(x, "created_at", in: at),
                lines: [], origin: file, line: line)
            for (j, l) in try r.array(x, "lines", in: at).enumerated() {
                let y = try r.object(l, "\(at).lines[\(j)]")
                fulfillment.lines.append(FulfillmentLine(lineID: LineID(try r.string(y, "line_id", in: "\(at).lines[\(j)]")), qty: try r.int(y, "qty", in: "\(at).lines[\(j)]")))
            }
            order.fulfillments.append(fulfillment)
        }
        for (i, f) in try r.array(o, "refunds", optional: true).enumerated() {
            let at = "refunds[\(i)]"
            let x = try r.object(f, at)
            var refund = ExportedOrder.Refund(id: try r.string(x, "refund_id", in: at), amount: try r.int(x, "amount", in: at),
                                              createdAt: try r.time(x, "created_at", in: at), lines: [], origin: file, line: line)
            for (j, l) in try r.array(x, "lines", in: at, optional: true).enumerated() {
                let p = "\(at).lines[\(j)]"
                let y = try r.object(l, p)
                refund.lines.append(RefundLine(lineID: LineID(try r.string(y, "line_id", in: p)), qty: try r.int(y, "qty", in: p), restock: try r.bool(y, "restock", in: p)))
            }
            order.refunds.append(refund)
        }
        return order
    }

    /// Field getters whose errors name the file, line and field path.
    struct Fields {
        let file: String, line: Int
        func fail(_ path: String, _ rule: String) -> IngestRowError { IngestRowError(message: "\(file):\(line): \(path) \(rule)") }
        func path(_ key: String, _ parent: String?) -> String { parent.map { "\($0).\(key)" } ?? key }
        func object(_ v: JSONValue, _ what: String) throws(IngestRowError) -> JSONObject {
            guard case .object(let o) = v else { throw fail(what, "must be an object") }
            return o
        }
        func string(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> String {
            guard let s = try optionalString(o, key, in: parent), !s.isEmpty else { throw fail(path(key, parent), "is required (a non-empty string)") }
            return s
        }
        func optionalString(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> String? {
            switch o[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case let v?: throw fail(path(key, parent), "must be a string, got \(v.shortDescription)")
            }
        }
        func optionalInt(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> Int64? {
            switch o[key] {
            case nil, .null?: return nil
            case .number(let n)? where n.int64 != nil: return n.int64
            case let v?: throw fail(path(key, parent), "must be an integer, got \(v.shortDescription)")
            }
        }
        func int(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> Int64 {
            guard let v = try optionalInt(o, key, in: parent) else { throw fail(path(key, parent), "is required (an integer)") }
            return v
        }
        func bool(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> Bool {
            guard case .bool(let b)? = o[key] else { throw fail(path(key, parent), "must be true or false") }
            return b
        }
        func oneOf(_ o: JSONObject, _ key: String, _ allowed: [String], in parent: String? = nil) throws(IngestRowError) -> String {
            let s = try string(o, key, in: parent)
            guard allowed.contains(s) else { throw fail(path(key, parent), "must be one of \(allowed.joined(separator: ", ")), got \(CanonicalJSON.quoted(s))") }
            return s
        }
        func optionalTime(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> String? {
            guard let s = try optionalString(o, key, in: parent) else { return nil }
            guard Timestamp.parse(s) != nil else { throw fail(path(key, parent), "must be an RFC 3339 timestamp, got \(CanonicalJSON.quoted(s))") }
            return s
        }
        func time(_ o: JSONObject, _ key: String, in parent: String? = nil) throws(IngestRowError) -> String {
            guard let s = try optionalTime(o, key, in: parent) else { throw fail(path(key, parent), "is required (an RFC 3339 timestamp)") }
            return s
        }
        func array(_ o: JSONObject, _ key: String, in parent: String? = nil, optional: Bool = false) throws(IngestRowError) -> [JSONValue] {
            switch o[key] {
            case .array(let a)?: return a
            case nil where optional: return []
            case .null? where optional: return []
            default: throw fail(path(key, parent), "must be an array")
            }
        }
    }
}
