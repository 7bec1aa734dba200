import TallyCore

/// The lookup report of contract §8 (and the multi-order variants for `--email`
/// and `--tracking`), with sorted keys like every JSON Tally writes.
public enum LookupJSON {
    /// `tally lookup --order ID --format json`.
    public static func order(_ h: OrderHistory) -> JSONValue {
        .obj([("report", .string("lookup")), ("contract", .int(1))] + members(h))
    }

    /// `--email` / `--tracking`: the query, and one §8 object (without `report`) per order.
    public static func orders(query: [(String, String)], _ histories: [OrderHistory], matches: JSONValue? = nil) -> JSONValue {
        var top: [(String, JSONValue)] = [
            ("report", .string("lookup")), ("contract", .int(1)),
            ("query", .obj(query.map { ($0.0, .string($0.1)) })),
            ("orders", .array(histories.map { .obj(members($0)) })),
        ]
        if let matches { top.append(("matches", matches)) }
        return .obj(top)
    }

    static func members(_ h: OrderHistory) -> [(String, JSONValue)] {
        let o = h.order
        var ignored: [JSONValue] = []
        for e in h.timeline {
            guard let effect = h.effects[e.seq] else { continue }
            ignored.append(.obj([("seq", .int(e.seq.rawValue)), ("event_id", .string(e.event.id.rawValue)),
                                 ("reason", .string(effect.rawValue))]))
        }
        return [
            ("order", .obj([
                ("order_id", .string(o.orderID.rawValue)),
                ("status", .string(o.status.rawValue)),
                ("location", .string(o.location.rawValue)),
                ("currency", .string(o.currency)),
                ("total", .int(o.total)),
                ("customer_email", .text(o.customerEmail)),
                ("discount_codes", .array(o.discountCodes.map(JSONValue.string))),
                ("lines", .array(o.lines.map(line))),
                ("placed_at", .string(h.placedAtText)),
            ])),
            ("timeline", .array(h.timeline.map(timelineEntry))),
            ("prices_at_order", .array(h.pricesAtOrder.map { p in
                .obj([("line_id", .string(p.lineID.rawValue)), ("sku", .string(p.sku.rawValue)),
                      ("charged", .int(p.charged)), ("list", p.list.map { .int($0.price) } ?? .null)])
            })),
            ("discounts_at_order", .array(h.discountsAtOrder.map(discount))),
            ("fulfillments", .array(h.fulfillments.map(fulfillment))),
            ("refunds", .array(h.refunds.map(refund))),
            ("integrity", integrity(h.integrity)),
            ("ignored_events", .array(ignored)),
        ]
    }

    static func line(_ l: OrderLine) -> JSONValue {
        .obj([("line_id", .string(l.lineID.rawValue)), ("sku", .string(l.sku.rawValue)), ("qty", .int(l.qty)),
              ("unit_price", .int(l.unitPrice)), ("discount", .int(l.discount))])
    }

    public static func timelineEntry(_ e: TimelineEvent) -> JSONValue {
        .obj([("seq", .int(e.seq.rawValue)), ("event_id", .string(e.event.id.rawValue)), ("type", .string(e.event.type.rawValue)),
              ("occurred_at", .string(e.event.occurredAtText)), ("recorded_at", .string(e.recordedAt.rfc3339))])
    }

    static func discount(_ d: DiscountAtOrder) -> JSONValue {
        switch d.state {
        case .unknown:
            return .obj([("code", .string(d.code.rawValue)), ("kind", .null), ("value", .null), ("status", .null)])
        case .deleted:
            return .obj([("code", .string(d.code.rawValue)), ("kind", .null), ("value", .null), ("status", .string("deleted"))])
        case .defined(let u):
            return .obj([("code", .string(d.code.rawValue)), ("kind", .string(u.kind.rawValue)), ("value", .int(u.value)),
                         ("status", .string(u.status.rawValue))])
        }
    }

    static func fulfillment(_ f: FulfillmentTruth) -> JSONValue {
        .obj([("fulfillment_id", .string(f.fulfillmentID.rawValue)), ("order_id", .string(f.orderID.rawValue)),
              ("location", .string(f.location.rawValue)), ("status", .string(f.status.rawValue)),
              ("lines", .array(f.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty))]) })),
              ("carrier", .text(f.carrier)), ("tracking_number", .text(f.trackingNumber))])
    }

    static func refund(_ r: RefundTruth) -> JSONValue {
        .obj([("refund_id", .string(r.refundID.rawValue)), ("order_id", .string(r.orderID.rawValue)), ("amount", .int(r.amount)),
              ("lines", .array(r.lines.map { .obj([("line_id", .string($0.lineID.rawValue)), ("qty", .int($0.qty)), ("restock", .bool($0.restock))]) }))])
    }

    public static func integrity(_ i: IntegrityReport) -> JSONValue {
        .obj([
            ("verified", .bool(i.verified)),
            ("events", .int(i.events)),
            ("rows_rehashed", .int(i.rowsRehashed)),
            ("reached_seq", .int(i.reachedSeq)),
            ("spans", .array(i.spans.map { s in
                .obj([("from", .int(s.from)), ("through", .int(s.through)), ("end", .string(s.end.rawValue)), ("hash", .string(s.hash))])
            })),
            ("first_bad_seq", i.firstBadSeq.map { .int($0) } ?? .null),
            ("problem", .text(i.problem)),
            ("summary", .string(i.summary)),
        ])
    }
}
