import Foundation
import Testing
import TallyCore

/// Reads a webhook fixture as a JSON value.
func webhookFixture(_ platform: String, _ name: String) throws -> JSONValue {
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(fixturesPathForCore)/webhooks/\(platform)/\(name)")))
    return try JSONParser.parse(bytes)
}

/// The events a mapping produced, each decoded and validated like any appended line.
func decoded(_ mapping: CaptureMapping) throws -> [Event] {
    guard case .events(let values) = mapping else { Issue.record("expected events, got \(mapping)"); return [] }
    return try values.map { value in
        switch EventDecoder.decode(value, input: "test", line: 1) {
        case .success(let e): return e
        case .failure(let r): throw r
        }
    }
}

func mapShopify(_ topic: String, _ file: String, settings: CaptureSettings = .init(defaultLocation: "online", currency: "USD"),
                price: CurrentPrice? = nil) throws -> CaptureMapping {
    try ShopifyMapping.map(topic: topic, body: try webhookFixture("shopify", file), settings: settings, currentPrice: { _ in price })
}

@Suite("Shopify webhook mapping")
struct ShopifyMappingTests {
    @Test("orders/create becomes order.placed with the numeric id as a decimal string, exact money and the default location")
    func orderCreate() throws {
        let events = try decoded(try mapShopify("orders/create", "orders-create.json"))
        #expect(events.count == 1)
        let e = try #require(events.first)
        #expect(e.id.rawValue == "shopify-order-5678901234567890123")
        #expect(e.occurredAt == Timestamp.parse("2026-11-26T19:05:31Z"))
        guard case .orderPlaced(let o) = e.payload else { Issue.record("not a placement"); return }
        #expect(o.orderID.rawValue == "5678901234567890123")  // beyond 2^53: never through a Double
        #expect(o.location.rawValue == "online")
        #expect(o.total == 5897)
        #expect(o.lines.map(\.lineID.rawValue) == ["1357924680135792468", "1357924680135792469"])
        #expect(o.lines.map(\.unitPrice) == [1999, 1999])
        #expect(o.lines.map(\.discount) == [400, 200])
        #expect(o.lines.map(\.qty) == [2, 1])
        #expect(o.customerEmail == "ana@example.com")
        #expect(o.discountCodes == ["WELCOME10"])
    }

    @Test("an order without location_id and no default location cannot be mapped, and says which setting is missing")
    func noLocation() throws {
        #expect(throws: MappingError("location_id is null and no default location is configured ([shopify] default_location in the config)")) {
            try mapShopify("orders/create", "orders-create.json", settings: .init())
        }
    }

    @Test("fulfillments/create keeps carrier and tracking number; the location is the payload's location_id")
    func fulfillment() throws {
        let e = try #require(try decoded(try mapShopify("fulfillments/create", "fulfillments-create.json")).first)
        guard case .fulfillmentCreated(let f) = e.payload else { Issue.record("not a fulfillment"); return }
        #expect(f.fulfillmentID.rawValue == "4987654321098765432")
        #expect(f.orderID.rawValue == "5678901234567890123")
        #expect(f.location.rawValue == "71234567890")
        #expect(f.carrier == "UPS")
        #expect(f.trackingNumber == "1Z999AA10123456784")
        #expect(f.lines.map(\.qty) == [2, 1])
    }

    @Test("fulfillments/update with status cancelled becomes fulfillment.cancelled; other statuses are kept as evidence")
    func fulfillmentUpdate() throws {
        let e = try #require(try decoded(try mapShopify("fulfillments/update", "fulfillments-update-cancelled.json")).first)
        #expect(e.type == .fulfillmentCancelled)
        #expect(e.occurredAt == Timestamp.parse("2026-11-27T15:00:00Z"))
        let body = try JSONParser.parse(#"{"id": 1, "status": "success", "updated_at": "2026-11-27T10:00:00-05:00"}"#)
        let kept = try ShopifyMapping.map(topic: "fulfillments/update", body: body, settings: .init(), currentPrice: { _ in nil })
        guard case .kept = kept else { Issue.record("expected kept, got \(kept)"); return }
    }

    @Test("refunds/create sums successful refund transactions and restocks all but no_restock lines")
    func refund() throws {
        let e = try #require(try decoded(try mapShopify("refunds/create", "refunds-create.json")).first)
        guard case .orderRefunded(let r) = e.payload else { Issue.record("not a refund"); return }
        #expect(r.refundID.rawValue == "929361462")
        #expect(r.amount == 1799)
        #expect(r.lines.count == 1)
        #expect(r.lines.first?.restock == true)
        #expect(r.lines.first?.lineID.rawValue == "1357924680135792469")
    }

    @Test("orders/cancelled restocks nothing itself (Shopify restocks through a refund) and keeps the reason")
    func cancelled() throws {
        let e = try #require(try decoded(try mapShopify("orders/cancelled", "orders-cancelled.json")).first)
        guard case .orderCancelled(let c) = e.payload else { Issue.record("not a cancellation"); return }
        #expect(c.restock == false)
        #expect(c.reason == "customer")
        #expect(e.occurredAt == Timestamp.parse("2026-11-27T17:00:00Z"))
    }

    @Test("products/update emits price.changed only for variants whose price differs from truth")
    func products() throws {
        let same = CurrentPrice(price: 1999, compareAt: nil, currency: "USD")
        let events = try decoded(try mapShopify("products/update", "products-update.json", price: same))
        #expect(events.count == 1)  // TEE-BLK-L is unchanged at 19.99
        guard case .priceChanged(let p)? = events.first?.payload else { Issue.record("no price change"); return }
        #expect(p.sku.rawValue == "TEE-BLK-M")
        #expect(p.price == 1799)
        #expect(p.compareAt == 2499)
        #expect(p.currency == "USD")
    }

    @Test("inventory_levels/update is kept as evidence, never mapped over truth")
    func inventoryLevels() throws {
        guard case .kept(let why) = try mapShopify("inventory_levels/update", "inventory-levels-update.json") else {
            Issue.record("inventory levels must not become events"); return
        }
        #expect(why.contains("stale"))
    }

    @Test("payload errors name the field's path and the rule")
    func errors() throws {
        func message(_ json: String, topic: String = "orders/create") -> String? {
            do {
                _ = try ShopifyMapping.map(topic: topic, body: try JSONParser.parse(json), settings: .init(defaultLocation: "x"), currentPrice: { _ in nil })
                return nil
            } catch let error as MappingError { return error.message } catch { return "\(error)" }
        }
        let base = #""id": 1, "currency": "USD", "created_at": "2026-11-26T14:05:31-05:00", "total_price": "1.00""#
        #expect(message("[]") == "the body must be a JSON object, got an empty array")
        #expect(message("{\(base), \"line_items\": [{\"id\": 2, \"sku\": \"A\", \"quantity\": -2, \"price\": \"1.00\"}]}")
                == "line_items[0].quantity must be an integer ≥ 1, got -2")
        #expect(message("{\(base), \"line_items\": [{\"id\": 2, \"sku\": \"A\", \"quantity\": 1, \"price\": \"1.005\"}]}")
                == "line_items[0].price must be an amount with at most 2 decimals for USD, got \"1.005\"")
        #expect(message("{\(base), \"line_items\": [{\"id\": 2.5, \"sku\": \"A\", \"quantity\": 1, \"price\": \"1.00\"}]}")
                == "line_items[0].id must be an id (an integer or a non-empty string), got 2.5")
        #expect(message("{\(base), \"line_items\": []}") == "line_items must not be empty")
        #expect(message(#"{"id": 1, "currency": "USD", "created_at": "yesterday", "total_price": "1.00", "line_items": []}"#)
                == "created_at must be an RFC 3339 timestamp with an offset, got \"yesterday\"")
        #expect(message(#"{"id": 1}"#, topic: "refunds/create") == "created_at must be a timestamp, got nothing (the field is missing)")
    }

    @Test("money converts exactly in the currency's minor units (JPY has none, KWD three)")
    func money() throws {
        let p = try Payload.root(try JSONParser.parse(#"{"a": "1500", "b": "1.250", "c": 17.99, "d": "1e3"}"#))
        #expect(try p.money("a", currency: "JPY") == 1500)
        #expect(try p.money("b", currency: "KWD") == 1250)
        #expect(try p.money("c", currency: "USD") == 1799)
        #expect(throws: MappingError.self) { try p.money("d", currency: "USD") }
    }
}

@Suite("WooCommerce webhook mapping")
struct WooCommerceMappingTests {
    @Test("order.created uses subtotal over quantity for the unit price, reads *_gmt as UTC and takes the default location")
    func orderCreated() throws {
        let mapping = try WooCommerceMapping.map(topic: "order.created", body: try webhookFixture("woocommerce", "order-created.json"),
                                                 settings: .init(defaultLocation: "web"), currentPrice: { _ in nil })
        let e = try #require(try decoded(mapping).first)
        #expect(e.occurredAt == Timestamp.parse("2026-11-26T16:28:08Z"))
        guard case .orderPlaced(let o) = e.payload else { Issue.record("not a placement"); return }
        #expect(o.orderID.rawValue == "727")
        #expect(o.location.rawValue == "web")
        #expect(o.lines.first?.unitPrice == 1999)
        #expect(o.lines.first?.discount == 200)
        #expect(o.total == 4298)
        #expect(o.customerEmail == "cleo@example.com")
        #expect(o.discountCodes == ["mug2"])
    }

    @Test("order.updated to cancelled becomes order.cancelled with restock, and each listed refund an order.refunded once")
    func orderUpdated() throws {
        let body = try webhookFixture("woocommerce", "order-updated-cancelled.json")
        let events = try decoded(try WooCommerceMapping.map(topic: "order.updated", body: body, settings: .init(), currentPrice: { _ in nil }))
        #expect(events.map(\.type) == [.orderCancelled, .orderRefunded])
        guard case .orderRefunded(let r)? = events.last?.payload else { return }
        #expect(r.amount == 4298)
        let again = try WooCommerceMapping.map(topic: "order.updated", body: body, settings: .init(), currentPrice: { _ in nil },
                                               isJournaled: { $0 == "woocommerce-refund-731" })
        #expect(try decoded(again).map(\.type) == [.orderCancelled])
    }
}

@Suite("Server configuration")
struct ServerConfigTests {
    @Test("tokens, webhook secrets, default locations and the body limit parse; mistakes name the line")
    func parse() throws {
        let config = try TallyConfig.parse("""
            [server]
            max_body_bytes = 65536
            [tokens.ci]
            token = "0123456789abcdef0123"
            access = "write"
            [tokens.grafana]
            token = "fedcba9876543210fedc"
            access = "read"
            [shopify]
            secrets = ["new-secret", "old-secret"]
            default_location = "online"
            currency = "USD"
            [woocommerce]
            secrets = ["woo"]
            """)
        #expect(config.maxBodyBytes == 65536)
        #expect(config.tokens["ci"]?.canWrite == true)
        #expect(config.tokens["grafana"]?.canWrite == false)
        #expect(config.shopify.secrets == ["new-secret", "old-secret"])
        #expect(config.shopify.defaultLocation == "online")
        #expect(config.woocommerce.secrets == ["woo"])
        #expect(throws: ConfigError(message: "tally.toml:2: token must be at least 16 characters")) {
            try TallyConfig.parse("[tokens.x]\ntoken = \"short\"")
        }
        #expect(throws: ConfigError(message: "tally.toml:2: secrets must be an array of non-empty strings, such as [\"new\", \"old\"]")) {
            try TallyConfig.parse("[shopify]\nsecrets = \"one\"")
        }
        #expect(throws: ConfigError(message: "tally.toml: [tokens.x] has no token")) { try TallyConfig.parse("[tokens.x]\naccess = \"read\"") }
    }

    @Test("the retention policy and checkpoint interval parse; a keep under a day, a bad interval and an unknown key are refused")
    func retention() throws {
        let config = try TallyConfig.parse("[retention]\nkeep = \"400d\"\narchives = \"/srv/archives\"\n[checkpoints]\nevery = 0")
        #expect(config.retentionKeepSeconds == 400 * 86_400 && config.retentionArchives == "/srv/archives" && config.checkpointEvery == 0)
        #expect(TallyConfig().retentionKeepSeconds == nil && TallyConfig().checkpointEvery == 1_000_000)
        #expect(throws: ConfigError(message: "tally.toml:2: keep must be a duration of at least a day, such as \"400d\", got \"12h\"")) {
            try TallyConfig.parse("[retention]\nkeep = \"12h\"")
        }
        #expect(throws: ConfigError(message: "tally.toml:2: every must be a number of events (0: no automatic checkpoints), got -1")) {
            try TallyConfig.parse("[checkpoints]\nevery = -1")
        }
        #expect(throws: ConfigError(message: "tally.toml:2: unknown key days in [retention] (see the README's configuration section)")) {
            try TallyConfig.parse("[retention]\ndays = 400")
        }
    }
}
