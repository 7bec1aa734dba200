import Foundation
import Testing
import TallyCore
@testable import TallyJournal
import TallyTestSupport

@Suite("The replay record: every payload in one binary column")
struct ReplayRecordTests {
    func payloads() throws -> [EventPayload] {
        var lines = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
        // Optional fields present and absent, repeated line ids, an empty refund.
        lines.append(#"{"id":"x1","type":"discount.upserted","occurred_at":"2026-11-20T10:00:00Z","data":{"code":"C","kind":"free_shipping","value":0,"status":"disabled","ends_at":"2026-12-01T00:00:00.5+01:00","usage_limit":3}}"#)
        lines.append(#"{"id":"x2","type":"order.refunded","occurred_at":"2026-11-20T10:00:00Z","data":{"order_id":"1","refund_id":"r","amount":0,"lines":[]}}"#)
        lines.append(#"{"id":"x3","type":"fulfillment.created","occurred_at":"2026-11-20T10:00:00Z","data":{"fulfillment_id":"f","order_id":"1","location":"m","lines":[{"line_id":"1","qty":1},{"line_id":"1","qty":2}]}}"#)
        lines.append(#"{"id":"x4","type":"inventory.adjusted","occurred_at":"2026-11-20T10:00:00Z","data":{"sku":"é","location":"m","delta":-9223372036854775808,"reason":"other"}}"#)
        return try lines.map { line in
            guard case .success(let e) = EventDecoder.decode(line) else { throw CocoaError(.coderInvalidValue) }
            return e.payload
        }
    }

    @Test("every payload decodes back to itself")
    func roundTrip() throws {
        for payload in try payloads() {
            let bytes = ReplayRecord.encode(payload)
            let decoded = bytes.withUnsafeBytes { ReplayRecord.decode(type: payload.type, $0) }
            #expect(decoded == payload)
        }
    }

    @Test("a truncated record, one with trailing bytes, or one read as another type does not decode")
    func malformed() throws {
        for payload in try payloads() {
            let bytes = ReplayRecord.encode(payload)
            #expect(Array(bytes.dropLast()).withUnsafeBytes { ReplayRecord.decode(type: payload.type, $0) } == nil)
            #expect((bytes + [0]).withUnsafeBytes { ReplayRecord.decode(type: payload.type, $0) } == nil)
        }
        let order = try payloads().first { $0.type == .orderPlaced }!
        #expect(ReplayRecord.encode(order).withUnsafeBytes { ReplayRecord.decode(type: .fulfillmentCancelled, $0) } == nil)
    }

    @Test("replay through the journal gives the same truth as replaying the decoded events")
    func journalReplay() throws {
        let dir = TempDirectory("replay-record")
        defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        var history = SyntheticHistory(seed: 5, skuCount: 50)
        let lines = (0..<2000).map { _ in history.next() }
        try append(journal, lines.joined(separator: "\n"))
        // The truth of the events as decoded from their lines, never stored.
        var expected = Truth()
        for (i, line) in lines.enumerated() {
            guard case .success(let event) = EventDecoder.decode(line) else { Issue.record("invalid line"); return }
            expected.apply(JournaledEvent(seq: Seq(Int64(i + 1)), recordedAt: event.occurredAt, event: event))
        }
        let truth = try journal.replay()
        #expect(truth.orders == expected.orders)
        #expect(truth.stock == expected.stock)
        #expect(truth.prices == expected.prices)
        #expect(truth.discounts == expected.discounts)
        #expect(truth.fulfillments == expected.fulfillments)
        #expect(truth.refunds == expected.refunds)
        #expect(truth.replayFindings == expected.replayFindings)
        #expect(truth.applied == 2000)
    }

    @Test("the SKU index catch-up gives the same rows whether it sorts them in one chunk or in many")
    func orderSKUChunks() throws {
        let dir = TempDirectory("order-skus")
        defer { dir.remove() }
        var history = SyntheticHistory(seed: 9, skuCount: 40)
        let text = (0..<3000).map { _ in history.next() }.joined(separator: "\n")
        func rows(chunkRows: Int) throws -> [String] {
            let journal = try Journal.create(at: dir.file("j\(chunkRows).journal"))
            _ = try append(journal, text)
            try journal.indexOrderSKUs(chunkRows: chunkRows)
            var out: [String] = []
            let s = try journal.connection.prepare("SELECT sku, occurred_us, seq FROM order_skus ORDER BY sku, occurred_us, seq")
            while try s.step() { out.append("\(s.text(0)) \(s.int64(1)) \(s.int64(2))") }
            return out
        }
        let whole = try rows(chunkRows: 1 << 20)
        #expect(whole.count > 1000)
        #expect(try rows(chunkRows: 7) == whole)
        #expect(try rows(chunkRows: 1) == whole)
    }
}
