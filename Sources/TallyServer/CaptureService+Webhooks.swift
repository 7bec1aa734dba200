import Foundation
import HTTPTypes
import Hummingbird
import TallyCore
import TallyDigest
import TallyJournal

/// `POST /v1/webhooks/shopify` and `POST /v1/webhooks/woocommerce`: authenticated by their
/// signature, deduplicated on the platform's delivery identity, kept raw, mapped to events.
extension CaptureService {
    struct Platform {
        var source: String
        var signatureHeader: String
        var secrets: [String]
        var settings: CaptureSettings
        var keptHeaders: [String]
    }

    static let shopifyHeaders = ["X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Shop-Domain",
                                 "X-Shopify-Triggered-At", "X-Shopify-API-Version"]
    static let wooHeaders = ["X-WC-Webhook-Topic", "X-WC-Webhook-ID", "X-WC-Webhook-Delivery-ID", "X-WC-Webhook-Source",
                             "X-WC-Webhook-Resource", "X-WC-Webhook-Event"]

    func shopify(_ request: Request) async throws -> Response {
        let platform = Platform(source: ShopifyMapping.source, signatureHeader: "X-Shopify-Hmac-Sha256", secrets: settings.shopify.secrets,
                                settings: settings.shopify.captureSettings,
                                keptHeaders: CaptureService.shopifyHeaders)
        let body = try await self.body(request)
        try verify(request, body, platform)
        guard let topic = header(request, "X-Shopify-Topic") else { throw ServerFailure.badRequest("X-Shopify-Topic is missing") }
        guard let webhookID = header(request, "X-Shopify-Webhook-Id") else { throw ServerFailure.badRequest("X-Shopify-Webhook-Id is missing") }
        return try await deliver(request, body, platform, topic: topic, key: webhookID)
    }

    func woocommerce(_ request: Request) async throws -> Response {
        let body = try await self.body(request)
        // The activation ping is a form body `webhook_id=N` and must get exactly 200.
        if CaptureService.isWooPing(body) { return JSONResponse.make(.obj([("ping", .string("ok"))])) }
        let platform = Platform(source: WooCommerceMapping.source, signatureHeader: "X-WC-Webhook-Signature", secrets: settings.woocommerce.secrets,
                                settings: settings.woocommerce.captureSettings,
                                keptHeaders: CaptureService.wooHeaders)
        try verify(request, body, platform)
        guard let topic = header(request, "X-WC-Webhook-Topic") else { throw ServerFailure.badRequest("X-WC-Webhook-Topic is missing") }
        guard let deliveryID = header(request, "X-WC-Webhook-Delivery-ID") else { throw ServerFailure.badRequest("X-WC-Webhook-Delivery-ID is missing") }
        // WooCommerce's delivery id is a hash of the webhook id and the second it was sent:
        // two deliveries in one second share it, so the body's digest is part of the key.
        let key = [header(request, "X-WC-Webhook-ID") ?? "", deliveryID, SHA256Hasher.hex(SHA256Hasher().digest([], body))].joined(separator: ":")
        return try await deliver(request, body, platform, topic: topic, key: key)
    }

    static func isWooPing(_ body: [UInt8]) -> Bool {
        let prefix = Array("webhook_id=".utf8)
        guard body.count > prefix.count, body.count < 64, Array(body.prefix(prefix.count)) == prefix else { return false }
        return body.dropFirst(prefix.count).allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    func header(_ request: Request, _ name: String) -> String? {
        guard let field = HTTPField.Name(name), let value = request.headers[field], !value.isEmpty else { return nil }
        return value
    }

    /// 401 unless the body's base64 HMAC-SHA256 under one of the platform's secrets is in the header.
    func verify(_ request: Request, _ body: [UInt8], _ platform: Platform) throws(ServerFailure) {
        guard !platform.secrets.isEmpty else {
            metrics.signatureFailure(source: platform.source)
            throw .badSignature("no \(platform.source) secret is configured ([\(platform.source)] secrets, or TALLY_\(platform.source.uppercased())_SECRET)")
        }
        guard let given = header(request, platform.signatureHeader), let decoded = Data(base64Encoded: given) else {
            metrics.signatureFailure(source: platform.source)
            throw .badSignature("\(platform.signatureHeader) is missing or not base64")
        }
        let ok = body.withUnsafeBytes { HMACSHA256.verify(Array(decoded), message: $0, keys: platform.secrets.map { Array($0.utf8) }) }
        guard ok else {
            metrics.signatureFailure(source: platform.source)
            logger.warning("webhook signature mismatch", metadata: ["source": .string(platform.source)])
            throw .badSignature("\(platform.signatureHeader) does not match the body under any configured \(platform.source) secret")
        }
    }

    func currentPrice(_ sku: String) -> CurrentPrice? {
        guard let last = try? read({ journal throws(JournalError) in try journal.currentPrice(SKU(sku)) }) else { return nil }
        return CurrentPrice(last)
    }

    func isJournaled(_ id: String) -> Bool {
        (try? read { journal throws(JournalError) in try journal.contains(eventID: id) }) ?? false
    }

    /// Parses, maps and records one delivery with its events in one durable transaction.
    func deliver(_ request: Request, _ body: [UInt8], _ platform: Platform, topic: String, key: String) async throws -> Response {
        var kept: [(String, JSONValue)] = []
        for name in platform.keptHeaders { if let v = header(request, name) { kept.append((name, .string(v))) } }
        let (prepared, failure) = DeliveryMapper.request(
            source: platform.source, topic: topic, key: key, headers: JSONWriter.encode(.obj(kept), pretty: false), body: body,
            settings: platform.settings, currentPrice: currentPrice, isJournaled: isJournaled)
        let delivery = prepared.delivery!
        let items = prepared.items
        let outcome = try await submit(prepared)
        switch outcome {
        case .duplicateDelivery(let firstUs, let firstResult):
            metrics.delivery(source: platform.source, topic: topic, result: "duplicate")
            return JSONResponse.make(.obj([
                ("delivery", .string("duplicate")), ("first_received_at", .string(Timestamp(microseconds: firstUs).rfc3339)),
                ("first_result", .string(firstResult)),
            ]))
        case .appended(let outcomes):
            metrics.delivery(source: platform.source, topic: topic, result: delivery.result.rawValue)
            if let failure {
                logger.notice("webhook delivery quarantined", metadata: ["source": .string(platform.source), "topic": .string(topic)])
                return JSONResponse.make(.obj([("delivery", .string("quarantined")), ("error", .string(failure))]), status: .badRequest)
            }
            if delivery.result == .kept {
                return JSONResponse.make(.obj([("delivery", .string("kept")), ("message", .text(delivery.message))]))
            }
            return EventBatch.response(items: items, outcomes: outcomes)
        }
    }
}
