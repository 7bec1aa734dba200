/// Shopify webhook payloads (REST Admin API format) to canonical events.
///
/// Ids become the platform's numeric ids as decimal strings (`order_id` is the order's
/// `id`, not its `name`); money is converted exactly from decimal strings; event ids are
/// derived from the platform's ids, so a retry under a new webhook id is a duplicate.
public enum ShopifyMapping {
    public static let source = "shopify"

    /// The topics mapped to events; every other topic is kept as raw evidence.
    public static let mappedTopics: Set<String> = [
        "orders/create", "orders/cancelled", "refunds/create", "fulfillments/create", "fulfillments/update", "products/update",
    ]

    public static func map(topic: String, body: JSONValue, settings: CaptureSettings,
                           currentPrice: (String) -> CurrentPrice?) throws(MappingError) -> CaptureMapping {
        let p = try Payload.root(body)
        switch topic {
        case "orders/create": return .events([try orderPlaced(p, settings)])
        case "orders/cancelled": return .events([try orderCancelled(p)])
        case "refunds/create": return .events([try refund(p)])
        case "fulfillments/create": return .events([try fulfillmentCreated(p, settings)])
        case "fulfillments/update":
            let status = p.optionalString("status")
            guard status == "cancelled" else {
                return .kept("fulfillments/update with status \(status ?? "none") is kept as evidence; only a cancellation becomes an event")
            }
            let id = try p.id("id")
            let at = p.has("updated_at") ? try p.timestamp("updated_at") : try p.timestamp("created_at")
            return .events([Envelope.make(id: "shopify-fulfillment-\(id)-cancelled", type: .fulfillmentCancelled, at: at,
                                          source: source, data: [("fulfillment_id", .string(id))])])
        case "products/update": return .events(try priceChanges(p, settings, currentPrice))
        case "inventory_levels/update":
            return .kept("inventory_levels/update is the store's own stock level, which a restored store reports stale: it is kept as evidence and never overwrites truth")
        default:
            return .kept("topic \(topic) is not mapped to events; the delivery is kept as evidence")
        }
    }

    static func location(_ p: Payload, _ settings: CaptureSettings) throws(MappingError) -> String {
        if let id = try p.optionalID("location_id") { return id }
        guard let fallback = settings.defaultLocation else {
            throw MappingError("location_id is null and no default location is configured ([shopify] default_location in the config)")
        }
        return fallback
    }

    static func orderPlaced(_ p: Payload, _ settings: CaptureSettings) throws(MappingError) -> JSONValue {
        let orderID = try p.id("id")
        let currency = try p.string("currency")
        let at = try p.timestamp("created_at")
        var lines: [JSONValue] = []
        for item in try p.objects("line_items") {
            let sku = try item.string("sku")
            let allocations = try item.objects("discount_allocations", required: false)
            var discount: Int64 = 0
            if allocations.isEmpty {
                discount = try item.optionalMoney("total_discount", currency: currency) ?? 0
            } else {
                for a in allocations { discount += try a.money("amount", currency: currency) }
            }
            lines.append(.obj([
                ("line_id", .string(try item.id("id"))), ("sku", .string(sku)),
                ("qty", .int(try item.int("quantity", atLeast: 1))),
                ("unit_price", .int(try item.money("price", currency: currency))), ("discount", .int(discount)),
            ]))
        }
        guard !lines.isEmpty else { throw MappingError("line_items must not be empty") }
        var data: [(String, JSONValue)] = [
            ("order_id", .string(orderID)), ("location", .string(try location(p, settings))), ("currency", .string(currency)),
            ("lines", .array(lines)), ("total", .int(try p.money("total_price", currency: currency))),
        ]
        if let email = p.optionalString("email") ?? p.optionalObject("customer")?.optionalString("email") {
            data.append(("customer_email", .string(email)))
        }
        let codes = try p.objects("discount_codes", required: false)
        if !codes.isEmpty {
            var names: [JSONValue] = []
            for c in codes { names.append(.string(try c.string("code"))) }
            data.append(("discount_codes", .array(names)))
        }
        if let name = p.optionalString("name") { data.append(("name", .string(name))) }
        return Envelope.make(id: "shopify-order-\(orderID)", type: .orderPlaced, at: at, source: source, data: data)
    }

    /// Shopify's cancellation payload has no restock flag: a restock arrives as a refund
    /// whose lines have restock_type "cancel", so the cancellation itself restocks nothing.
    static func orderCancelled(_ p: Payload) throws(MappingError) -> JSONValue {
        let orderID = try p.id("id")
        var data: [(String, JSONValue)] = [("order_id", .string(orderID)), ("restock", .bool(false))]
        if let reason = p.optionalString("cancel_reason") { data.append(("reason", .string(reason))) }
        return Envelope.make(id: "shopify-order-\(orderID)-cancelled", type: .orderCancelled,
                             at: try p.timestamp("cancelled_at"), source: source, data: data)
    }

    static func refund(_ p: Payload) throws(MappingError) -> JSONValue {
        let refundID = try p.id("id")
        var amount: Int64 = 0
        for t in try p.objects("transactions", required: false)
        where t.optionalString("kind") == "refund" && (t.optionalString("status") ?? "success") == "success" {
            amount += try t.money("amount", currency: t.optionalString("currency") ?? "USD")
        }
        var lines: [JSONValue] = []
        for item in try p.objects("refund_line_items", required: false) {
            let restockType = item.optionalString("restock_type") ?? "no_restock"
            lines.append(.obj([
                ("line_id", .string(try item.id("line_item_id"))), ("qty", .int(try item.int("quantity", atLeast: 1))),
                ("restock", .bool(restockType != "no_restock")),
            ]))
        }
        return Envelope.make(id: "shopify-refund-\(refundID)", type: .orderRefunded, at: try p.timestamp("created_at"), source: source, data: [
            ("order_id", .string(try p.id("order_id"))), ("refund_id", .string(refundID)),
            ("amount", .int(amount)), ("lines", .array(lines)),
        ])
    }

    static func fulfillmentCreated(_ p: Payload, _ settings: CaptureSettings) throws(MappingError) -> JSONValue {
        let id = try p.id("id")
        var lines: [JSONValue] = []
        for item in try p.objects("line_items") {
            lines.append(.obj([("line_id", .string(try item.id("id"))), ("qty", .int(try item.int("quantity", atLeast: 1)))]))
        }
        guard !lines.isEmpty else { throw MappingError("line_items must not be empty") }
        var data: [(String, JSONValue)] = [
            ("fulfillment_id", .string(id)), ("order_id", .string(try p.id("order_id"))),
            ("location", .string(try location(p, settings))), ("lines", .array(lines)),
        ]
        if let carrier = p.optionalString("tracking_company") { data.append(("carrier", .string(carrier))) }
        if let number = p.optionalString("tracking_number") { data.append(("tracking_number", .string(number))) }
        return Envelope.make(id: "shopify-fulfillment-\(id)", type: .fulfillmentCreated, at: try p.timestamp("created_at"), source: source, data: data)
    }

    /// One price.changed per variant whose price or compare-at price differs from truth.
    static func priceChanges(_ p: Payload, _ settings: CaptureSettings, _ currentPrice: (String) -> CurrentPrice?) throws(MappingError) -> [JSONValue] {
        var out: [JSONValue] = []
        let productTime = p.has("updated_at") ? try p.timestamp("updated_at") : nil
        for variant in try p.objects("variants") {
            guard let sku = variant.optionalString("sku") else { continue }  // a variant without a SKU is not tracked
            let current = currentPrice(sku)
            let currency = settings.currency ?? current?.currency
            let decimalsCurrency = currency ?? "USD"
            let price = try variant.money("price", currency: decimalsCurrency)
            let compareAt = try variant.optionalMoney("compare_at_price", currency: decimalsCurrency)
            guard let at = variant.has("updated_at") ? try variant.timestamp("updated_at") : productTime else {
                throw MappingError("\(variant.path).updated_at and updated_at are both missing")
            }
            let variantID = try variant.id("id")
            if let event = try Envelope.priceChange(
                id: "shopify-price-\(variantID)-\(at.microseconds)-\(price)", sku: sku, price: price, compareAt: compareAt,
                currency: currency, at: at, source: source, current: current) {
                out.append(event)
            }
        }
        return out
    }
}
