import Foundation
import Testing
import TallyCore
import TallySQLite
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

    @Test("the lookup hashes taken from a record's bytes are the ones computed from its payload, for every type")
    func lookupHashesFromBytes() throws {
        var types = Set<EventType>()
        for payload in try payloads() {
            let bytes = ReplayRecord.encode(payload)
            var hashes: (first: UInt64, second: UInt64) = (0, 0)
            let decoded = bytes.withUnsafeBytes { ReplayRecord.decode(type: payload.type, $0, seed: TableHash.seed, hashes: &hashes) }
            #expect(decoded == payload)
            var computed = ReplayEvent(seq: Seq(1), occurredAt: Timestamp(microseconds: 0), id: nil, payload: payload)
            computed.computeLookupHashes()
            #expect(hashes == computed.lookupHashes, "\(payload.type)")
            types.insert(payload.type)
        }
        #expect(types.count == EventType.allCases.count)
    }

    @Test("every raw value of the record's enums is read back from its bytes; any other text is not")
    func enumRawValues() {
        func check<E: RawRepresentable & CaseIterable & Equatable>(_ type: E.Type) where E.RawValue == String {
            for value in E.allCases {
                var w = Packing.Writer()
                w.string(value.rawValue)
                #expect(w.bytes.withUnsafeBytes { bytes in var r = Packing.Reader(bytes); return r.rawValue(E.self) } == value)
            }
            // A prefix, a longer text, a different case and the empty text are no raw value.
            for text in [String(E.allCases.first!.rawValue.dropLast()), E.allCases.first!.rawValue + "s",
                         E.allCases.first!.rawValue.uppercased(), ""] {
                var w = Packing.Writer()
                w.string(text)
                #expect(w.bytes.withUnsafeBytes { bytes in var r = Packing.Reader(bytes); return r.rawValue(E.self) } == nil, "\(text)")
            }
        }
        check(InventorySetReason.self)
        check(InventoryAdjustReason.self)
        check(DiscountKind.self)
        check(DiscountStatus.self)
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

    @Test("the SKU index reads an order's SKUs straight from its record, as the full decode has them")
    func orderPlacedSKUs() throws {
        var history = SyntheticHistory(seed: 3, skuCount: 30)
        var orders = try payloads().filter { $0.type == .orderPlaced }
        for line in (0..<2000).map({ _ in history.next() }) {
            if case .success(let e) = EventDecoder.decode(line), e.type == .orderPlaced { orders.append(e.payload) }
        }
        #expect(orders.count > 100)
        var ranges: [Range<Int>] = []
        for payload in orders {
            guard case .orderPlaced(let placed) = payload else { continue }
            let bytes = ReplayRecord.encode(payload)
            let skus = bytes.withUnsafeBytes { buffer -> [String]? in
                guard ReplayRecord.orderPlacedSKUs(buffer, into: &ranges) else { return nil }
                return ranges.map { String(decoding: buffer[$0], as: UTF8.self) }
            }
            #expect(skus == placed.lines.map(\.sku.rawValue))
            // A record cut short anywhere is refused, never read past its end.
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 7)) {
                #expect(!Array(bytes.prefix(cut)).withUnsafeBytes { ReplayRecord.orderPlacedSKUs($0, into: &ranges) })
            }
        }
    }

    @Test("the SKU index's chunk comes out in SQLite's key order (bytes, then time, then seq), each row once")
    func orderSKUChunkOrder() throws {
        // Prefixes of one another, a NUL byte, multi-byte characters whose bytes order
        // differently from their UTF-16 units, and long SKUs that differ only after 16 bytes.
        let skus = ["A", "A\u{0}", "A\u{0}B", "a", "B", "é", "e", "ÿ", "Ā", "😀", "\u{FFFD}", "z",
                    "PREFIX-0123456789-b", "PREFIX-0123456789-a", "PREFIX-0123456789", "PREFIX-012345678",
                    "PREFIX-0123456789-a-much-longer-tail", String(repeating: "x", count: 200)]
        var generator = SystemRandomNumberGenerator()
        var rows: [(sku: String, occurredUs: Int64, seq: Int64)] = []
        for i in 0..<600 {
            let sku = skus.randomElement(using: &generator)!
            let row = (sku: sku, occurredUs: Int64.random(in: 0..<4, using: &generator), seq: Int64(i % 50))
            rows.append(row)
            if i % 9 == 0 { rows.append(row) } // an order naming a SKU twice
        }
        var chunk = OrderSKUChunk(capacity: 16)
        for row in rows {
            Array(row.sku.utf8).withUnsafeBytes { chunk.add($0, occurredUs: row.occurredUs, seq: row.seq) }
        }
        var emitted: [String] = []
        try chunk.drainSorted { sku, occurredUs, seq throws(SQLiteError) in
            emitted.append("\(Array(sku)) \(occurredUs) \(seq)")
        }
        #expect(chunk.count == 0)
        func precedes(_ a: (sku: String, occurredUs: Int64, seq: Int64), _ b: (sku: String, occurredUs: Int64, seq: Int64)) -> Bool {
            if a.sku.utf8.elementsEqual(b.sku.utf8) { return (a.occurredUs, a.seq) < (b.occurredUs, b.seq) }
            return a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8)
        }
        var expected: [String] = []
        for row in rows.sorted(by: precedes) {
            let text = "\(Array(row.sku.utf8)) \(row.occurredUs) \(row.seq)"
            if expected.last != text { expected.append(text) }
        }
        #expect(emitted == expected)
        // Emptied and reusable: a second chunk through the same value.
        Array("q".utf8).withUnsafeBytes { chunk.add($0, occurredUs: 1, seq: 1) }
        var second: [String] = []
        try chunk.drainSorted { sku, _, _ throws(SQLiteError) in second.append(String(decoding: sku, as: UTF8.self)) }
        #expect(second == ["q"])
    }

    @Test("the SKU index holds each order's distinct SKUs once, whatever their bytes")
    func orderSKURows() throws {
        let dir = TempDirectory("order-sku-rows")
        defer { dir.remove() }
        let skus = ["é", "e", "😀", "PREFIX-0123456789-b", "PREFIX-0123456789-a", "PREFIX-0123456789", "A", "a"]
        var lines: [String] = []
        for i in 0..<40 {
            let picked = (0..<4).map { skus[(i * 3 + $0 * 5) % skus.count] } + [skus[i % skus.count]] // one SKU twice
            let orderLines = picked.enumerated().map { #"{"line_id":"l\#($0.offset)","sku":\#(CanonicalJSON.quoted($0.element)),"qty":1,"unit_price":100}"# }
            lines.append(#"{"id":"o\#(i)","type":"order.placed","occurred_at":"2026-11-20T10:\#(String(format: "%02d", i % 60)):00Z","data":{"order_id":"\#(i)","location":"m","currency":"EUR","total":500,"lines":[\#(orderLines.joined(separator: ","))]}}"#)
            lines.append(#"{"id":"p\#(i)","type":"price.changed","occurred_at":"2026-11-20T10:00:00Z","data":{"sku":"s\#(i)","price":1,"currency":"EUR"}}"#)
        }
        let journal = try Journal.create(at: dir.file("j.journal"))
        _ = try append(journal, lines.joined(separator: "\n"))
        try journal.indexOrderSKUs(chunkRows: 16)
        var expected = Set<String>()
        for (i, line) in lines.enumerated() {
            guard case .success(let e) = EventDecoder.decode(line), case .orderPlaced(let p) = e.payload else { continue }
            for line in p.lines { expected.insert("\(line.sku.rawValue) \(e.occurredAt.microseconds) \(i + 1)") }
        }
        var stored: [String] = []
        let s = try journal.connection.prepare("SELECT sku, occurred_us, seq FROM order_skus")
        while try s.step() { stored.append("\(s.text(0)) \(s.int64(1)) \(s.int64(2))") }
        #expect(stored.count == expected.count)
        #expect(Set(stored) == expected)
        #expect(expected.count < 40 * 5) // the repeated SKUs were there to be dropped
    }
}
