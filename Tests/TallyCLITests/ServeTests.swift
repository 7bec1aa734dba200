import Foundation
import Testing
import TallyDigest
import TallyJournal
import TallyTestSupport

/// End to end: the real `tally serve` binary on a loopback port, driven over real sockets.
@Suite("tally serve end to end", .serialized)
struct ServeTests {
    static let token = "e2e-write-token-0123456789"
    static let secret = "e2e-shopify-secret"

    static func signedShopify(_ fixture: String, topic: String, webhookID: String, secret: String = ServeTests.secret) throws -> (headers: [String: String], body: [UInt8]) {
        let body = Array(try Data(contentsOf: URL(fileURLWithPath: "\(fixturesPath)/webhooks/shopify/\(fixture)")))
        let signature = Data(HMACSHA256.mac(key: Array(secret.utf8), message: body)).base64EncodedString()
        return (["X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": webhookID,
                 "X-Shopify-Shop-Domain": "tally-demo.myshopify.com", "X-Shopify-Triggered-At": "2026-11-27T14:12:00Z",
                 "Content-Type": "application/json"], body)
    }

    func start(_ dir: TempDirectory, extra: [String] = [], location: Bool = true) throws -> ServeProcess {
        let journal = dir.file("t.journal")
        if !FileManager.default.fileExists(atPath: journal) { _ = try runTally(["init", "--journal", journal]) }
        let config = dir.write("""
            [tokens.dashboard]
            token = "e2e-read-token-0123456789"
            access = "read"
            [shopify]
            \(location ? "default_location = \"online\"" : "")
            currency = "USD"
            [server]
            max_body_bytes = 100000
            """, to: "tally.toml")
        return try ServeProcess(["--journal", journal, "--config", config] + extra,
                                environment: ["TALLY_API_TOKEN": ServeTests.token, "TALLY_SHOPIFY_SECRET": ServeTests.secret])
    }

    @Test("signed Shopify deliveries out of order, retries, bad signatures, wrong tokens, oversized and malformed bodies; SIGTERM stops cleanly")
    func deliveries() throws {
        let dir = TempDirectory("serve-e2e"); defer { dir.remove() }
        let server = try start(dir)
        let auth = ["Authorization": "Bearer \(ServeTests.token)"]
        // Out of order: fulfillment, refund, then the order they belong to.
        for (fixture, topic, id) in [("fulfillments-create.json", "fulfillments/create", "d-2"), ("refunds-create.json", "refunds/create", "d-3"),
                                     ("orders-create.json", "orders/create", "d-1")] {
            let d = try ServeTests.signedShopify(fixture, topic: topic, webhookID: id)
            let r = try server.request("POST", "/v1/webhooks/shopify", headers: d.headers, body: d.body)
            #expect(r.status == 200, "\(topic): \(r.body)")
        }
        let retry = try ServeTests.signedShopify("orders-create.json", topic: "orders/create", webhookID: "d-1")
        #expect(try server.request("POST", "/v1/webhooks/shopify", headers: retry.headers, body: retry.body).json?["delivery"] as? String == "duplicate")
        let forged = try ServeTests.signedShopify("orders-create.json", topic: "orders/create", webhookID: "d-9", secret: "guessed")
        #expect(try server.request("POST", "/v1/webhooks/shopify", headers: forged.headers, body: forged.body).status == 401)
        #expect(try server.request("GET", "/v1/status", headers: ["Authorization": "Bearer wrong-token-000000000"]).status == 401)
        let events = Array(#"{"id":"x1","type":"price.changed","occurred_at":"2026-11-27T10:00:00Z","data":{"sku":"MUG-WHT","price":1999,"currency":"USD"}}"#.utf8)
        #expect(try server.request("POST", "/v1/events", headers: ["Authorization": "Bearer e2e-read-token-0123456789"], body: events).status == 403)
        #expect(try server.request("POST", "/v1/events", headers: auth, body: [UInt8](repeating: 0x20, count: 100_001)).status == 413)
        let malformed = try server.request("POST", "/v1/events", headers: auth, body: Array(#"{"id":"x2","type":"price.changed"}"#.utf8))
        #expect(malformed.status == 400)
        #expect((malformed.json?["error"] as? String)?.hasPrefix("request:1: price.changed: ") == true, "\(malformed.body)")
        #expect(try server.request("POST", "/v1/events", headers: auth, body: events).status == 200)
        let lookup = try server.request("GET", "/v1/orders/5678901234567890123", headers: auth)
        #expect(lookup.status == 200)
        #expect(lookup.body.contains("1Z999AA10123456784"))
        #expect(try server.request("GET", "/readyz", headers: auth).status == 200)
        #expect(try server.request("GET", "/healthz").status == 200)
        let metrics = try server.request("GET", "/metrics", headers: auth)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.body.contains(#"tally_webhook_signature_failures_total{source="shopify"} 1"#))
        #expect(!metrics.body.contains("ana@example.com"))
        #expect(server.stop(signal: SIGTERM) == 0)
        #expect(server.stderr.contains("stopped"))
        #expect(!server.stderr.contains("ana@example.com"))
        #expect(!server.stderr.contains(ServeTests.secret))
        #expect(try runTally(["verify", "--journal", dir.file("t.journal")]).status == 0)
        let order = try runTally(["lookup", "--journal", dir.file("t.journal"), "--order", "5678901234567890123", "--format", "json"])
        #expect(order.status == 0)
        #expect(order.stdout.contains("\"refund_id\": \"929361462\""))
    }

    @Test("a delivery quarantined for a missing setting is listed by tally deliveries and mapped by --replay once the config is fixed")
    func replayQuarantined() throws {
        let dir = TempDirectory("serve-replay"); defer { dir.remove() }
        let server = try start(dir, location: false)
        let d = try ServeTests.signedShopify("orders-create.json", topic: "orders/create", webhookID: "r-1")
        let first = try server.request("POST", "/v1/webhooks/shopify", headers: d.headers, body: d.body)
        #expect(first.status == 400)
        #expect((first.json?["error"] as? String)?.contains("default_location") == true)
        #expect(server.stop() == 0)
        let journal = dir.file("t.journal")
        let listed = try runTally(["deliveries", "--journal", journal, "--result", "quarantined"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("shopify orders/create  quarantined"))
        let broken = try runTally(["deliveries", "--journal", journal, "--replay", "--config", dir.file("tally.toml")])
        #expect(broken.status == 1, "still unmappable: \(broken.stdout)")
        let fixed = dir.write("[shopify]\ndefault_location = \"online\"\n", to: "fixed.toml")
        let replay = try runTally(["deliveries", "--journal", journal, "--replay", "--config", fixed, "--format", "json"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(parseJSONObject(replay.stdout)?["mapped"] as? Int == 1)
        #expect(try runTally(["lookup", "--journal", journal, "--order", "5678901234567890123"]).status == 0)
        let again = try runTally(["deliveries", "--journal", journal, "--replay", "--config", fixed, "--format", "json"])
        #expect(parseJSONObject(again.stdout)?["mapped"] as? Int == 0)
        #expect(try runTally(["verify", "--journal", journal]).status == 0)
    }

    @Test("kill -9 during a stream of deliveries: every delivery that got a 2xx is in the journal and verify passes")
    func killDuringDeliveries() throws {
        let dir = TempDirectory("serve-kill"); defer { dir.remove() }
        let server = try start(dir)
        let acknowledged = LockedIDs()
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for i in 0..<100_000 {
                    let id = "k-\(worker)-\(i)"
                    let line = #"{"id":"\#(id)","type":"inventory.adjusted","occurred_at":"2026-11-27T10:00:00Z","data":{"sku":"S\#(i % 50)","location":"main","delta":1,"reason":"restock"}}"#
                    guard let r = try? server.request("POST", "/v1/events", headers: ["Authorization": "Bearer \(ServeTests.token)"], body: Array(line.utf8)) else { return }
                    if r.status == 200 { acknowledged.add(id) }
                }
            }
        }
        usleep(1_500_000)
        server.stop(signal: SIGKILL)
        group.wait()
        let ids = acknowledged.all()
        #expect(ids.count > 50, "too few deliveries before the kill to mean anything (\(ids.count))")
        #expect(try runTally(["verify", "--journal", dir.file("t.journal")]).status == 0)
        let journal = try Journal.open(at: dir.file("t.journal"), readOnly: true)
        let missing = try ids.filter { try !journal.contains(eventID: $0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged deliveries are missing, e.g. \(missing.prefix(3))")
    }
}

final class LockedIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    func add(_ id: String) { lock.lock(); ids.append(id); lock.unlock() }
    func all() -> [String] { lock.lock(); defer { lock.unlock() }; return ids }
}

@Suite("tally serve logs")
struct ServeLogTests {
    @Test("--log-format json writes one JSON object per line with level and message, and no token or body")
    func jsonLogs() throws {
        let dir = TempDirectory("serve-logs"); defer { dir.remove() }
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        let server = try ServeProcess(["--journal", journal, "--log-format", "json"], environment: ["TALLY_API_TOKEN": ServeTests.token])
        let body = Array(#"{"id":"l1","type":"price.changed","occurred_at":"2026-11-27T10:00:00Z","data":{"sku":"A","price":1,"currency":"USD"}}"#.utf8)
        #expect(try server.request("POST", "/v1/events", headers: ["Authorization": "Bearer \(ServeTests.token)"], body: body).status == 200)
        #expect(server.stop() == 0)
        let lines = server.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(parseJSONObject(String(line)), "not JSON: \(line)")
            #expect(object["level"] is String)
            #expect(object["message"] is String)
        }
        #expect(lines.contains { $0.contains(#""route":"/v1/events""#) && $0.contains(#""status":"200""#) })
        #expect(!server.stderr.contains(ServeTests.token))
        #expect(!server.stderr.contains("price.changed"))
    }
}
