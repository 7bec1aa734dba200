import TallyCore

/// `lookup --sku` as JSON and as a people-facing document.
public enum SKUHistoryReport {
    public static func json(_ h: SKUHistory, fromText: String?, toText: String?) -> JSONValue {
        func price(_ p: SKUHistory.PriceChange) -> JSONValue {
            .obj([("seq", .int(p.seq.rawValue)), ("event_id", .string(p.eventID.rawValue)), ("occurred_at", .string(p.occurredAtText)),
                  ("price", .int(p.price.price)), ("currency", .string(p.price.currency)), ("compare_at", p.price.compareAt.map { .int($0) } ?? .null)])
        }
        return .obj([
            ("report", .string("sku_history")), ("contract", .int(1)), ("sku", .string(h.sku.rawValue)),
            ("from", .text(fromText)), ("to", .text(toText)),
            ("opening_price", h.openingPrice.map(price) ?? .null),
            ("opening_stock", .array(h.openingStock.map { .obj([("location", .string($0.location.rawValue)), ("available", .int($0.available))]) })),
            ("price_changes", .array(h.priceChanges.map(price))),
            ("stock_changes", .array(h.stockChanges.map { c in
                .obj([("seq", .int(c.seq.rawValue)), ("event_id", .string(c.eventID.rawValue)), ("type", .string(c.type.rawValue)),
                      ("occurred_at", .string(c.occurredAtText)), ("location", .string(c.location.rawValue)),
                      ("change", .int(c.change)), ("available", .int(c.available))])
            })),
            ("integrity", LookupJSON.integrity(h.integrity)),
        ])
    }

    public static func document(_ h: SKUHistory, fromText: String?, toText: String?) -> ReportDocument {
        let opening = h.openingPrice.map { Money.format($0.price.price, $0.price.currency) + " (seq \($0.seq.rawValue))" } ?? "none"
        let stock = h.openingStock.map { "\($0.location.rawValue): \($0.available)" }.joined(separator: ", ")
        let prices: [[String]] = h.priceChanges.map { c in
            let compareAt = c.price.compareAt.map { Money.format($0, c.price.currency) } ?? ""
            return [c.occurredAtText, String(c.seq.rawValue), Money.format(c.price.price, c.price.currency), compareAt]
        }
        let moves: [[String]] = h.stockChanges.map { c in
            [c.occurredAtText, String(c.seq.rawValue), c.type.rawValue, c.location.rawValue, (c.change > 0 ? "+" : "") + String(c.change), String(c.available)]
        }
        let window = "\(fromText ?? "the first event") to \(toText ?? "the last event")"
        return ReportDocument(
            title: "SKU \(h.sku.rawValue)",
            facts: [("Window", window), ("Price before the window", opening), ("Stock before the window", stock.isEmpty ? "not tracked" : stock),
                    ("Integrity", h.integrity.summary)],
            sections: [
                .init(title: "Price changes", headers: ["occurred", "seq", "price", "compare at"], rows: prices, empty: "no price change in the window"),
                .init(title: "Stock changes", intro: "Each row is one event that moved the SKU's stock, with truth's available right after it.",
                      headers: ["occurred", "seq", "event", "location", "change", "available"], rows: moves, empty: "no stock change in the window"),
            ],
            alert: h.integrity.verified ? nil : "the journal's tamper check failed: " + (h.integrity.problem ?? "unknown problem"))
    }
}
