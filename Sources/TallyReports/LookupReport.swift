import TallyCore

/// The people-facing lookup report (text, Markdown, HTML) of one order's history.
public enum LookupReport {
    public static func document(_ h: OrderHistory) -> ReportDocument {
        let o = h.order
        let money = { (v: Int64) in Money.format(v, o.currency) }
        var facts: [(String, String)] = [
            ("Status", o.status.rawValue), ("Placed", h.placedAtText + " at " + o.location.rawValue),
            ("Total", money(o.total)), ("Customer", o.customerEmail ?? "not given"),
        ]
        if !o.discountCodes.isEmpty { facts.append(("Discount codes", o.discountCodes.joined(separator: ", "))) }
        facts.append(("Integrity", h.integrity.summary))
        let prices = Dictionary(h.pricesAtOrder.map { ($0.lineID, $0) }, uniquingKeysWith: { a, _ in a })
        let lines = o.lines.map { l -> [String] in
            let list = prices[l.lineID]?.list
            var note = ""
            if let list, list.currency == o.currency, list.price != l.unitPrice {
                note = l.unitPrice < list.price ? "charged below list" : "charged above list"
            }
            return [l.lineID.rawValue, l.sku.rawValue, String(l.qty), money(l.unitPrice),
                    list.map { Money.format($0.price, $0.currency) } ?? "no price yet", money(l.discount), note]
        }
        let discounts = h.discountsAtOrder.map { d -> [String] in
            switch d.state {
            case .unknown: return [d.code.rawValue, "unknown to the journal", "", ""]
            case .deleted: return [d.code.rawValue, "deleted", "", ""]
            case .defined(let u): return [d.code.rawValue, u.status.rawValue, u.kind.rawValue, discountValue(u, o.currency)]
            }
        }
        let timeline = h.timeline.map { e -> [String] in
            var what = describe(e.event, currency: o.currency)
            switch h.effects[e.seq] {
            case .conflict?: what += " (ignored: conflicts with the first placement)"
            case .orphan?: what += " (ignored: names something unknown at that moment)"
            case .repeated?: what += " (no effect: already recorded)"
            default: break
            }
            return [e.event.occurredAtText, String(e.seq.rawValue), e.event.type.rawValue, what, e.recordedAt.rfc3339]
        }
        let fulfillments = h.fulfillments.map { f -> [String] in
            [f.fulfillmentID.rawValue, f.status.rawValue, f.carrier ?? "", f.trackingNumber ?? "", f.created.occurredAt.rfc3339,
             f.lines.map { "\($0.lineID.rawValue)×\($0.qty)" }.joined(separator: ", ")]
        }
        let refunds = h.refunds.map { r -> [String] in
            [r.refundID.rawValue, money(r.amount), r.created.occurredAt.rfc3339,
             r.lines.map { "\($0.lineID.rawValue)×\($0.qty)\($0.restock ? " restocked" : "")" }.joined(separator: ", ")]
        }
        return ReportDocument(
            title: "Order \(o.orderID.rawValue)",
            facts: facts,
            sections: [
                .init(title: "Lines and prices at order", headers: ["line", "sku", "qty", "charged", "list price", "discount", ""], rows: lines),
                .init(title: "Discounts at order", headers: ["code", "status", "kind", "value"], rows: discounts, empty: "no discount codes"),
                .init(title: "Timeline (event time)", headers: ["occurred", "seq", "event", "what", "recorded"], rows: timeline),
                .init(title: "Fulfillments", headers: ["fulfillment", "status", "carrier", "tracking", "created", "lines"], rows: fulfillments, empty: "nothing shipped"),
                .init(title: "Refunds", headers: ["refund", "amount", "at", "lines"], rows: refunds, empty: "no refunds"),
            ],
            alert: h.integrity.verified ? nil : "the journal's tamper check failed: " + (h.integrity.problem ?? "unknown problem"))
    }

    static func discountValue(_ u: DiscountUpserted, _ currency: String) -> String {
        switch u.kind {
        case .percentage: return String(format2(u.value)) + "%"
        case .fixedAmount: return Money.format(u.value, currency)
        case .freeShipping: return "free shipping"
        }
    }

    /// Basis points as a percentage with two decimals ("12.50").
    static func format2(_ basisPoints: Int64) -> String {
        let fraction = String(basisPoints.magnitude % 100)
        return (basisPoints < 0 ? "-" : "") + "\(basisPoints.magnitude / 100)." + (fraction.count == 1 ? "0" : "") + fraction
    }

    /// One line for people: what the event says.
    public static func describe(_ event: Event, currency: String) -> String {
        switch event.payload {
        case .orderPlaced(let p):
            return "placed: \(p.lines.count) line\(p.lines.count == 1 ? "" : "s"), total \(Money.format(p.total, p.currency))"
                + (p.discountCodes.isEmpty ? "" : ", codes " + p.discountCodes.joined(separator: ", "))
        case .orderCancelled(let p):
            return "cancelled" + (p.restock ? ", stock returned" : ", no restock") + (p.reason.map { " (\($0))" } ?? "")
        case .orderRefunded(let p):
            return "refund \(p.refundID.rawValue): \(Money.format(p.amount, currency))"
                + (p.lines.isEmpty ? "" : "; " + p.lines.map { "\($0.lineID.rawValue)×\($0.qty)\($0.restock ? " restocked" : "")" }.joined(separator: ", "))
        case .fulfillmentCreated(let p):
            let via = [p.carrier, p.trackingNumber].compactMap { $0 }.joined(separator: " ")
            return "shipped \(p.fulfillmentID.rawValue)" + (via.isEmpty ? "" : " via \(via)") + ": "
                + p.lines.map { "\($0.lineID.rawValue)×\($0.qty)" }.joined(separator: ", ")
        case .fulfillmentCancelled(let id):
            return "fulfillment \(id.rawValue) cancelled"
        case .inventoryAdjusted(let p):
            return "stock \(p.sku.rawValue) at \(p.location.rawValue) \(p.delta > 0 ? "+" : "")\(p.delta) (\(p.reason.rawValue))"
        case .inventorySet(let p):
            return "stock \(p.sku.rawValue) at \(p.location.rawValue) set to \(p.available) (\(p.reason.rawValue))"
        case .priceChanged(let p):
            return "price \(p.sku.rawValue) \(Money.format(p.price, p.currency))" + (p.compareAt.map { ", compare at \(Money.format($0, p.currency))" } ?? "")
        case .discountUpserted(let p):
            return "discount \(p.code.rawValue): \(p.kind.rawValue) \(discountValue(p, currency)), \(p.status.rawValue)"
        case .discountDeleted(let code):
            return "discount \(code.rawValue) deleted"
        case .snapshotTaken(let p):
            return "snapshot \(p.snapshotID.rawValue) taken"
        case .restorePerformed(let id):
            return "restored from snapshot \(id.rawValue)"
        }
    }
}
