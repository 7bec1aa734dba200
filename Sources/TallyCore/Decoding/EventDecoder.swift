/// Strict decoding and validation of one NDJSON line into an `Event` (contract §2, §3, §10).
public enum EventDecoder {
    /// Decodes one line. `input` and `line` only name the place in messages.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, input: String, line: Int) -> Result<Event, Rejection> {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(bytes)
        } catch {
            return .failure(Rejection(input: input, line: line, eventID: nil, message: "\(input):\(line): \(error.message)"))
        }
        return decode(value, input: input, line: line)
    }

    /// Decodes a line given as a string (tests and small inputs).
    public static func decode(_ text: String, input: String = "-", line: Int = 1) -> Result<Event, Rejection> {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { decode($0, input: input, line: line) }
    }

    /// Decodes an already parsed JSON value.
    public static func decode(_ value: JSONValue, input: String, line: Int) -> Result<Event, Rejection> {
        guard case .object(let envelope) = value else {
            return .failure(Rejection(input: input, line: line, eventID: nil,
                                      message: "\(input):\(line): an event must be a JSON object, got \(value.shortDescription)"))
        }
        var eventID: String?
        if case .string(let text)? = envelope["id"] { eventID = text }
        var typeName: String?
        do throws(FieldError) {
            let reader = FieldReader(envelope, path: "")
            let id = try reader.identifier("id")
            let typeValue = try reader.requiredValue("type")
            guard case .string(let name) = typeValue, let type = EventType(rawValue: name) else {
                let names = EventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw FieldError(path: "type", rule: "must be one of \(names)", got: typeValue)
            }
            typeName = name
            let (occurredAt, occurredText) = try reader.timestamp("occurred_at")
            let source = try reader.optionalString("source") ?? "unknown"
            let data = try reader.object("data")
            let (payload, canonical) = try decodeData(type: type, data: data)
            return .success(Event(id: EventID(id), occurredAt: occurredAt, occurredAtText: occurredText,
                                  source: source, payload: payload, canonicalData: canonical))
        } catch {
            let prefix = typeName.map { "\(input):\(line): \($0): " } ?? "\(input):\(line): "
            return .failure(Rejection(input: input, line: line, eventID: eventID, message: prefix + error.text))
        }
    }

    /// Validates `data` for `type`; returns the typed payload and the canonical data text.
    static func decodeData(type: EventType, data: JSONObject) throws(FieldError) -> (EventPayload, String) {
        let d = FieldReader(data, path: "data")
        let payload: EventPayload
        var optionalKeys: Set<String> = []
        var stripLineDiscountNull = false
        switch type {
        case .priceChanged:
            optionalKeys = ["compare_at"]
            payload = .priceChanged(PriceChanged(
                sku: SKU(try d.identifier("sku")), price: try d.integer("price", minimum: 0),
                currency: try d.currency("currency"), compareAt: try d.optionalInteger("compare_at", minimum: 0)))
        case .inventorySet:
            payload = .inventorySet(InventorySet(
                sku: SKU(try d.identifier("sku")), location: Location(try d.identifier("location")),
                available: try d.integer("available"), reason: try d.oneOf("reason", InventorySetReason.self)))
        case .inventoryAdjusted:
            optionalKeys = ["ref"]
            payload = .inventoryAdjusted(InventoryAdjusted(
                sku: SKU(try d.identifier("sku")), location: Location(try d.identifier("location")),
                delta: try d.nonZeroInteger("delta"), reason: try d.oneOf("reason", InventoryAdjustReason.self),
                ref: try d.optionalString("ref")))
        case .discountUpserted:
            optionalKeys = ["starts_at", "ends_at", "usage_limit"]
            let code = try d.identifier("code")
            let kind = try d.oneOf("kind", DiscountKind.self)
            let value = try d.integer("value", minimum: 0)
            if kind == .freeShipping && value != 0 {
                throw FieldError(path: "data.value", rule: "must be 0 for kind free_shipping", got: d.optionalValue("value"))
            }
            payload = .discountUpserted(DiscountUpserted(
                code: DiscountCode(code), kind: kind, value: value, status: try d.oneOf("status", DiscountStatus.self),
                startsAt: try d.optionalTimestamp("starts_at"), endsAt: try d.optionalTimestamp("ends_at"),
                usageLimit: try d.optionalInteger("usage_limit", minimum: 1)))
        case .discountDeleted:
            payload = .discountDeleted(DiscountCode(try d.identifier("code")))
        case .orderPlaced:
            optionalKeys = ["customer_email", "discount_codes"]
            stripLineDiscountNull = true
            let orderID = try d.identifier("order_id")
            let location = try d.identifier("location")
            let currency = try d.currency("currency")
            var seen: Set<LineID> = []  // distinct by code points, as identifiers compare
            let lines = try d.objects("lines", nonEmpty: true) { (l: FieldReader) throws(FieldError) -> OrderLine in
                let lineID = LineID(try l.identifier("line_id"))
                if !seen.insert(lineID).inserted {
                    throw FieldError(path: l.fieldPath("line_id"), rule: "must be distinct within the order (repeats \(CanonicalJSON.quoted(lineID.rawValue)))", got: nil)
                }
                return OrderLine(lineID: lineID, sku: SKU(try l.identifier("sku")),
                                 qty: try l.integer("qty", minimum: 1), unitPrice: try l.integer("unit_price", minimum: 0),
                                 discount: try l.optionalInteger("discount", minimum: 0) ?? 0)
            }
            payload = .orderPlaced(OrderPlaced(
                orderID: OrderID(orderID), location: Location(location), currency: currency, lines: lines,
                total: try d.integer("total", minimum: 0), customerEmail: try d.optionalString("customer_email"),
                discountCodes: try d.optionalStrings("discount_codes")))
        case .orderCancelled:
            optionalKeys = ["reason"]
            payload = .orderCancelled(OrderCancelled(
                orderID: OrderID(try d.identifier("order_id")), restock: try d.bool("restock"),
                reason: try d.optionalString("reason")))
        case .orderRefunded:
            let orderID = try d.identifier("order_id")
            let refundID = try d.identifier("refund_id")
            let amount = try d.integer("amount", minimum: 0)
            let lines = try d.objects("lines", nonEmpty: false) { (l: FieldReader) throws(FieldError) -> RefundLine in
                RefundLine(lineID: LineID(try l.identifier("line_id")), qty: try l.integer("qty", minimum: 1),
                           restock: try l.bool("restock"))
            }
            payload = .orderRefunded(OrderRefunded(orderID: OrderID(orderID), refundID: RefundID(refundID), amount: amount, lines: lines))
        case .fulfillmentCreated:
            optionalKeys = ["carrier", "tracking_number"]
            let fulfillmentID = try d.identifier("fulfillment_id")
            let orderID = try d.identifier("order_id")
            let location = try d.identifier("location")
            let lines = try d.objects("lines", nonEmpty: true) { (l: FieldReader) throws(FieldError) -> FulfillmentLine in
                FulfillmentLine(lineID: LineID(try l.identifier("line_id")), qty: try l.integer("qty", minimum: 1))
            }
            payload = .fulfillmentCreated(FulfillmentCreated(
                fulfillmentID: FulfillmentID(fulfillmentID), orderID: OrderID(orderID), location: Location(location),
                lines: lines, carrier: try d.optionalString("carrier"), trackingNumber: try d.optionalString("tracking_number")))
        case .fulfillmentCancelled:
            payload = .fulfillmentCancelled(FulfillmentID(try d.identifier("fulfillment_id")))
        case .snapshotTaken:
            optionalKeys = ["label", "store_digest"]
            payload = .snapshotTaken(SnapshotTaken(
                snapshotID: SnapshotID(try d.identifier("snapshot_id")), label: try d.optionalString("label"),
                storeDigest: try d.optionalString("store_digest")))
        case .restorePerformed:
            payload = .restorePerformed(SnapshotID(try d.identifier("snapshot_id")))
        }
        return (payload, canonicalData(data, optionalKeys: optionalKeys, stripLineDiscountNull: stripLineDiscountNull))
    }

    /// The canonical text of `data`, with known optional fields given as null removed
    /// (contract §10: an optional field given as null is absent).
    static func canonicalData(_ data: JSONObject, optionalKeys: Set<String>, stripLineDiscountNull: Bool) -> String {
        func droppedNull(_ member: (key: String, value: JSONValue)) -> Bool {
            if case .null = member.value { return optionalKeys.contains(member.key) }
            return false
        }
        var cleaned = data
        // Copied and changed only when there is something to drop (rarely).
        if data.members.contains(where: droppedNull) { cleaned.members.removeAll(where: droppedNull) }
        if stripLineDiscountNull, let index = cleaned.members.firstIndex(where: { $0.key == "lines" }),
           case .array(let lines) = cleaned.members[index].value,
           lines.contains(where: { line in
               guard case .object(let object) = line else { return false }
               return object.members.contains { $0.key == "discount" && $0.value == .null }
           }) {
            cleaned.members[index].value = .array(lines.map { line in
                guard case .object(var object) = line else { return line }
                object.members.removeAll { $0.key == "discount" && $0.value == .null }
                return .object(object)
            })
        }
        return CanonicalJSON.encode(.object(cleaned))
    }
}
