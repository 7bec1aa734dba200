import TallyCore

/// A small, fast, seeded generator (SplitMix64): the same seed, the same history.
public struct SeededRandom: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<bound.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// Generates realistic NDJSON event lines: a catalog with prices and stock,
/// discounts, and orders with several lines followed by fulfillments, refunds
/// and cancellations, in time order. Used by the benchmarks and the crash test.
public struct SyntheticHistory {
    public enum IDStyle: Sendable {
        /// `ev-00000001`: time-ordered, like a journal-assigned id.
        case sequential
        /// 128 random bits as 32 hex digits, like a webhook delivery id.
        case random128
    }

    public let skuCount: Int
    public let idStyle: IDStyle
    var random: SeededRandom
    var eventNumber = 0
    var orderNumber = 0
    var fulfillmentNumber = 0
    var refundNumber = 0
    var clockSeconds: Int64 = 1_793_491_200 // 2026-11-01T00:00:00Z
    var openOrders: [(id: Int, lines: [(line: Int, qty: Int)])] = []
    var pending: [String] = []

    /// Orders placed per 1,000 events after the catalog (the default, 450, is a busy shop;
    /// 100 gives a 10M-event history with 1M orders and many inventory and price events).
    public let orderPermille: Int

    public init(seed: UInt64, skuCount: Int = 100_000, idStyle: IDStyle = .sequential, orderPermille: Int = 450) {
        self.random = SeededRandom(seed: seed)
        self.skuCount = skuCount
        self.idStyle = idStyle
        self.orderPermille = orderPermille
    }

    static let hex = Array("0123456789abcdef".utf8)

    mutating func nextID() -> String {
        eventNumber += 1
        switch idStyle {
        case .sequential:
            let digits = String(eventNumber)
            return "ev-" + String(repeating: "0", count: max(0, 9 - digits.count)) + digits
        case .random128:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32)
            for _ in 0..<2 {
                var v = random.next()
                for _ in 0..<16 { bytes.append(SyntheticHistory.hex[Int(v & 0xF)]); v >>= 4 }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    mutating func timestamp() -> String {
        // Strictly increasing: no two events share an instant, so markers can sit between them.
        clockSeconds += Int64(1 + random.below(2))
        return Self.format(clockSeconds)
    }

    static func format(_ seconds: Int64) -> String {
        Timestamp(microseconds: seconds * 1_000_000).rfc3339
    }

    func sku(_ n: Int) -> String { "SKU-\(n)" }

    mutating func line(_ type: String, _ source: String, _ data: String) -> String {
        "{\"id\":\"\(nextID())\",\"type\":\"\(type)\",\"occurred_at\":\"\(timestamp())\",\"source\":\"\(source)\",\"data\":\(data)}"
    }

    /// The next event line.
    public mutating func next() -> String {
        if !pending.isEmpty { return pending.removeFirst() }
        // The catalog first: one price and one stock level per SKU, in the first events.
        if eventNumber < 2 * skuCount {
            let n = eventNumber / 2
            if eventNumber % 2 == 0 {
                return line("price.changed", "catalog", "{\"sku\":\"\(sku(n))\",\"price\":\(500 + random.below(20_000)),\"currency\":\"USD\"}")
            }
            return line("inventory.set", "warehouse", "{\"sku\":\"\(sku(n))\",\"location\":\"main\",\"available\":\(50 + random.below(500)),\"reason\":\"baseline\"}")
        }
        let o = orderPermille
        let roll = random.below(1000)
        if roll < o { return placeOrder() }
        if roll < o + o * 2 / 3 {
            if let order = takeOpenOrder() { return fulfill(order) }
            return placeOrder()
        }
        if roll < o + o * 2 / 3 + o / 9 {
            if let order = takeOpenOrder() { return refund(order) }
            return placeOrder()
        }
        if roll < o + o * 2 / 3 + o / 9 + o / 15 {
            if let order = takeOpenOrder() {
                return line("order.cancelled", "webshop", "{\"order_id\":\"\(order.id)\",\"restock\":true,\"reason\":\"customer\"}")
            }
            return placeOrder()
        }
        switch random.below(10) {
        case 0..<5:
            return line("inventory.adjusted", "warehouse", "{\"sku\":\"\(sku(random.below(skuCount)))\",\"location\":\"main\",\"delta\":\(1 + random.below(40)),\"reason\":\"restock\",\"ref\":\"PO-\(random.below(100_000))\"}")
        case 5..<8:
            return line("price.changed", "catalog", "{\"sku\":\"\(sku(random.below(skuCount)))\",\"price\":\(500 + random.below(20_000)),\"currency\":\"USD\",\"compare_at\":\(21_000 + random.below(1000))}")
        case 8:
            return line("inventory.set", "warehouse", "{\"sku\":\"\(sku(random.below(skuCount)))\",\"location\":\"main\",\"available\":\(20 + random.below(500)),\"reason\":\"sync\"}")
        default:
            let code = "CODE\(random.below(500))"
            if random.chance(20) { return line("discount.deleted", "admin", "{\"code\":\"\(code)\"}") }
            return line("discount.upserted", "admin", "{\"code\":\"\(code)\",\"kind\":\"percentage\",\"value\":\(100 * (1 + random.below(30))),\"status\":\"active\",\"starts_at\":\"2026-11-01T00:00:00Z\",\"usage_limit\":\(1 + random.below(1000))}")
        }
    }

    mutating func takeOpenOrder() -> (id: Int, lines: [(line: Int, qty: Int)])? {
        guard !openOrders.isEmpty else { return nil }
        let index = random.below(openOrders.count)
        return openOrders.remove(at: index)
    }

    mutating func placeOrder() -> String {
        orderNumber += 1
        let lineCount = 1 + random.below(4)
        var lines: [String] = []
        var kept: [(line: Int, qty: Int)] = []
        var total = 0
        for l in 1...lineCount {
            let qty = 1 + random.below(3)
            let price = 500 + random.below(20_000)
            total += qty * price
            kept.append((l, qty))
            lines.append("{\"line_id\":\"\(l)\",\"sku\":\"\(sku(random.below(skuCount)))\",\"qty\":\(qty),\"unit_price\":\(price),\"discount\":0}")
        }
        if openOrders.count < 10_000 { openOrders.append((orderNumber, kept)) }
        let email = "customer\(random.below(200_000))@example.com"
        return line("order.placed", "webshop", "{\"order_id\":\"\(orderNumber)\",\"location\":\"main\",\"currency\":\"USD\",\"lines\":[\(lines.joined(separator: ","))],\"total\":\(total),\"customer_email\":\"\(email)\"}")
    }

    mutating func fulfill(_ order: (id: Int, lines: [(line: Int, qty: Int)])) -> String {
        fulfillmentNumber += 1
        let lines = order.lines.map { "{\"line_id\":\"\($0.line)\",\"qty\":\($0.qty)}" }.joined(separator: ",")
        return line("fulfillment.created", "3pl", "{\"fulfillment_id\":\"F-\(fulfillmentNumber)\",\"order_id\":\"\(order.id)\",\"location\":\"main\",\"lines\":[\(lines)],\"carrier\":\"UPS\",\"tracking_number\":\"1Z\(random.next() % 1_000_000_000_000)\"}")
    }

    mutating func refund(_ order: (id: Int, lines: [(line: Int, qty: Int)])) -> String {
        refundNumber += 1
        let first = order.lines[0]
        return line("order.refunded", "webshop", "{\"order_id\":\"\(order.id)\",\"refund_id\":\"R-\(refundNumber)\",\"amount\":\(100 + random.below(5000)),\"lines\":[{\"line_id\":\"\(first.line)\",\"qty\":1,\"restock\":true}]}")
    }
}
