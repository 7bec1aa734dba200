/// WooCommerce webhook payloads (REST API v3 format) to canonical events.
///
/// WooCommerce has no locations: orders take the configured default location. Its
/// timestamps `*_gmt` carry no offset and are read as UTC. A line's unit price is its
/// `subtotal` (a decimal string) over its quantity, never the float `price` field.
public enum WooCommerceMapping {
    public static let source = "woocommerce"

    /// `isJournaled` says whether an event id is already in the journal: an order's refunds
    /// come again with every later update of the order, with no time of their own.
    public static func map(topic: String, body: JSONValue, settings: CaptureSettings,
                           currentPrice: (String) -> CurrentPrice?,
                           isJournaled: (String) -> Bool = { _ in false }) throws(MappingError) -> CaptureMapping {
        let p = try Payload.root(body)
        switch topic {
        case "order.created": return .events([try orderPlaced(p, settings)])
        case "order.updated":
            var events: [JSONValue] = []
            let orderID = try p.id("id")
            if p.optionalString("status") == "cancelled" {
                events.append(Envelope.make(
                    id: "woocommerce-order-\(orderID)-cancelled", type: .orderCancelled,
                    at: try p.timestamp("date_modified_gmt", assumeUTC: true), source: source,
                    // WooCommerce puts a cancelled order's stock back itself.
                    data: [("order_id", .string(orderID)), ("restock", .bool(true))]))
            }
            events += try refunds(p, orderID: orderID).filter { !isJournaled($0.eventID) }
            guard !events.isEmpty else {
                return .kept("order.updated with status \(p.optionalString("status") ?? "none") and no refund is kept as evidence")
            }
            return .events(events)
        case "product.created", "product.updated":
            guard let sku = p.optionalString("sku") else { return .kept("a product without a SKU is not tracked") }
            let current = currentPrice(sku)
            let currency = settings.currency ?? current?.currency
            let decimalsCurrency = currency ?? "USD"
            guard let price = try p.optionalMoney("price", currency: decimalsCurrency) else {
                return .kept("a product without a price is kept as evidence")
            }
            let regular = try p.optionalMoney("regular_price", currency: decimalsCurrency)
            let compareAt = regular.flatMap { $0 > price ? $0 : nil }
            let at = try p.timestamp("date_modified_gmt", assumeUTC: true)
            let productID = try p.id("id")
            guard let event = try Envelope.priceChange(
                id: "woocommerce-price-\(productID)-\(at.microseconds)-\(price)", sku: sku, price: price, compareAt: compareAt,
                currency: currency, at: at, source: source, current: current) else {
                return .kept("the product's price equals truth's: nothing to record")
            }
            return .events([event])
        default:
            return .kept("topic \(topic) is not mapped to events; the delivery is kept as evidence")
        }
    }

    static func orderPlaced(_ p: Payload, _ settings: CaptureSettings) throws(MappingError) -> JSONValue {
        let orderID = try p.id("id")
        let currency = try p.string("currency")
        guard let location = settings.defaultLocation else {
            throw MappingError("WooCommerce orders name no location and no default location is configured ([woocommerce] default_location in the config)")
        }
        var lines: [JSONValue] = []
        for item in try p.objects("line_items") {
            let qty = try item.int("quantity", atLeast: 1)
            let subtotal = try item.money("subtotal", currency: currency)
            let total = try item.money("total", currency: currency)
            guard subtotal % qty == 0 else {
                throw MappingError("\(item.path).subtotal \(subtotal) minor units is not a whole unit price for quantity \(qty)")
            }
            lines.append(.obj([
                ("line_id", .string(try item.id("id"))), ("sku", .string(try item.string("sku"))), ("qty", .int(qty)),
                ("unit_price", .int(subtotal / qty)), ("discount", .int(max(0, subtotal - total))),
            ]))
        }
        guard !lines.isEmpty else { throw MappingError("line_items must not be empty") }
        var data: [(String, JSONValue)] = [
            ("order_id", .string(orderID)), ("location", .string(location)), ("currency", .string(currency)),
            ("lines", .array(lines)), ("total", .int(try p.money("total", currency: currency))),
        ]
        if let email = p.optionalObject("billing")?.optionalString("email") { data.append(("customer_email", .string(email))) }
        let coupons = try p.objects("coupon_lines", required: false)
        if !coupons.isEmpty {
            var codes: [JSONValue] = []
            for c in coupons { codes.append(.string(try c.string("code"))) }
            data.append(("discount_codes", .array(codes)))
        }
        return Envelope.make(id: "woocommerce-order-\(orderID)", type: .orderPlaced,
                             at: try p.timestamp("date_created_gmt", assumeUTC: true), source: source, data: data)
    }

    /// WooCommerce lists an order's refunds (id and a negative total) in the order itself,
    /// with no time of their own: the order's modification time at first sight is used.
    static func refunds(_ p: Payload, orderID: String) throws(MappingError) -> [JSONValue] {
        var out: [JSONValue] = []
        let currency = try p.string("currency")
        for r in try p.objects("refunds", required: false) {
            let refundID = try r.id("id")
            let total = try r.money("total", currency: currency)
            out.append(Envelope.make(
                id: "woocommerce-refund-\(refundID)", type: .orderRefunded,
                at: try p.timestamp("date_modified_gmt", assumeUTC: true), source: source,
                data: [("order_id", .string(orderID)), ("refund_id", .string(refundID)), ("amount", .int(abs(total))), ("lines", .array([]))]))
        }
        return out
    }
}
