import Testing
import TallyCore
import Foundation

@Suite("Event validation (contract §2, §3, §10)")
struct EventDecoderTests {
    @Test("accepts one valid event of every type from the contract's examples")
    func examples() throws {
        let text = try String(contentsOfFile: "\(fixturesPathForCore)/events/valid.ndjson", encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 12 + 1)
        var types = Set<EventType>()
        for line in lines {
            let event = accepted(String(line))
            #expect(event != nil, "rejected: \(line)")
            if let event { types.insert(event.type) }
        }
        #expect(types.count == 12)
    }

    @Test("names input, line, type, field and rule")
    func messageShape() {
        let line = eventLine("order.placed", #"{"order_id":"1","location":"main","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1},{"line_id":"2","sku":"A","qty":-2,"unit_price":1}],"total":1}"#)
        #expect(rejection(line) == "events.ndjson:17: order.placed: data.lines[1].qty must be an integer ≥ 1, got -2")
    }

    @Test("integers: fractions, exponents, 64-bit overflow and booleans are rejected", arguments: [
        ("1999.0", "must be an integer ≥ 0, got 1999.0"), ("2e3", "must be an integer ≥ 0, got 2e3"),
        ("9223372036854775808", "within the signed 64-bit range"), ("true", "must be an integer ≥ 0, got true"),
        ("\"5\"", "must be an integer ≥ 0, got \"5\""), ("-1", "must be an integer ≥ 0, got -1"),
    ])
    func integers(_ value: String, _ expected: String) throws {
        let message = try #require(rejection(eventLine("price.changed", "{\"sku\":\"A\",\"price\":\(value),\"currency\":\"USD\"}")))
        #expect(message.contains("data.price"))
        #expect(message.contains(expected))
    }

    @Test("-0 is 0 and the 64-bit extremes are integers")
    func integerEdges() {
        #expect(accepted(eventLine("inventory.set", #"{"sku":"A","location":"m","available":-0,"reason":"count"}"#)) != nil)
        #expect(accepted(eventLine("inventory.set", #"{"sku":"A","location":"m","available":-9223372036854775808,"reason":"count"}"#)) != nil)
        #expect(accepted(eventLine("inventory.set", #"{"sku":"A","location":"m","available":9223372036854775807,"reason":"count"}"#)) != nil)
    }

    @Test("1 is not a boolean")
    func booleans() throws {
        let message = try #require(rejection(eventLine("order.cancelled", #"{"order_id":"1","restock":1}"#)))
        #expect(message.hasSuffix("data.restock must be true or false, got 1"))
    }

    @Test("identifiers are non-empty and at most 200 code points")
    func identifiers() throws {
        let ok = String(repeating: "é", count: 200)
        #expect(accepted(eventLine("discount.deleted", "{\"code\":\"\(ok)\"}")) != nil)
        let long = try #require(rejection(eventLine("discount.deleted", "{\"code\":\"\(ok)x\"}")))
        #expect(long.hasSuffix("data.code must be a non-empty string of at most 200 characters, got a string of 201 characters"))
        let empty = try #require(rejection(eventLine("discount.deleted", #"{"code":""}"#)))
        #expect(empty.hasSuffix(#"data.code must be a non-empty string of at most 200 characters, got """#))
        let number = try #require(rejection(eventLine("discount.deleted", #"{"code":7}"#)))
        #expect(number.hasSuffix("got 7"))
        let longID = try #require(rejection(eventLine("discount.deleted", #"{"code":"A"}"#, id: String(repeating: "i", count: 201))))
        #expect(longID.contains(": id must be a non-empty string"))
    }

    @Test("each identifier field is checked", arguments: [
        ("price.changed", #"{"sku":"","price":1,"currency":"USD"}"#, "data.sku"),
        ("inventory.set", #"{"sku":"A","location":"","available":1,"reason":"count"}"#, "data.location"),
        ("order.placed", #"{"order_id":"","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1}],"total":1}"#, "data.order_id"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"","sku":"A","qty":1,"unit_price":1}],"total":1}"#, "data.lines[0].line_id"),
        ("fulfillment.created", #"{"fulfillment_id":"","order_id":"1","location":"m","lines":[{"line_id":"1","qty":1}]}"#, "data.fulfillment_id"),
        ("order.refunded", #"{"order_id":"1","refund_id":"","amount":1,"lines":[]}"#, "data.refund_id"),
        ("snapshot.taken", #"{"snapshot_id":""}"#, "data.snapshot_id"),
        ("restore.performed", #"{"snapshot_id":""}"#, "data.snapshot_id"),
    ])
    func identifierFields(_ type: String, _ data: String, _ path: String) throws {
        let message = try #require(rejection(eventLine(type, data)))
        #expect(message.contains("\(type): \(path) must be a non-empty string"))
    }

    @Test("required fields are named when missing", arguments: [
        ("price.changed", #"{"sku":"A","currency":"USD"}"#, "data.price is required"),
        ("inventory.set", #"{"sku":"A","location":"m","available":1}"#, "data.reason is required"),
        ("inventory.adjusted", #"{"sku":"A","location":"m","reason":"restock"}"#, "data.delta is required"),
        ("discount.upserted", #"{"code":"A","kind":"percentage","value":1}"#, "data.status is required"),
        ("discount.deleted", #"{}"#, "data.code is required"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","total":1}"#, "data.lines is required"),
        ("order.cancelled", #"{"order_id":"1"}"#, "data.restock is required"),
        ("order.refunded", #"{"order_id":"1","refund_id":"r","amount":1}"#, "data.lines is required"),
        ("fulfillment.created", #"{"fulfillment_id":"f","order_id":"1","lines":[{"line_id":"1","qty":1}]}"#, "data.location is required"),
        ("fulfillment.cancelled", #"{}"#, "data.fulfillment_id is required"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","unit_price":1}],"total":1}"#, "data.lines[0].qty is required"),
        ("order.refunded", #"{"order_id":"1","refund_id":"r","amount":1,"lines":[{"line_id":"1","qty":1}]}"#, "data.lines[0].restock is required"),
    ])
    func missing(_ type: String, _ data: String, _ expected: String) throws {
        let message = try #require(rejection(eventLine(type, data)))
        #expect(message == "events.ndjson:17: \(type): \(expected)")
    }

    @Test("envelope fields are required and typed", arguments: [
        (#"{"type":"discount.deleted","occurred_at":"2026-11-20T10:15:00Z","data":{"code":"A"}}"#, "events.ndjson:17: id is required"),
        (#"{"id":"e","occurred_at":"2026-11-20T10:15:00Z","data":{"code":"A"}}"#, "events.ndjson:17: type is required"),
        (#"{"id":"e","type":"discount.deleted","data":{"code":"A"}}"#, "events.ndjson:17: discount.deleted: occurred_at is required"),
        (#"{"id":"e","type":"discount.deleted","occurred_at":"2026-11-20T10:15:00Z"}"#, "events.ndjson:17: discount.deleted: data is required"),
        (#"{"id":"e","type":"discount.deleted","occurred_at":"2026-11-20T10:15:00Z","data":[]}"#, "events.ndjson:17: discount.deleted: data must be an object, got an empty array"),
        (#"{"id":"e","type":"discount.deleted","occurred_at":"2026-11-20T10:15:00Z","source":5,"data":{"code":"A"}}"#, "events.ndjson:17: discount.deleted: source must be a string, got 5"),
        (#"[1]"#, "events.ndjson:17: an event must be a JSON object, got an array"),
    ])
    func envelope(_ line: String, _ expected: String) {
        #expect(rejection(line) == expected)
    }

    @Test("unknown types are rejected with the list of known ones")
    func unknownType() throws {
        let message = try #require(rejection(eventLine("order.shipped", "{}")))
        #expect(message.hasPrefix("events.ndjson:17: type must be one of price.changed,"))
        #expect(message.hasSuffix(#"got "order.shipped""#))
    }

    @Test("enumerations, currency and non-zero delta", arguments: [
        ("inventory.set", #"{"sku":"A","location":"m","available":1,"reason":"guess"}"#, "data.reason must be one of count, sync, baseline"),
        ("inventory.adjusted", #"{"sku":"A","location":"m","delta":0,"reason":"restock"}"#, "data.delta must be a non-zero integer, got 0"),
        ("inventory.adjusted", #"{"sku":"A","location":"m","delta":1,"reason":"sale"}"#, "data.reason must be one of restock, return, correction, damage, transfer, other"),
        ("discount.upserted", #"{"code":"A","kind":"bogo","value":1,"status":"active"}"#, "data.kind must be one of percentage, fixed_amount, free_shipping"),
        ("discount.upserted", #"{"code":"A","kind":"percentage","value":1,"status":"paused"}"#, "data.status must be one of active, disabled"),
        ("discount.upserted", #"{"code":"A","kind":"free_shipping","value":5,"status":"active"}"#, "data.value must be 0 for kind free_shipping, got 5"),
        ("discount.upserted", #"{"code":"A","kind":"percentage","value":1,"status":"active","usage_limit":0}"#, "data.usage_limit must be an integer ≥ 1, got 0"),
        ("discount.upserted", #"{"code":"A","kind":"percentage","value":1,"status":"active","starts_at":"tomorrow"}"#, "data.starts_at must be an RFC 3339 timestamp"),
        ("price.changed", #"{"sku":"A","price":1,"currency":"usd"}"#, "data.currency must be three upper-case letters (ISO 4217), got \"usd\""),
        ("price.changed", #"{"sku":"A","price":1,"currency":"US"}"#, "data.currency must be three upper-case letters"),
        ("price.changed", #"{"sku":"A","price":1,"currency":"USD","compare_at":-1}"#, "data.compare_at must be an integer ≥ 0, got -1"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[],"total":1}"#, "data.lines must be a non-empty array, got an empty array"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1},{"line_id":"1","sku":"B","qty":1,"unit_price":1}],"total":1}"#, "data.lines[1].line_id must be distinct within the order"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1,"discount":-1}],"total":1}"#, "data.lines[0].discount must be an integer ≥ 0, got -1"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[3],"total":1}"#, "data.lines[0] must be an object, got 3"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1}],"total":1,"discount_codes":["A",2]}"#, "data.discount_codes[1] must be a string, got 2"),
        ("order.placed", #"{"order_id":"1","location":"m","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":1}],"total":1,"customer_email":false}"#, "data.customer_email must be a string, got false"),
        ("fulfillment.created", #"{"fulfillment_id":"f","order_id":"1","location":"m","lines":[]}"#, "data.lines must be a non-empty array"),
        ("fulfillment.created", #"{"fulfillment_id":"f","order_id":"1","location":"m","lines":[{"line_id":"1","qty":0}]}"#, "data.lines[0].qty must be an integer ≥ 1, got 0"),
        ("order.refunded", #"{"order_id":"1","refund_id":"r","amount":-5,"lines":[]}"#, "data.amount must be an integer ≥ 0, got -5"),
        ("snapshot.taken", #"{"snapshot_id":"s","label":1}"#, "data.label must be a string, got 1"),
    ])
    func rules(_ type: String, _ data: String, _ expected: String) throws {
        let message = try #require(rejection(eventLine(type, data)))
        #expect(message.contains("\(type): \(expected)"), "\(message)")
    }

    @Test("accepts what contract §10 allows")
    func allowances() {
        // Percentage above 10000, ends before starts, repeated refund and fulfillment line ids, empty refund lines.
        #expect(accepted(eventLine("discount.upserted", #"{"code":"A","kind":"percentage","value":20000,"status":"active","starts_at":"2026-12-01T00:00:00Z","ends_at":"2026-11-01T00:00:00Z"}"#)) != nil)
        #expect(accepted(eventLine("order.refunded", #"{"order_id":"1","refund_id":"r","amount":0,"lines":[]}"#)) != nil)
        #expect(accepted(eventLine("order.refunded", #"{"order_id":"1","refund_id":"r","amount":0,"lines":[{"line_id":"1","qty":1,"restock":true},{"line_id":"1","qty":2,"restock":false}]}"#)) != nil)
        #expect(accepted(eventLine("fulfillment.created", #"{"fulfillment_id":"f","order_id":"1","location":"m","lines":[{"line_id":"1","qty":1},{"line_id":"1","qty":1}]}"#)) != nil)
        // Optional fields given as null are absent; unknown fields are kept verbatim.
        let e = accepted(eventLine("price.changed", #"{"sku":"A","price":1,"currency":"USD","compare_at":null,"note":{"x":[1.5]}}"#))
        #expect(e?.canonicalData == #"{"currency":"USD","note":{"x":[15e-1]},"price":1,"sku":"A"}"#)
        // source defaults to "unknown"; source null is absent.
        #expect(accepted(eventLine("discount.deleted", #"{"code":"A"}"#))?.source == "unknown")
        #expect(accepted(#"{"id":"e","type":"discount.deleted","occurred_at":"2026-11-20T10:15:00Z","source":null,"data":{"code":"A"},"extra":1}"#)?.source == "unknown")
        // Other text fields may be any length.
        let longEmail = String(repeating: "a", count: 500)
        #expect(accepted(eventLine("order.placed", "{\"order_id\":\"1\",\"location\":\"m\",\"currency\":\"USD\",\"lines\":[{\"line_id\":\"1\",\"sku\":\"A\",\"qty\":1,\"unit_price\":1}],\"total\":1,\"customer_email\":\"\(longEmail)\"}")) != nil)
    }

    @Test("the same content in another shape is the same event")
    func sameContent() throws {
        let a = try #require(accepted(#"{"id":"e","type":"price.changed","occurred_at":"2026-11-20T10:15:00Z","data":{"sku":"A","price":100,"currency":"USD","w":1.5}}"#))
        let b = try #require(accepted(#"{ "data": {"currency":"USD", "w": 15e-1, "price":100, "sku":"\u0041", "compare_at": null}, "occurred_at":"2026-11-20T12:15:00+02:00", "source":"unknown", "type":"price.changed", "id":"e", "x": 1 }"#))
        #expect(a.hasSameContent(as: b))
        let c = try #require(accepted(#"{"id":"e","type":"price.changed","occurred_at":"2026-11-20T10:15:00Z","source":"catalog","data":{"sku":"A","price":100,"currency":"USD","w":1.5}}"#))
        #expect(!a.hasSameContent(as: c))
    }
}

let fixturesPathForCore: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/fixtures"
}()
