import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import TallyCore
import TallyDigest
import TallyJournal
import TallyServer
import TallyTestSupport

let writeToken = "write-token-0123456789"
let readToken = "read-token-0123456789"
let shopifySecret = "shopify-secret"

/// A service on a fresh journal in a temporary folder.
func makeService(_ dir: TempDirectory, configure: (inout TallyConfig) -> Void = { _ in }) throws -> CaptureService {
    let path = dir.file("t.journal")
    _ = try Journal.create(at: path)
    var config = TallyConfig()
    config.tokens["ci"] = .init(name: "ci", token: writeToken, canWrite: true)
    config.tokens["dash"] = .init(name: "dash", token: readToken, canWrite: false)
    config.shopify.secrets = [shopifySecret, "old-secret"]
    config.shopify.defaultLocation = "online"
    config.shopify.currency = "USD"
    config.woocommerce.secrets = ["woo-secret"]
    config.woocommerce.defaultLocation = "web"
    config.maxBodyBytes = 64 * 1024
    configure(&config)
    let settings = ServerSettings(journalPath: path, config: config, environment: [:])
    return try CaptureService(settings: settings, clock: SystemClock(), logger: Logger(label: "test"))
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

func shopifyHeaders(topic: String, webhookID: String, body: [UInt8], secret: String = shopifySecret) -> HTTPFields {
    let signature = Data(HMACSHA256.mac(key: Array(secret.utf8), message: body)).base64EncodedString()
    var h = HTTPFields()
    h[HTTPField.Name("X-Shopify-Hmac-Sha256")!] = signature
    h[HTTPField.Name("X-Shopify-Topic")!] = topic
    h[HTTPField.Name("X-Shopify-Webhook-Id")!] = webhookID
    h[HTTPField.Name("X-Shopify-Shop-Domain")!] = "tally-demo.myshopify.com"
    h[HTTPField.Name("X-Shopify-Triggered-At")!] = "2026-11-26T19:05:32.123Z"
    h[HTTPField.Name("X-Shopify-Event-Id")!] = "98880550-7158-44d4-b7cd-2c97c8a091b5"
    return h
}

func fixtureBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: fixturesPath + "/" + path))) }

func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
}

func application(_ service: CaptureService) -> some ApplicationProtocol {
    Application(router: CaptureServer.router(for: service))
}

@Suite("Server routes")
struct ServerRouteTests {
    @Test("healthz needs no token; every other endpoint answers 401 without one and 401 with an unknown one")
    func authentication() async throws {
        let dir = TempDirectory("srv-auth"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            for uri in ["/readyz", "/metrics", "/v1/status", "/v1/orders/1"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"tally\"")
                }
                try await client.execute(uri: uri, method: .get, headers: bearer("not-a-token-at-all")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: bearer(readToken)) { #expect($0.status == .ok) }
        }
    }

    @Test("GET /v1/orders/{id} of an order whose events were pruned is a 410 naming --archives; a later order is still a 200")
    func prunedOrder() async throws {
        let dir = TempDirectory("srv-pruned"); defer { dir.remove() }
        let journal = dir.file("t.journal")
        let lines = try String(contentsOfFile: fixturesPath + "/lookup/dispute/events.ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(try runTally(["init", "--journal", journal]).status == 0)
        for (range, clock) in [(0..<16, "2026-09-20T00:00:00Z"), (16..<lines.count, "2026-11-02T00:00:00Z")] {
            #expect(try runTally(["append", "--journal", journal, "-"], stdin: lines[range].joined(separator: "\n") + "\n", environment: ["TALLY_CLOCK": clock]).status == 0)
        }
        #expect(try runTally(["archive", "--journal", journal, "--period", "2026-09", "--to", dir.file("arch")]).status == 0)
        #expect(try runTally(["prune", "--journal", journal, "--before", "2026-10-01", "--archives", dir.file("arch")]).status == 0)
        let service = try makeService(dir); defer { service.stop() }
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/v1/orders/5001", method: .get, headers: bearer(readToken)) { response in
                #expect(response.status == .gone)
                #expect(String(buffer: response.body).contains("--archives DIR"))
            }
            try await client.execute(uri: "/v1/orders/5003", method: .get, headers: bearer(readToken)) { #expect($0.status == .ok) }
        }
    }

    @Test("a read-only token cannot post events (403); a read-write token can")
    func readOnlyToken() async throws {
        let dir = TempDirectory("srv-ro"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        let body = ByteBuffer(bytes: try fixtureBytes("events/valid.ndjson"))
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(readToken), body: body) { response in
                #expect(response.status == .forbidden)
                #expect((json(response.body)["error"] as? String)?.contains("read-only") == true)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: body) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["rejected"] as? Int == 0)
            }
        }
    }

    @Test("POST /v1/events: NDJSON and JSON arrays; duplicates counted; a bad line is a 400 naming line and field while the good ones land")
    func events() async throws {
        let dir = TempDirectory("srv-events"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        let good = #"{"id":"p1","type":"price.changed","occurred_at":"2026-11-20T10:00:00Z","data":{"sku":"A","price":100,"currency":"USD"}}"#
        let bad = #"{"id":"o1","type":"order.placed","occurred_at":"2026-11-20T10:00:00Z","data":{"order_id":"1","location":"m","currency":"USD","total":1,"lines":[{"line_id":"a","sku":"A","qty":-2,"unit_price":1}]}}"#
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: ByteBuffer(string: good + "\n\n" + bad + "\n")) { response in
                #expect(response.status == .badRequest)
                let body = json(response.body)
                #expect(body["appended"] as? Int == 1)
                #expect(body["rejected"] as? Int == 1)
                #expect(body["error"] as? String == "request:3: order.placed: data.lines[0].qty must be an integer ≥ 1, got -2")
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: ByteBuffer(string: "[\(good)]")) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["duplicates"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: ByteBuffer(string: "[{\"id\": ")) { response in
                #expect(response.status == .badRequest)
                #expect((json(response.body)["error"] as? String)?.hasPrefix("request: the body starts with [ but is not a JSON array") == true)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: ByteBuffer(string: "  \n")) { #expect($0.status == .badRequest) }
        }
        let journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        #expect(try journal.stats().events == 1)
        #expect(try journal.quarantine(limit: 100).count == 1)
    }

    @Test("a body over the limit is refused with 413")
    func tooLarge() async throws {
        let dir = TempDirectory("srv-413"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        let big = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024 + 1)
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(writeToken), body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect((json(response.body)["error"] as? String)?.contains("65536 bytes") == true)
            }
        }
    }

    @Test("Shopify: signed deliveries map and land; a retry is a duplicate; a bad signature is 401; an old secret still works")
    func shopify() async throws {
        let dir = TempDirectory("srv-shopify"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        let order = try fixtureBytes("webhooks/shopify/orders-create.json")
        let fulfillment = try fixtureBytes("webhooks/shopify/fulfillments-create.json")
        try await application(service).test(.router) { client in
            // Out of order: the fulfillment arrives before its order.
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "fulfillments/create", webhookID: "w-2", body: fulfillment, secret: "old-secret"),
                                     body: ByteBuffer(bytes: fulfillment)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "orders/create", webhookID: "w-1", body: order), body: ByteBuffer(bytes: order)) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["appended"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "orders/create", webhookID: "w-1", body: order), body: ByteBuffer(bytes: order)) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["delivery"] as? String == "duplicate")
            }
            var tampered = order
            tampered[10] = UInt8(ascii: "1")
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "orders/create", webhookID: "w-9", body: order), body: ByteBuffer(bytes: tampered)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/orders/5678901234567890123", method: .get, headers: bearer(readToken)) { response in
                #expect(response.status == .ok)
                let body = json(response.body)
                #expect((body["order"] as? [String: Any])?["order_id"] as? String == "5678901234567890123")
                #expect((body["fulfillments"] as? [[String: Any]])?.first?["tracking_number"] as? String == "1Z999AA10123456784")
            }
            try await client.execute(uri: "/v1/orders/404", method: .get, headers: bearer(readToken)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get, headers: bearer(readToken)) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"tally_webhook_deliveries_total{source="shopify",topic="orders/create",result="mapped"} 1"#))
                #expect(text.contains(#"tally_webhook_deliveries_total{source="shopify",topic="orders/create",result="duplicate"} 1"#))
                #expect(text.contains(#"tally_webhook_signature_failures_total{source="shopify"} 1"#))
                #expect(text.contains(#"tally_events_appended_total{type="order.placed"} 1"#))
                #expect(text.contains("tally_journal_head_seq 2"))
                #expect(!text.contains("5678901234567890123"))  // no order ids as labels
            }
        }
        let journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        let deliveries = try journal.deliveries()
        #expect(deliveries.count == 2)
        #expect(deliveries.first?.body == fulfillment)
        #expect(deliveries.last?.headers.contains("tally-demo.myshopify.com") == true)
    }

    @Test("an unmappable Shopify delivery is quarantined with its raw body (400), and a retry after a fix is mapped")
    func shopifyQuarantine() async throws {
        let dir = TempDirectory("srv-shopify-q"); defer { dir.remove() }
        let broken = try makeService(dir) { $0.shopify.defaultLocation = nil }
        let order = try fixtureBytes("webhooks/shopify/orders-create.json")
        try await application(broken).test(.router) { client in
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "orders/create", webhookID: "w-1", body: order), body: ByteBuffer(bytes: order)) { response in
                #expect(response.status == .badRequest)
                #expect((json(response.body)["error"] as? String)?.contains("default_location") == true)
            }
        }
        broken.stop()
        var journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        #expect(try journal.quarantine(limit: 100).first?.raw == order)
        let fixed = try CaptureService(
            settings: ServerSettings(journalPath: dir.file("t.journal"), config: {
                var c = TallyConfig(); c.shopify.secrets = [shopifySecret]; c.shopify.defaultLocation = "online"; return c
            }(), environment: [:]),
            clock: SystemClock(), logger: Logger(label: "test"))
        defer { fixed.stop() }
        try await application(fixed).test(.router) { client in
            try await client.execute(uri: "/v1/webhooks/shopify", method: .post,
                                     headers: shopifyHeaders(topic: "orders/create", webhookID: "w-1", body: order), body: ByteBuffer(bytes: order)) {
                #expect($0.status == .ok)
            }
        }
        journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        #expect(try journal.stats().events == 1)
        #expect(try journal.deliveries().map(\.result) == ["quarantined", "mapped"])
    }

    @Test("WooCommerce: the activation ping gets exactly 200; signed deliveries land; two in one second with one delivery id both count")
    func woocommerce() async throws {
        let dir = TempDirectory("srv-woo"); defer { dir.remove() }
        let service = try makeService(dir); defer { service.stop() }
        let order = try fixtureBytes("webhooks/woocommerce/order-created.json")
        let cancel = try fixtureBytes("webhooks/woocommerce/order-updated-cancelled.json")
        @Sendable func headers(_ topic: String, _ body: [UInt8]) -> HTTPFields {
            var h = HTTPFields()
            h[HTTPField.Name("X-WC-Webhook-Signature")!] = Data(HMACSHA256.mac(key: Array("woo-secret".utf8), message: body)).base64EncodedString()
            h[HTTPField.Name("X-WC-Webhook-Topic")!] = topic
            h[HTTPField.Name("X-WC-Webhook-ID")!] = "12"
            h[HTTPField.Name("X-WC-Webhook-Delivery-ID")!] = "5d2d3e1c0e0e4b5c8f1e2a3b4c5d6e7f"
            return h
        }
        try await application(service).test(.router) { client in
            try await client.execute(uri: "/v1/webhooks/woocommerce", method: .post, body: ByteBuffer(string: "webhook_id=12")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/webhooks/woocommerce", method: .post, headers: headers("order.created", order), body: ByteBuffer(bytes: order)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/webhooks/woocommerce", method: .post, headers: headers("order.updated", cancel), body: ByteBuffer(bytes: cancel)) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["appended"] as? Int == 2)
            }
            try await client.execute(uri: "/v1/webhooks/woocommerce", method: .post, headers: headers("order.updated", cancel), body: ByteBuffer(bytes: cancel)) {
                #expect(json($0.body)["delivery"] as? String == "duplicate")
            }
            var unsigned = headers("order.created", order)
            unsigned[HTTPField.Name("X-WC-Webhook-Signature")!] = "bm9wZQ=="
            try await client.execute(uri: "/v1/webhooks/woocommerce", method: .post, headers: unsigned, body: ByteBuffer(bytes: order)) { #expect($0.status == .unauthorized) }
        }
        let journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        #expect(try journal.stats().events == 3)
    }
}
