import TallyCore

/// The dispute-ready report of an evidence pack: the order's history laid out along the
/// evidence fields payment processors ask for (product, customer, price and discounts
/// at purchase, shipping and tracking, refunds and cancellation), then the proof.
public enum EvidenceReport {
    public static func document(_ h: OrderHistory, journalName: String, createdAt: String) -> ReportDocument {
        let o = h.order
        let money = { (v: Int64) in Money.format(v, o.currency) }
        let lookup = LookupReport.document(h)
        func section(_ title: String) -> ReportDocument.Section? { lookup.sections.first { $0.title == title } }
        let products = o.lines.map { [$0.sku.rawValue, String($0.qty), money($0.unitPrice), money($0.discount), money($0.unitPrice * $0.qty - $0.discount)] }
        var shipped = section("Fulfillments")!
        shipped.title = "Shipping: carrier, tracking number and date"
        shipped.intro = h.fulfillments.contains { $0.status == .success }
            ? "Every shipment recorded for the order, as the journal holds it (a cancelled fulfillment did not ship)."
            : "No shipment of this order is recorded as delivered to a carrier."
        var cancellation: [[String]] = []
        for e in h.timeline {
            switch e.event.payload {
            case .orderCancelled, .orderRefunded, .fulfillmentCancelled:
                cancellation.append([e.event.occurredAtText, e.event.type.rawValue, LookupReport.describe(e.event, currency: o.currency)])
            default: break
            }
        }
        let refunded = h.refunds.reduce(0) { $0 + $1.amount }
        var prices = section("Lines and prices at order")!
        prices.title = "Price and discounts at purchase"
        prices.intro = "What each line was charged, against the catalog's list price in force just before the order was placed."
        var discounts = section("Discounts at order")!
        discounts.title = "Discount codes at purchase"
        var timeline = section("Timeline (event time)")!
        timeline.title = "Complete timeline"
        timeline.intro = "Every journal event about the order, in the order they happened; seq is the journal's sequence number, recorded is when Tally received it."
        return ReportDocument(
            title: "Dispute evidence: order \(o.orderID.rawValue)",
            facts: [
                ("Order", o.orderID.rawValue), ("Order date", h.placedAtText), ("Amount charged", money(o.total)),
                ("Customer email", o.customerEmail ?? "not recorded"), ("Order status", o.status.rawValue),
                ("Refunded", refunded > 0 ? money(refunded) : "nothing"),
                ("Source", "Tally journal \(journalName); pack created \(createdAt)"),
                ("Integrity", h.integrity.summary),
            ],
            sections: [
                .init(title: "Product description", headers: ["sku", "qty", "unit price", "discount", "line total"], rows: products),
                prices, discounts, shipped,
                .init(title: "Refund and cancellation history", headers: ["when", "event", "what"], rows: cancellation,
                      empty: "The order was neither cancelled nor refunded."),
                timeline,
                .init(title: "How to check this evidence",
                      intro: "events.ndjson holds the journal's events exactly as recorded; manifest.json lists the SHA-256 of every file and, per event, its hash-chain entry (seq, recorded time, previous hash, hash). `tally evidence --verify DIR --offline` recomputes every event's hash from its content; without --offline it also checks the entries against the live journal and its chain anchors.",
                      headers: [], rows: [], empty: "See manifest.json."),
            ],
            alert: h.integrity.verified ? nil : "the journal's tamper check failed: " + (h.integrity.problem ?? "unknown problem"))
    }
}
