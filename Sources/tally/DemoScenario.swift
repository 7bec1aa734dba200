import TallyCore

/// The demo's story, as event lines: three days of trading, a nightly snapshot,
/// a lost afternoon, a restore from that snapshot, and two hours of trading on
/// the stale store. Deterministic: the same lines every run.
struct DemoScenario {
    static let snapshotID = "nightly-2026-11-19"
    static let snapshotAt = "2026-11-19T03:00:00Z"
    static let restoreAt = "2026-11-19T16:00:00Z"

    private(set) var lines: [String] = []
    private var next = 0

    private mutating func add(_ type: String, _ at: String, _ source: String, _ data: String) {
        next += 1
        lines.append("{\"id\":\"demo-\(next)\",\"type\":\"\(type)\",\"occurred_at\":\"\(at)\",\"source\":\"\(source)\",\"data\":\(data)}")
    }

    static let catalog: [(sku: String, price: Int, stock: Int)] = [
        ("TEE-BLK-M", 1999, 40), ("TEE-BLK-L", 1999, 35), ("TEE-WHT-M", 1899, 30),
        ("HOODIE-GRY-M", 4999, 12), ("MUG-WHT", 1299, 8), ("CAP-NVY", 2499, 20),
    ]

    private mutating func order(_ id: Int, _ at: String, _ items: [(String, Int)], email: String, codes: [String] = [], source: String = "webshop") {
        var total = 0
        let lineJSON = items.enumerated().map { (i, item) -> String in
            let price = DemoScenario.catalog.first { $0.sku == item.0 }!.price
            total += price * item.1
            return "{\"line_id\":\"\(i + 1)\",\"sku\":\"\(item.0)\",\"qty\":\(item.1),\"unit_price\":\(price)}"
        }.joined(separator: ",")
        let codeJSON = codes.isEmpty ? "" : ",\"discount_codes\":[" + codes.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        add("order.placed", at, source, "{\"order_id\":\"\(id)\",\"location\":\"main\",\"currency\":\"USD\",\"lines\":[\(lineJSON)],\"total\":\(total),\"customer_email\":\"\(email)\"\(codeJSON)}")
    }

    private mutating func ship(_ fulfillmentID: String, _ orderID: Int, _ at: String, _ lines: [(Int, Int)], tracking: String) {
        let lineJSON = lines.map { "{\"line_id\":\"\($0.0)\",\"qty\":\($0.1)}" }.joined(separator: ",")
        add("fulfillment.created", at, "3pl", "{\"fulfillment_id\":\"\(fulfillmentID)\",\"order_id\":\"\(orderID)\",\"location\":\"main\",\"lines\":[\(lineJSON)],\"carrier\":\"UPS\",\"tracking_number\":\"\(tracking)\"}")
    }

    /// Events up to the snapshot.
    static func build() -> DemoScenario {
        var s = DemoScenario()
        for item in catalog {
            s.add("price.changed", "2026-11-16T08:00:00Z", "catalog", "{\"sku\":\"\(item.sku)\",\"price\":\(item.price),\"currency\":\"USD\"}")
            s.add("inventory.set", "2026-11-16T08:00:00Z", "warehouse", "{\"sku\":\"\(item.sku)\",\"location\":\"main\",\"available\":\(item.stock),\"reason\":\"baseline\"}")
        }
        s.add("discount.upserted", "2026-11-16T08:30:00Z", "admin", "{\"code\":\"WELCOME10\",\"kind\":\"percentage\",\"value\":1000,\"status\":\"active\",\"usage_limit\":500}")
        s.add("discount.upserted", "2026-11-16T08:30:00Z", "admin", "{\"code\":\"FREESHIP\",\"kind\":\"free_shipping\",\"value\":0,\"status\":\"active\"}")
        // Days 1–3: orders 1001–1012, most of them shipped.
        let skus = catalog.map(\.sku)
        for n in 0..<12 {
            let day = 16 + n / 4
            let at = "2026-11-\(day)T\(10 + n % 4 * 2):15:00Z"
            s.order(1001 + n, at, [(skus[n % 4], 1 + n % 2), (skus[(n + 2) % 6], 1)], email: "customer\(n + 1)@example.com",
                    codes: n % 3 == 0 ? ["WELCOME10"] : [])
            if n < 10 {
                s.ship("F-\(1001 + n)", 1001 + n, "2026-11-\(day)T\(11 + n % 4 * 2):40:00Z", [(1, 1 + n % 2), (2, 1)], tracking: "1Z999AA1\(1000 + n)")
            }
        }
        s.add("order.refunded", "2026-11-18T15:00:00Z", "webshop", "{\"order_id\":\"1002\",\"refund_id\":\"R-1\",\"amount\":1999,\"lines\":[{\"line_id\":\"1\",\"qty\":1,\"restock\":true}]}")
        s.add("snapshot.taken", snapshotAt, "backup", "{\"snapshot_id\":\"\(snapshotID)\",\"label\":\"nightly\"}")
        return s
    }

    /// The lost window: what happened after the snapshot and before the restore.
    mutating func lostWindow() {
        order(1013, "2026-11-19T09:05:00Z", [("MUG-WHT", 3), ("TEE-BLK-M", 1)], email: "dana@example.com")
        order(1014, "2026-11-19T09:40:00Z", [("MUG-WHT", 2)], email: "eli@example.com", codes: ["WELCOME10"])
        order(1015, "2026-11-19T10:10:00Z", [("HOODIE-GRY-M", 1)], email: "fay@example.com")
        ship("F-1013", 1013, "2026-11-19T11:30:00Z", [(1, 3), (2, 1)], tracking: "1Z999AA10123456784")
        ship("F-1015", 1015, "2026-11-19T11:45:00Z", [(1, 1)], tracking: "1Z999AA10123456785")
        add("order.refunded", "2026-11-19T12:20:00Z", "webshop", "{\"order_id\":\"1011\",\"refund_id\":\"R-2\",\"amount\":1999,\"lines\":[{\"line_id\":\"1\",\"qty\":1,\"restock\":true}]}")
        add("order.cancelled", "2026-11-19T12:45:00Z", "webshop", "{\"order_id\":\"1012\",\"restock\":true,\"reason\":\"customer\"}")
        add("price.changed", "2026-11-19T13:00:00Z", "catalog", "{\"sku\":\"HOODIE-GRY-M\",\"price\":5999,\"currency\":\"USD\"}")
        add("discount.deleted", "2026-11-19T13:30:00Z", "admin", "{\"code\":\"WELCOME10\"}")
        add("inventory.adjusted", "2026-11-19T14:00:00Z", "warehouse", "{\"sku\":\"CAP-NVY\",\"location\":\"main\",\"delta\":-3,\"reason\":\"damage\",\"ref\":\"DMG-7\"}")
        add("restore.performed", DemoScenario.restoreAt, "ops", "{\"snapshot_id\":\"\(DemoScenario.snapshotID)\"}")
    }

    /// After the restore: the store trades on stale stock and reuses order number 1013.
    mutating func afterRestore() {
        order(1013, "2026-11-19T16:20:00Z", [("CAP-NVY", 1)], email: "gus@example.com")
        // Order 1016 sells mugs the store still shows in stock (the lost window sold them).
        order(1016, "2026-11-19T16:35:00Z", [("MUG-WHT", 3)], email: "hana@example.com", codes: ["WELCOME10"])
        // The warehouse sees 1015 as unfulfilled in the restored store and ships it again.
        ship("F-2015", 1015, "2026-11-19T17:10:00Z", [(1, 1)], tracking: "1Z999AA10123459999")
    }

    var count: Int { lines.count }
}
