import TallyCore
import TallySQLite
import TallyDigest
import Glibc

/// What `orderHistory` found.
public enum OrderLookupResult: Sendable {
    case found(OrderHistory)
    /// Truth has no such order; `eventsNaming` events name it all the same (orphans).
    case unknown(eventsNaming: Int)
}

extension Journal {
    /// The history of one order (contract §8), from the indexes: the order's events,
    /// the events of its fulfillment and refund ids, and only those. No full replay.
    /// On a pruned journal, an order with pruned events needs the archives (`attachArchives`):
    /// a history without its first events would name the wrong placement.
    public func orderHistory(_ orderID: OrderID) throws(JournalError) -> OrderLookupResult {
        if readArchives.isEmpty, try wrap({ () throws(SQLiteError) in try hasPrunedEvents(orderID) }), let anchor = try pruneAnchor() {
            throw .needsArchives(path: path, detail: "order \(orderID.rawValue) has events among the \(anchor.events) pruned from the journal (seq 1–\(anchor.throughSeq)): its history needs them; pass --archives DIR with the archives that hold them")
        }
        return try wrap { () throws(SQLiteError) -> OrderLookupResult in
            let own = try rows("SELECT \(EventRecord.selectList) FROM events WHERE order_id = ?", orderID.rawValue)
            guard !own.isEmpty else { return .unknown(eventsNaming: 0) }
            let (byFulfillment, related) = try closure(of: orderID, own: own)
            guard let truth = OrderHistory.truth(of: orderID, from: related),
                  let order = truth.orders[orderID] else {
                return .unknown(eventsNaming: own.count)
            }
            let byRef = try rows("SELECT \(EventRecord.selectList) FROM events WHERE ref = ? AND type = \(EventType.inventoryAdjusted.code)", orderID.rawValue)
            let timeline = OrderHistory.timeline(of: orderID, truth: truth, candidates: own + byFulfillment + byRef)
            let placement = own.first { $0.seq == order.placed.seq }
            var prices: [PriceAtOrder] = []
            for line in order.lines {
                let last = try lastPrice(line.sku, before: order.placed)
                var list: PriceChanged?
                if case .priceChanged(let p)? = last?.event.payload { list = p }
                prices.append(PriceAtOrder(lineID: line.lineID, sku: line.sku, charged: line.unitPrice, list: list, listSeq: last?.seq))
            }
            var discounts: [DiscountAtOrder] = []
            for code in OrderHistory.distinctCodes(order) {
                discounts.append(try discountBefore(code, order.placed))
            }
            let fulfillments = order.fulfillmentIDs.compactMap { truth.fulfillments[$0] }
            let refunds = truth.refunds.values.filter { $0.orderID == orderID }.sorted { $0.created < $1.created }
            let shown = timeline.map(\.seq.rawValue) + prices.compactMap { $0.listSeq?.rawValue } + discounts.compactMap { $0.seq?.rawValue }
            let integrity = try integrity(Array(Set(shown)).sorted())
            return .found(OrderHistory(
                order: order, placedAtText: placement?.event.occurredAtText ?? order.placed.occurredAt.rfc3339,
                timeline: timeline, effects: OrderHistory.effects(truth: truth, timeline: timeline),
                pricesAtOrder: prices, discountsAtOrder: discounts,
                fulfillments: fulfillments, refunds: refunds, integrity: integrity))
        }
    }

    /// Every event that can change an order's truth, given its own events (`order_id` = the
    /// order): those plus the events naming its fulfillment and refund ids, and the
    /// placements of other orders those events name (an id first used by another order
    /// stays that order's). Also returns the events of its fulfillment ids on their own.
    func closure(of orderID: OrderID, own: [TimelineEvent]) throws(SQLiteError) -> (byFulfillment: [TimelineEvent], all: [TimelineEvent]) {
        var fulfillmentIDs = Set<FulfillmentID>(), refundIDs = Set<RefundID>()
        for e in own {
            switch e.event.payload {
            case .fulfillmentCreated(let f): fulfillmentIDs.insert(f.fulfillmentID)
            case .orderRefunded(let r): refundIDs.insert(r.refundID)
            default: break
            }
        }
        var byFulfillment: [TimelineEvent] = []
        for id in fulfillmentIDs.sorted() {
            byFulfillment += try rows("SELECT \(EventRecord.selectList) FROM events WHERE fulfillment_id = ?", id.rawValue)
        }
        var byRefund: [TimelineEvent] = []
        for id in refundIDs.sorted() {
            byRefund += try rows("SELECT \(EventRecord.selectList) FROM events WHERE refund_id = ?", id.rawValue)
        }
        var otherOrders = Set<OrderID>()
        for e in byFulfillment + byRefund {
            switch e.event.payload {
            case .fulfillmentCreated(let f) where f.orderID != orderID: otherOrders.insert(f.orderID)
            case .orderRefunded(let r) where r.orderID != orderID: otherOrders.insert(r.orderID)
            default: break
            }
        }
        var otherPlacements: [TimelineEvent] = []
        for other in otherOrders.sorted() {
            otherPlacements += try rows("SELECT \(EventRecord.selectList) FROM events WHERE order_id = ? AND type = \(EventType.orderPlaced.code)", other.rawValue)
        }
        return (byFulfillment, own + byFulfillment + byRefund + otherPlacements)
    }

    /// The orders whose placement carried `email`, newest placement first (exact match).
    public func orders(email: String) throws(JournalError) -> [OrderID] {
        try wrap { () throws(SQLiteError) -> [OrderID] in
            // Per order: its newest placement's time, then its highest seq, newest first.
            var newest: [OrderID: (occurredUs: Int64, seq: Int64)] = [:]
            for c in try lookupCandidates(.email, email, types: [.orderPlaced]) {
                let order = OrderID(try text(of: "order_id", seq: c.seq) ?? "")
                let was = newest[order] ?? (.min, .min)
                newest[order] = (max(was.occurredUs, c.occurredUs), max(was.seq, c.seq))
            }
            return newest.sorted { ($0.value.occurredUs, $0.value.seq) > ($1.value.occurredUs, $1.value.seq) }.map(\.key)
        }
    }

    /// The fulfillments created with this tracking number: (order, fulfillment) in event-time order.
    public func fulfillments(trackingNumber: String) throws(JournalError) -> [(order: OrderID, fulfillment: FulfillmentID)] {
        try wrap { () throws(SQLiteError) -> [(order: OrderID, fulfillment: FulfillmentID)] in
            let s = try cached("SELECT order_id, fulfillment_id FROM events WHERE seq = ?")
            defer { s.reset() }
            var result: [(order: OrderID, fulfillment: FulfillmentID)] = []
            for c in try lookupCandidates(.tracking, trackingNumber, types: [.fulfillmentCreated]).sorted(by: { ($0.occurredUs, $0.seq) < ($1.occurredUs, $1.seq) }) {
                s.reset(); s.bind(c.seq, at: 1)
                if try s.step() { result.append((OrderID(s.text(0)), FulfillmentID(s.text(1)))) }
            }
            return result
        }
    }

    /// Full rows for `sql` with one text parameter, in the order SQLite returns them.
    func rows(_ sql: String, _ parameter: String) throws(SQLiteError) -> [TimelineEvent] {
        let s = try cached(sql)
        defer { s.reset() }
        s.bind(parameter, at: 1)
        var result: [TimelineEvent] = []
        while try s.step() {
            if let event = Journal.timelineEvent(row: s) { result.append(event) }
        }
        return result
    }

    static func timelineEvent(row s: Statement) -> TimelineEvent? {
        guard let event = EventRecord(row: s).event() else { return nil }
        return TimelineEvent(seq: Seq(s.int64(0)), recordedAt: Timestamp(microseconds: s.int64(1)), event: event)
    }

    /// The SKU's newest `price.changed` that sorts strictly before `time` in event-time order
    /// (nil for no time: its newest of all).
    func lastPrice(_ sku: SKU, before time: EventTime?) throws(SQLiteError) -> TimelineEvent? {
        let until = time?.occurredAt.microseconds ?? .max
        let best = try lookupCandidates(.sku, sku.rawValue, types: [.priceChanged], until: until)
            .filter { c in time.map { c.seq < $0.seq.rawValue || c.occurredUs < $0.occurredAt.microseconds } ?? true }
            .max { ($0.occurredUs, $0.seq) < ($1.occurredUs, $1.seq) }
        return try best.flatMap { b throws(SQLiteError) in try events(atSeqs: [b.seq]).first }
    }

    /// One text column of the event at `seq`.
    private func text(of column: String, seq: Int64) throws(SQLiteError) -> String? {
        let s = try cached("SELECT \(column) FROM events WHERE seq = ?")
        defer { s.reset() }
        s.bind(seq, at: 1)
        return try s.step() ? s.optionalText(0) : nil
    }

    /// Truth's discount `code` just before `time`: its last event then, and for a delete,
    /// whether an upsert came before it (a delete of an unknown code changes nothing).
    private func discountBefore(_ code: DiscountCode, _ time: EventTime) throws(SQLiteError) -> DiscountAtOrder {
        let s = try cached("SELECT \(EventRecord.selectList) FROM events WHERE code = ? AND occurred_us <= ? ORDER BY occurred_us DESC, seq DESC")
        defer { s.reset() }
        s.bind(code.rawValue, at: 1); s.bind(time.occurredAt.microseconds, at: 2)
        var last: TimelineEvent?
        while try s.step() {
            guard s.int64(0) < time.seq.rawValue || s.int64(EventRecord.occurredUsIndex) < time.occurredAt.microseconds else { continue }
            guard let event = Journal.timelineEvent(row: s) else { continue }
            if last == nil {
                last = event
                if case .discountUpserted = event.event.payload { break }
            } else if case .discountUpserted = event.event.payload {
                return DiscountAtOrder.from(code: code, last: last, upsertedBeforeLast: true)
            }
        }
        return DiscountAtOrder.from(code: code, last: last, upsertedBeforeLast: false)
    }
}

extension Journal {
    /// A SKU's price and stock history from `from` to `to` (see `SKUHistory`): its price
    /// and inventory events, and the history of every order that sold it (from `order_skus`,
    /// plus the placements appended since it was last brought up to date).
    public func skuHistory(_ sku: SKU, from: Timestamp?, to: Timestamp?) throws(JournalError) -> SKUHistory {
        try wrap { () throws(SQLiteError) -> SKUHistory in
            let limit = to?.microseconds ?? Int64.max
            let own = try lookupCandidates(.sku, sku.rawValue, types: [.priceChanged, .inventorySet, .inventoryAdjusted], until: limit)
            var events = try self.events(atSeqs: own.map(\.seq))
            var orders = Set<OrderID>()
            let indexed = try orderSKUsSeq()
            if try hasTable("order_skus") {
                let placements = try cached("SELECT DISTINCT e.order_id FROM order_skus s JOIN events e ON e.seq = s.seq WHERE s.sku = ? AND s.occurred_us <= ?")
                defer { placements.reset() }
                placements.bind(sku.rawValue, at: 1); placements.bind(limit, at: 2)
                while try placements.step() { orders.insert(OrderID(placements.text(0))) }
            }
            try forEachPlacement(after: indexed) { _, occurredUs, placed in
                if occurredUs <= limit && placed.lines.contains(where: { $0.sku == sku }) { orders.insert(placed.orderID) }
            }
            for order in orders.sorted() {
                let own = try rows("SELECT \(EventRecord.selectList) FROM events WHERE order_id = ?", order.rawValue)
                events += try closure(of: order, own: own).all
            }
            var history = SKUHistory.build(sku: sku, events: events, from: from, to: to)
            history.integrity = try integrity(Array(Set(history.shownSeqs)).sorted())
            return history
        }
    }

    /// Every order.placed after `seq`, in seq order: (seq, occurred_us, payload).
    func forEachPlacement(after seq: Int64, _ body: (Int64, Int64, OrderPlaced) throws(SQLiteError) -> Void) throws(SQLiteError) {
        let read = try cached("SELECT seq, occurred_us, replay FROM events WHERE seq > ? AND type = \(EventType.orderPlaced.code)")
        defer { read.reset() }
        read.bind(seq, at: 1)
        while try read.step() {
            guard case .orderPlaced(let p)? = read.withRawBytes(2, { $0.flatMap { ReplayRecord.decode(type: .orderPlaced, $0) } }) else { continue }
            try body(read.int64(0), read.int64(1), p)
        }
    }

    /// The seq up to which `order_skus` has every placement's SKUs (0 when never built).
    func orderSKUsSeq() throws(SQLiteError) -> Int64 { try metaSeq("order_skus_seq") ?? 0 }

    /// Rows `indexOrderSKUs` sorts and inserts at a time: bounds its memory (a 1 GB append
    /// adds about 3.8M rows; held whole they took 200 MB) while keeping inserts in key order.
    static let orderSKUsChunkRows = 262_144

    /// Brings `order_skus` up to date with the placements appended since it last was, in one
    /// transaction, inserting in key order chunk by chunk. Append leaves this table alone
    /// (random inserts into it cost a fifth of the append rate); commands that append call this at the end.
    public func indexOrderSKUs() throws(JournalError) { try indexOrderSKUs(chunkRows: Journal.orderSKUsChunkRows) }

    func indexOrderSKUs(chunkRows: Int) throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            let start = try orderSKUsSeq()
            let head = try self.headRecord().seq
            guard head > start else { return }
            try connection.transaction { () throws(SQLiteError) in
                var chunk = OrderSKUChunk(capacity: chunkRows)
                let insert = try cached("INSERT OR IGNORE INTO order_skus (sku, occurred_us, seq) VALUES (?, ?, ?)")
                defer { insert.reset() }
                func row(_ sku: UnsafeRawBufferPointer, _ occurredUs: Int64, _ seq: Int64) throws(SQLiteError) {
                    insert.reset()
                    insert.bind(utf8: sku, at: 1); insert.bind(occurredUs, at: 2); insert.bind(seq, at: 3)
                    try insert.step()
                }
                let read = try cached("SELECT seq, occurred_us, replay FROM events WHERE seq > ? AND type = \(EventType.orderPlaced.code)")
                defer { read.reset() }
                read.bind(start, at: 1)
                var skus: [Range<Int>] = []
                while try read.step() {
                    let seq = read.int64(0), occurredUs = read.int64(1)
                    read.withRawBytes(2) { bytes in
                        guard let bytes, ReplayRecord.orderPlacedSKUs(bytes, into: &skus) else { return }
                        for sku in skus { chunk.add(UnsafeRawBufferPointer(rebasing: bytes[sku]), occurredUs: occurredUs, seq: seq) }
                    }
                    if chunk.count >= chunkRows { try chunk.drainSorted(into: row) }
                }
                try chunk.drainSorted(into: row)
                let done = try self.headRecord().seq
                let meta = try cached("INSERT OR REPLACE INTO journal_meta (key, value) VALUES ('order_skus_seq', ?)")
                defer { meta.reset() }
                meta.bind(String(done), at: 1)
                try meta.step()
            }
        }
    }
}

/// A chunk of `order_skus` rows: their SKUs' bytes in one buffer (no string per row), sorted
/// in the table's key order (SKU bytes as SQLite's BINARY collation compares them, then
/// occurred_us, seq) before they are inserted, so each B-tree page is written once a chunk.
struct OrderSKUChunk {
    /// `head` and `next` are the SKU's first 16 bytes, big-endian and zero-padded, so most
    /// comparisons are two integer compares instead of a `memcmp` call.
    private struct Row { var head: UInt64, next: UInt64, start: Int, count: Int, occurredUs: Int64, seq: Int64 }
    private var bytes: [UInt8] = []
    private var rows: [Row] = []

    init(capacity: Int) {
        rows.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 16)
    }

    var count: Int { rows.count }

    mutating func add(_ sku: UnsafeRawBufferPointer, occurredUs: Int64, seq: Int64) {
        var head: UInt64 = 0, next: UInt64 = 0
        for i in 0..<16 {
            let byte = i < sku.count ? UInt64(sku[i]) : 0
            if i < 8 { head = head << 8 | byte } else { next = next << 8 | byte }
        }
        rows.append(Row(head: head, next: next, start: bytes.count, count: sku.count, occurredUs: occurredUs, seq: seq))
        bytes.append(contentsOf: sku)
    }

    /// Hands the rows to `emit` in key order, each once (a SKU an order names twice is one
    /// row: equal rows sort next to each other and only the first is emitted), and empties the chunk.
    mutating func drainSorted(into emit: (UnsafeRawBufferPointer, Int64, Int64) throws(SQLiteError) -> Void) throws(SQLiteError) {
        guard !rows.isEmpty else { return }
        var sorted: [Row] = []
        swap(&sorted, &rows)
        defer {
            sorted.removeAll(keepingCapacity: true); rows = sorted
            bytes.removeAll(keepingCapacity: true)
        }
        // `withUnsafeBytes` does not carry a typed error: `emit`'s comes back as a value.
        let failure = bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) -> SQLiteError? in
            func sku(_ row: Row) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[row.start..<(row.start + row.count)]) }
            func order(_ a: Row, _ b: Row) -> Int {
                if a.head != b.head { return a.head < b.head ? -1 : 1 }
                if a.next != b.next { return a.next < b.next ? -1 : 1 }
                // The first 16 bytes (or all of the shorter SKU) are equal: the rest decides.
                let shared = min(a.count, b.count)
                if shared > 16 {
                    let c = memcmp(all.baseAddress! + a.start + 16, all.baseAddress! + b.start + 16, shared - 16)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                if a.count != b.count { return a.count < b.count ? -1 : 1 }
                if a.occurredUs != b.occurredUs { return a.occurredUs < b.occurredUs ? -1 : 1 }
                return a.seq == b.seq ? 0 : (a.seq < b.seq ? -1 : 1)
            }
            sorted.sort { order($0, $1) < 0 }
            var previous: Row?
            for row in sorted {
                if let previous, order(previous, row) == 0 { continue }
                previous = row
                do throws(SQLiteError) { try emit(sku(row), row.occurredUs, row.seq) } catch { return error }
            }
            return nil
        }
        if let failure { throw failure }
    }
}

extension Journal {
    /// Truth's price of a SKU now: its last `price.changed` in event-time order (an index read).
    public func currentPrice(_ sku: SKU) throws(JournalError) -> PriceChanged? {
        try wrap { () throws(SQLiteError) -> PriceChanged? in
            guard case .priceChanged(let p)? = try lastPrice(sku, before: nil)?.event.payload else { return nil }
            return p
        }
    }

    /// Whether an event with this id is in the journal.
    public func contains(eventID: String) throws(JournalError) -> Bool {
        try wrap { () throws(SQLiteError) -> Bool in
            let s = try cached("SELECT id FROM events WHERE id_key = ?")
            defer { s.reset() }
            s.bind(idKeyScheme.key(eventID), at: 1)
            // By code points (contract §2), not by Swift's canonical equivalence.
            while try s.step() { if sameCodePoints(s.text(0), eventID) { return true } }
            return false
        }
    }
}
