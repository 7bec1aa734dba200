import Testing
import TallyCore
import TallyTestSupport

@Suite("Replay's tables: one probe per insert, orphans leave nothing behind, ids resolved afterwards")
struct TruthTests {
    /// Events from NDJSON lines, with seqs 1, 2, ... in order; `withIDs: false` replays them
    /// the way the journal's reader does (ids left out).
    func events(_ lines: [String], withIDs: Bool) -> [ReplayEvent] {
        lines.enumerated().map { i, line in
            guard case .success(let e) = EventDecoder.decode(line) else { fatalError("bad test line \(line)") }
            return ReplayEvent(seq: Seq(Int64(i + 1)), occurredAt: e.occurredAt, id: withIDs ? e.id : nil, payload: e.payload)
        }
    }

    let lines = [
        #"{"id":"p1","type":"order.placed","occurred_at":"2026-11-20T10:00:00Z","data":{"order_id":"1","location":"m","currency":"EUR","total":500,"lines":[{"line_id":"a","sku":"S","qty":1,"unit_price":500}]}}"#,
        #"{"id":"f-bad","type":"fulfillment.created","occurred_at":"2026-11-20T10:01:00Z","data":{"fulfillment_id":"f1","order_id":"1","location":"m","lines":[{"line_id":"zz","qty":1}]}}"#,
        #"{"id":"f-good","type":"fulfillment.created","occurred_at":"2026-11-20T10:02:00Z","data":{"fulfillment_id":"f1","order_id":"1","location":"m","lines":[{"line_id":"a","qty":1}]}}"#,
        #"{"id":"r-bad","type":"order.refunded","occurred_at":"2026-11-20T10:03:00Z","data":{"order_id":"1","refund_id":"r1","amount":100,"lines":[{"line_id":"zz","qty":1,"restock":false}]}}"#,
        #"{"id":"r-good","type":"order.refunded","occurred_at":"2026-11-20T10:04:00Z","data":{"order_id":"1","refund_id":"r1","amount":100,"lines":[]}}"#,
        #"{"id":"p1-again","type":"order.placed","occurred_at":"2026-11-20T10:05:00Z","data":{"order_id":"1","location":"m","currency":"EUR","total":900,"lines":[{"line_id":"a","sku":"S","qty":1,"unit_price":900}]}}"#,
    ]

    @Test("an orphan fulfillment or refund leaves no entry: a later valid one with the same id is applied")
    func orphansLeaveNothing() {
        var truth = Truth()
        for e in events(lines, withIDs: true) { truth.apply(e) }
        #expect(truth.fulfillments.count == 1)
        #expect(truth.fulfillments[FulfillmentID("f1")]?.created.seq == Seq(3))
        #expect(truth.refunds.count == 1)
        #expect(truth.refunds[RefundID("r1")]?.created.seq == Seq(5))
        #expect(truth.orders.count == 1)
        #expect(truth.orders[OrderID("1")]?.total == 500)
        let named = truth.replayFindings.map { "\($0.kind.rawValue) \($0.keyText)" }
        #expect(named == ["orphan_reference event_id=f-bad", "orphan_reference event_id=r-bad", "order_conflict order_id=1 event_id=p1-again"])
    }

    @Test("replayed without ids, the findings that name an event get them from their causal seq")
    func idsResolvedAfterwards() {
        var withIDs = Truth(), withoutIDs = Truth()
        for e in events(lines, withIDs: true) { withIDs.apply(e) }
        for e in events(lines, withIDs: false) { withoutIDs.apply(e) }
        #expect(withoutIDs.replayFindings.compactMap { $0.keyValue("event_id") } == ["", "", ""])
        var asked: [Seq] = []
        withoutIDs.resolveEventIDs { seq in
            asked.append(seq)
            return ["p1", "f-bad", "f-good", "r-bad", "r-good", "p1-again"][Int(seq.rawValue) - 1]
        }
        #expect(asked == [Seq(2), Seq(4), Seq(6)])
        #expect(withoutIDs.replayFindings == withIDs.replayFindings)
    }

    @Test("insertIfAbsent adds once and reports the position either way")
    func insertIfAbsent() {
        var table = KeyedTable<OrderID, Int>()
        let a = OrderID("a"), b = OrderID("b")
        #expect(table.insertIfAbsent(a) { 1 } == (0, true))
        #expect(table.insertIfAbsent(b) { 2 } == (1, true))
        var called = false
        #expect(table.insertIfAbsent(a) { called = true; return 9 } == (0, false))
        #expect(!called)
        #expect(table[a] == 1 && table[b] == 2 && table.count == 2)
        table[b] = nil
        #expect(table.insertIfAbsent(b) { 3 } == (1, true))
        #expect(table[b] == 3)
    }

    @Test("lookup hashes name the key each event looks up first (and a fulfillment's or refund's own id)")
    func lookupHashes() {
        let seed = TableHash.seed
        let e = events(lines, withIDs: true).map { var e = $0; e.computeLookupHashes(); return e }
        #expect(e[0].lookupHashes.first == OrderID("1").tableHash(seed) && e[0].lookupHashes.second == 0)
        #expect(e[2].lookupHashes.first == OrderID("1").tableHash(seed))
        #expect(e[2].lookupHashes.second == FulfillmentID("f1").tableHash(seed))
        #expect(e[4].lookupHashes.second == RefundID("r1").tableHash(seed))
        let stock = events([#"{"id":"i","type":"inventory.adjusted","occurred_at":"2026-11-20T10:00:00Z","data":{"sku":"S","location":"m","delta":2,"reason":"restock"}}"#], withIDs: true)
        var adjusted = stock[0]
        adjusted.computeLookupHashes()
        #expect(adjusted.lookupHashes.first == StockKey(SKU("S"), Location("m")).tableHash(seed))
    }

    @Test("applying a run of events with prefetching gives what applying them one by one gives, whatever the hashes",
          arguments: ["computed", "none", "wrong"])
    func prefetchingIsOnlyAHint(hashes: String) {
        var history = SyntheticHistory(seed: 11, skuCount: 40)
        let replayEvents = events((0..<6000).map { _ in history.next() }, withIDs: true)
        var expected = Truth()
        for e in replayEvents { expected.apply(e) }
        let hinted: [ReplayEvent] = replayEvents.enumerated().map { i, e in
            switch hashes {
            case "computed": var c = e; c.computeLookupHashes(); return c
            case "wrong": var w = e; w.computeLookupHashes(); w.lookupHashes = (UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1, UInt64(i) | 1); return w
            default: return e
            }
        }
        var truth = Truth()
        // Runs of uneven length, as the journal's batches end where they end.
        var start = 0
        for length in [1, 3, 4000, 1999, 2000] where start < hinted.count {
            let end = min(start + length, hinted.count)
            truth.apply(contentsOf: Array(hinted[start..<end]))
            start = end
        }
        #expect(truth.applied == 6000)
        #expect(truth.orders == expected.orders && truth.fulfillments == expected.fulfillments && truth.refunds == expected.refunds)
        #expect(truth.stock == expected.stock && truth.prices == expected.prices && truth.discounts == expected.discounts)
        #expect(truth.replayFindings == expected.replayFindings)
    }

    @Test("one batch filled, applied and filled again (as replay's reader reuses them) gives what one-by-one gives; a dropped full batch frees its events")
    func reusedBatch() {
        var history = SyntheticHistory(seed: 12, skuCount: 30)
        let replayEvents = events((0..<5000).map { _ in history.next() }, withIDs: false)
        var expected = Truth()
        for e in replayEvents { expected.apply(e) }
        let batch = ReplayBatch(capacity: 700)
        var truth = Truth()
        var next = 0, runs = 0
        while next < replayEvents.count && runs < 100 {  // bounded: a batch left full takes no more
            runs += 1
            #expect(batch.isEmpty)
            while !batch.isFull && next < replayEvents.count {
                var e = replayEvents[next]
                e.computeLookupHashes()
                batch.append(e)
                next += 1
            }
            truth.apply(emptying: batch)
        }
        #expect(batch.isEmpty && runs == 8)
        #expect(truth.applied == 5000 && truth.maxSeq == 5000)
        #expect(truth.orders == expected.orders && truth.fulfillments == expected.fulfillments && truth.refunds == expected.refunds)
        #expect(truth.stock == expected.stock && truth.prices == expected.prices && truth.discounts == expected.discounts)
        #expect(truth.replayFindings == expected.replayFindings)
        // The events given to the batch were copies: the originals are intact.
        var again = Truth()
        again.apply(contentsOf: replayEvents)
        #expect(again.orders == expected.orders && again.stock == expected.stock)
        // A batch handed over and never applied (a replay cancelled) destroys what it holds:
        // afterwards the lines array an event in it carried is ours alone again, so appending
        // to it (capacity reserved) happens in place instead of copying.
        let line = OrderLine(lineID: LineID("1"), sku: SKU("S"), qty: 1, unitPrice: 1, discount: 0)
        func placement(_ lines: [OrderLine]) -> ReplayEvent {
            ReplayEvent(seq: Seq(1), occurredAt: Timestamp(microseconds: 1), id: nil, payload: .orderPlaced(OrderPlaced(
                orderID: OrderID("o"), location: Location("m"), currency: "EUR", lines: lines, total: 1, customerEmail: nil, discountCodes: [])))
        }
        var lines = [line]
        lines.reserveCapacity(8)
        let base = lines.withUnsafeBufferPointer { $0.baseAddress }
        do {
            let dropped = ReplayBatch(capacity: 3)
            dropped.append(placement(lines))
            for e in replayEvents.prefix(2) { dropped.append(e) }
            #expect(dropped.isFull)
        }
        lines.append(line)
        #expect(lines.withUnsafeBufferPointer { $0.baseAddress } == base)
        // The check can fail: with the array still held elsewhere, the append copies it.
        var held = [line]
        held.reserveCapacity(8)
        let heldBase = held.withUnsafeBufferPointer { $0.baseAddress }
        let kept = ReplayBatch(capacity: 1)
        kept.append(placement(held))
        held.append(line)
        #expect(held.withUnsafeBufferPointer { $0.baseAddress } != heldBase)
        #expect(kept.isFull)
    }

    @Test("double shipments are found across the chunks their lookups are batched in, and only where a line shipped past its qty")
    func doubleShipmentsAcrossChunks() {
        var lines: [String] = []
        var second = 0
        func at() -> String {
            second += 1
            return "2026-11-20T" + [second / 3600, second / 60 % 60, second % 60].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":") + "Z"
        }
        func ship(_ f: String, _ order: Int, _ shipped: String) {
            lines.append(#"{"id":"e\#(f)","type":"fulfillment.created","occurred_at":"\#(at())","data":{"fulfillment_id":"\#(f)","order_id":"o\#(order)","location":"m","lines":[\#(shipped)]}}"#)
        }
        let count = 10_000  // more than two chunks of 4,096 orders
        var expected: [String] = []
        for i in 0..<count {
            lines.append(#"{"id":"p\#(i)","type":"order.placed","occurred_at":"\#(at())","data":{"order_id":"o\#(i)","location":"m","currency":"EUR","total":3,"lines":[{"line_id":"a","sku":"S","qty":2,"unit_price":1},{"line_id":"b","sku":"S","qty":1,"unit_price":1}]}}"#)
            if i % 7 == 0 {
                // Line a: 2 then 1 more = 3 of 2. Line b: 1 of 1.
                ship("f\(i)-1", i, #"{"line_id":"a","qty":2},{"line_id":"b","qty":1}"#)
                ship("f\(i)-2", i, #"{"line_id":"a","qty":1}"#)
                expected.append("o\(i) a 1 f\(i)-1,f\(i)-2")
            } else if i % 11 == 0 {
                // Shipped, cancelled, shipped again: never more than the qty at once.
                ship("f\(i)-1", i, #"{"line_id":"a","qty":2}"#)
                lines.append(#"{"id":"c\#(i)","type":"fulfillment.cancelled","occurred_at":"\#(at())","data":{"fulfillment_id":"f\#(i)-1"}}"#)
                ship("f\(i)-2", i, #"{"line_id":"a","qty":2}"#)
            } else if i % 2 == 0 {
                ship("f\(i)-1", i, #"{"line_id":"a","qty":2},{"line_id":"b","qty":1}"#)
            }
        }
        var truth = Truth()
        for e in events(lines, withIDs: true) { truth.apply(e) }
        let found = truth.doubleShipments().map { f in
            "\(f.key[0].value) \(f.key[1].value) \(f.units ?? 0) \((f.fulfillmentIDs ?? []).joined(separator: ","))"
        }
        #expect(found.count == expected.count)
        // Only the difference, if any, in the message.
        #expect(Set(found).symmetricDifference(expected).sorted() == [])
    }
}

