import TallyCore
import TallyDigest

/// The events that start a journal from a store's current state (issue 7): replaying
/// them gives a truth that a reconcile against the same store finds clean.
///
/// Orders come first, at their own timestamps (placements, then fulfillments and refunds
/// no earlier than the placement); cancellations and cancelled fulfillments at `at`;
/// then prices, discounts and stock (`reason: baseline`) at `at`. Stock is set after every
/// order event, so no order moves it: it is exactly the store's. `at` is never before
/// the newest timestamp in the store.
public enum StoreBaseline {
    public static func events(from store: StoreSnapshot, at requested: Timestamp, source: String = "baseline") -> (at: Timestamp, events: [DerivedEvent]) {
        var at = requested
        for o in store.orders.values { if let t = Timestamp.parse(o.placedAt), t > at { at = t } }
        for f in store.fulfillments.values { if let t = Timestamp.parse(f.createdAt), t > at { at = t } }
        for r in store.refunds.values { if let t = Timestamp.parse(r.createdAt), t > at { at = t } }
        let atText = at.rfc3339
        var out: [DerivedEvent] = []
        func add(_ origin: String, _ kind: String, key: String, type: EventType, time: String, data: [(String, JSONValue)]) {
            let event = JSONValue.obj([
                ("id", .string(eventID(kind, key))), ("type", .string(type.rawValue)), ("occurred_at", .string(time)),
                ("source", .string(source)), ("data", .obj(data)),
            ])
            out.append(DerivedEvent(origin: origin, line: out.count + 1, text: JSONWriter.encode(event, pretty: false), type: type))
        }
        func time(_ text: String, notBefore floor: Timestamp?) -> String {
            guard let t = Timestamp.parse(text) else { return atText }
            if let floor, t < floor { return floor.rfc3339 }
            return text
        }

        var fulfillmentsByOrder: [OrderID: [(FulfillmentID, StoreSnapshot.Fulfillment)]] = [:]
        for (id, f) in store.fulfillments { fulfillmentsByOrder[OrderID(f.orderID), default: []].append((id, f)) }
        var refundsByOrder: [OrderID: [(RefundID, StoreSnapshot.Refund)]] = [:]
        for (id, r) in store.refunds { refundsByOrder[OrderID(r.orderID), default: []].append((id, r)) }

        for (id, o) in store.orders.sorted(by: { codePointLess($0.key.rawValue, $1.key.rawValue) }) {
            let origin = "orders/\(id.rawValue)"
            let placed = Timestamp.parse(o.placedAt)
            let data = orderPlacedData(id.rawValue, location: o.location, currency: o.currency, total: o.total, lines: o.lines, email: o.customerEmail)
            add(origin, "order", key: id.rawValue, type: .orderPlaced, time: placed == nil ? atText : o.placedAt, data: data)
            for (fid, f) in (fulfillmentsByOrder[id] ?? []).sorted(by: { codePointLess($0.0.rawValue, $1.0.rawValue) }) {
                var fdata: [(String, JSONValue)] = [
                    ("fulfillment_id", .string(fid.rawValue)), ("order_id", .string(id.rawValue)), ("location", .string(f.location)),
                    ("lines", .array(f.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty))]) })),
                ]
                if let c = f.carrier { fdata.append(("carrier", .string(c))) }
                if let t = f.trackingNumber { fdata.append(("tracking_number", .string(t))) }
                add("fulfillments/\(fid.rawValue)", "fulfillment", key: fid.rawValue, type: .fulfillmentCreated,
                    time: time(f.createdAt, notBefore: placed), data: fdata)
                if f.status == "cancelled" {
                    add("fulfillments/\(fid.rawValue)", "fulfillment-cancelled", key: fid.rawValue, type: .fulfillmentCancelled,
                        time: atText, data: [("fulfillment_id", .string(fid.rawValue))])
                }
            }
            for (rid, r) in (refundsByOrder[id] ?? []).sorted(by: { codePointLess($0.0.rawValue, $1.0.rawValue) }) {
                add("refunds/\(rid.rawValue)", "refund", key: rid.rawValue, type: .orderRefunded, time: time(r.createdAt, notBefore: placed), data: [
                    ("order_id", .string(id.rawValue)), ("refund_id", .string(rid.rawValue)), ("amount", .int(r.amount)),
                    ("lines", .array(r.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty)), ("restock", .bool($0.restock))]) })),
                ])
            }
            if o.status == "cancelled" {
                add(origin, "order-cancelled", key: id.rawValue, type: .orderCancelled, time: atText,
                    data: [("order_id", .string(id.rawValue)), ("restock", .bool(false)), ("reason", .string("baseline"))])
            }
        }
        // Fulfillments and refunds of orders the store lacks: kept, so replay reports them as orphans.
        for (fid, f) in store.fulfillments where store.orders[OrderID(f.orderID)] == nil {
            add("fulfillments/\(fid.rawValue)", "fulfillment", key: fid.rawValue, type: .fulfillmentCreated, time: time(f.createdAt, notBefore: nil), data: [
                ("fulfillment_id", .string(fid.rawValue)), ("order_id", .string(f.orderID)), ("location", .string(f.location)),
                ("lines", .array(f.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty))]) })),
            ])
        }
        for (sku, p) in store.products.sorted(by: { codePointLess($0.key.rawValue, $1.key.rawValue) }) {
            var data: [(String, JSONValue)] = [("sku", .string(sku.rawValue)), ("price", .int(p.price)), ("currency", .string(p.currency))]
            if let c = p.compareAt { data.append(("compare_at", .int(c))) }
            add("products/\(sku.rawValue)", "price", key: sku.rawValue, type: .priceChanged, time: atText, data: data)
        }
        for (code, d) in store.discounts.sorted(by: { codePointLess($0.key.rawValue, $1.key.rawValue) }) {
            var data: [(String, JSONValue)] = [("code", .string(code.rawValue)), ("kind", .string(d.kind)), ("value", .int(d.value)), ("status", .string(d.status))]
            if let s = d.startsAt { data.append(("starts_at", .string(s.rfc3339))) }
            if let e = d.endsAt { data.append(("ends_at", .string(e.rfc3339))) }
            if let u = d.usageLimit { data.append(("usage_limit", .int(u))) }
            add("discounts/\(code.rawValue)", "discount", key: code.rawValue, type: .discountUpserted, time: atText, data: data)
        }
        for (key, available) in store.inventory.sorted(by: { $0.key < $1.key }) {
            add("inventory_levels/\(key.sku.rawValue)@\(key.location.rawValue)", "stock", key: key.sku.rawValue + "@" + key.location.rawValue,
                type: .inventorySet, time: atText,
                data: [("sku", .string(key.sku.rawValue)), ("location", .string(key.location.rawValue)), ("available", .int(available)), ("reason", .string("baseline"))])
        }
        return (at, out)
    }

    /// `baseline-<kind>-<key>`, or the key's SHA-256 when that would pass 200 code points.
    static func eventID(_ kind: String, _ key: String) -> String {
        let id = "baseline-\(kind)-\(key)"
        if id.unicodeScalars.count <= Limits.identifierLengthMax { return id }
        return "baseline-\(kind)-sha256-" + SHA256Hasher.hex(SHA256Hasher().digest(Array(key.utf8)))
    }
}
