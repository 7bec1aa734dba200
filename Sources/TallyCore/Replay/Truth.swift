/// What replay needs of an event: its place in event-time order, its id (named by
/// conflict and orphan findings) and its typed payload. No JSON.
///
/// A reader may leave `id` out (nil): the few findings that name an event then carry an
/// empty `event_id` until `Truth.resolveEventIDs` fills it in from their causal seq, so a
/// replay of ten million events does not make ten million strings for a handful of findings.
public struct ReplayEvent: Sendable {
    public var seq: Seq
    public var occurredAt: Timestamp
    public var id: EventID?
    public var payload: EventPayload
    /// The hashes of the table keys the event looks up (see `Truth.apply(contentsOf:)`),
    /// computed by `computeLookupHashes()` where the event is decoded, off the applying thread;
    /// zero when not computed. Only hints: they choose what memory to fetch early.
    public var lookupHashes: (first: UInt64, second: UInt64) = (0, 0)
    /// Which tables `lookupHashes` are for (set with them).
    var lookupTables = LookupTables.none
    public init(seq: Seq, occurredAt: Timestamp, id: EventID?, payload: EventPayload) {
        self.seq = seq; self.occurredAt = occurredAt; self.id = id; self.payload = payload
    }

    /// An event without its id, with the lookup hashes computed where its record was decoded,
    /// from the keys' bytes (`Packing.Reader.string(hash:into:)`): the same values as
    /// `computeLookupHashes()`, without going through the payload's strings again. (It still
    /// copies the event once as it returns it; a `consuming` payload did not change that.)
    public init(seq: Seq, occurredAt: Timestamp, payload: EventPayload, lookupHashes: (first: UInt64, second: UInt64)) {
        self.seq = seq; self.occurredAt = occurredAt; self.id = nil; self.payload = payload
        self.lookupHashes = lookupHashes
        self.lookupTables = Self.lookupTables(of: payload)
    }

    enum LookupTables: UInt8, Sendable {
        case none, prices, stock, orders, ordersAndEmails, ordersAndRefunds, ordersAndFulfillments, fulfillments
    }

    /// Sets `lookupHashes` (in place: a copy of the event would retain its arrays): the
    /// first key an event looks up (its order, its fulfillment, its (SKU, location) or its
    /// SKU) and, for a fulfillment or a refund of an order, its own id; for a placement, its
    /// customer's email (0 without one), which replay interns.
    public mutating func computeLookupHashes() {
        let seed = TableHash.seed
        switch payload {
        case .priceChanged(let p):
            lookupHashes.first = p.sku.tableHash(seed)
        case .inventorySet(let p):
            lookupHashes.first = StockKey(p.sku, p.location).tableHash(seed)
        case .inventoryAdjusted(let p):
            lookupHashes.first = StockKey(p.sku, p.location).tableHash(seed)
        case .orderPlaced(let p):
            lookupHashes = (p.orderID.tableHash(seed), p.customerEmail.map { ExactString($0).tableHash(seed) } ?? 0)
        case .orderCancelled(let p):
            lookupHashes.first = p.orderID.tableHash(seed)
        case .orderRefunded(let p):
            lookupHashes = (p.orderID.tableHash(seed), p.refundID.tableHash(seed))
        case .fulfillmentCreated(let p):
            lookupHashes = (p.orderID.tableHash(seed), p.fulfillmentID.tableHash(seed))
        case .fulfillmentCancelled(let id):
            lookupHashes.first = id.tableHash(seed)
        case .discountUpserted, .discountDeleted, .snapshotTaken, .restorePerformed: break
        }
        lookupTables = Self.lookupTables(of: payload)
    }

    /// The tables an event of this kind looks up, in the order of its two hashes.
    static func lookupTables(of payload: EventPayload) -> LookupTables {
        switch payload {
        case .priceChanged: .prices
        case .inventorySet, .inventoryAdjusted: .stock
        case .orderPlaced: .ordersAndEmails
        case .orderCancelled: .orders
        case .orderRefunded: .ordersAndRefunds
        case .fulfillmentCreated: .ordersAndFulfillments
        case .fulfillmentCancelled: .fulfillments
        case .discountUpserted, .discountDeleted, .snapshotTaken, .restorePerformed: .none
        }
    }
}

/// The state of the store according to the journal: the result of replaying
/// events in event-time order under the rules of contract §4. Pure: no I/O.
public struct Truth: Sendable {
    public private(set) var prices = KeyedTable<SKU, PriceTruth>()
    public private(set) var stock = KeyedTable<StockKey, StockTruth>()
    public private(set) var discounts: [DiscountCode: DiscountTruth] = [:]
    public private(set) var orders = KeyedTable<OrderID, OrderTruth>()
    public private(set) var fulfillments = KeyedTable<FulfillmentID, FulfillmentTruth>()
    public private(set) var refunds = KeyedTable<RefundID, RefundTruth>()
    /// Findings raised by replay itself (oversell, shipped_cancelled_order, order_conflict, orphan_reference).
    public private(set) var replayFindings: [Finding] = []
    /// The last position applied (events must come in event-time order).
    public private(set) var position: EventTime?
    public private(set) var applied = 0
    /// The highest seq applied.
    public private(set) var maxSeq: Int64 = 0
    /// Customer emails seen, so that a repeat customer's orders share one string: about
    /// 40 MB less at 980k orders from 200k customers (a String longer than 15 bytes is a
    /// heap allocation of its own).
    private var emails = Interner()

    public init() {}

    /// Everything a truth holds, for restoring one from a checkpoint (`TruthCodec`).
    public struct Parts: Sendable {
        public var prices = KeyedTable<SKU, PriceTruth>()
        public var stock = KeyedTable<StockKey, StockTruth>()
        public var discounts: [DiscountCode: DiscountTruth] = [:]
        public var orders = KeyedTable<OrderID, OrderTruth>()
        public var fulfillments = KeyedTable<FulfillmentID, FulfillmentTruth>()
        public var refunds = KeyedTable<RefundID, RefundTruth>()
        public var replayFindings: [Finding] = []
        public var position: EventTime?
        public var applied = 0
        public var maxSeq: Int64 = 0
        public init() {}
    }

    public init(restoring parts: Parts) {
        prices = parts.prices; stock = parts.stock; discounts = parts.discounts
        orders = parts.orders; fulfillments = parts.fulfillments; refunds = parts.refunds
        replayFindings = parts.replayFindings; position = parts.position; applied = parts.applied; maxSeq = parts.maxSeq
    }

    /// Sizes the tables for the events to come (replay knows the counts by type), so that
    /// they are not regrown: a regrowth holds the old and the new storage at once.
    public mutating func reserve(orders: Int, fulfillments: Int, refunds: Int) {
        self.orders.reserveCapacity(orders)
        self.fulfillments.reserveCapacity(fulfillments)
        self.refunds.reserveCapacity(refunds)
    }

    /// Applies one journaled event. Events must arrive in event-time order.
    public mutating func apply(_ journaled: JournaledEvent) {
        apply(ReplayEvent(seq: journaled.seq, occurredAt: journaled.event.occurredAt, id: journaled.event.id, payload: journaled.event.payload))
    }

    /// Applies a run of events in event-time order, as `apply` one by one (see `apply(emptying:)`).
    public mutating func apply(contentsOf events: [ReplayEvent]) {
        guard !events.isEmpty else { return }
        let batch = ReplayBatch(capacity: events.count)
        for event in events { batch.append(event) }
        apply(emptying: batch)
    }

    /// Applies the batch's events in event-time order, as `apply` one by one, moving each out
    /// of the batch (which is left empty, for the next run), while the memory the next ones
    /// will read is fetched, `PrefetchLookahead` events ahead (a hint to the CPU: no effect on
    /// any result). At a million orders the tables are far larger than the caches, and a
    /// lookup waited on two or three cache misses in turn (the slot, then the key and the
    /// value); fetched a few events ahead, those waits overlap the work on the events before
    /// them. The hints are read from the batch's memory, and each event is moved, not copied
    /// (nothing in it is retained again).
    /// (Applied where they lie instead, each was copied out all the same: more CPU, measured.)
    public mutating func apply(emptying batch: ReplayBatch) {
        let n = batch.count
        let events = batch.events
        for i in 0..<min(PrefetchLookahead.slot, n) {
            prefetch(events[i].lookupHashes, events[i].lookupTables, entry: false)
            prefetchStock(batch, i, entry: false)
        }
        for i in 0..<n {
            let slotAhead = i + PrefetchLookahead.slot, entryAhead = i + PrefetchLookahead.entry
            if slotAhead < n {
                prefetch(events[slotAhead].lookupHashes, events[slotAhead].lookupTables, entry: false)
                prefetchStock(batch, slotAhead, entry: false)
            }
            if entryAhead < n {
                prefetch(events[entryAhead].lookupHashes, events[entryAhead].lookupTables, entry: true)
                prefetchStock(batch, entryAhead, entry: true)
            }
            apply(batch.take(i))
        }
        batch.markEmpty()
    }

    /// For an order placement, fetches the stock entries its lines will take units from
    /// (each line's (SKU, location) slot, then entry): three cache misses a line, waited on in
    /// turn, were most of `placeOrder`'s own time at 10M events. The hashes come from the
    /// batch (`ReplayBatch.append` computed them).
    private func prefetchStock(_ batch: ReplayBatch, _ i: Int, entry: Bool) {
        for k in batch.stockHashes(of: i) { stock.prefetch(hash: batch.stockHashes[k], entry: entry) }
    }

    /// Fetches the slots (`entry: false`) or the entries (`entry: true`) an event will look
    /// up, by its `lookupHashes` (none when they were not computed).
    private func prefetch(_ hashes: (first: UInt64, second: UInt64), _ tables: ReplayEvent.LookupTables, entry: Bool) {
        let (first, second) = hashes
        switch tables {
        case .none: break
        case .prices: prices.prefetch(hash: first, entry: entry)
        case .stock: stock.prefetch(hash: first, entry: entry)
        case .orders: orders.prefetch(hash: first, entry: entry)
        case .ordersAndEmails:
            orders.prefetch(hash: first, entry: entry)
            if second != 0 { emails.prefetch(hash: second, entry: entry) }
        case .ordersAndRefunds:
            orders.prefetch(hash: first, entry: entry)
            refunds.prefetch(hash: second, entry: entry)
        case .ordersAndFulfillments:
            orders.prefetch(hash: first, entry: entry)
            fulfillments.prefetch(hash: second, entry: entry)
        case .fulfillments: fulfillments.prefetch(hash: first, entry: entry)
        }
    }

    /// Applies one event. Events must arrive in event-time order.
    public mutating func apply(_ journaled: ReplayEvent) {
        let at = EventTime(journaled.occurredAt, journaled.seq)
        if let position { precondition(position < at, "replay must run in event-time order") }
        position = at
        applied += 1
        maxSeq = max(maxSeq, journaled.seq.rawValue)
        switch journaled.payload {
        case .priceChanged(let p):
            // One hash probe for a known SKU: its entry is changed in place.
            if let index = prices.index(forKey: p.sku) {
                prices.values[index].price = p.price
                prices.values[index].currency = p.currency
                prices.values[index].compareAt = p.compareAt
                prices.values[index].last = at
            } else {
                prices[p.sku] = PriceTruth(price: p.price, currency: p.currency, compareAt: p.compareAt, first: at, last: at)
            }
        case .inventorySet(let p):
            stock[StockKey(p.sku, p.location)] = StockTruth(available: p.available, last: at)
        case .inventoryAdjusted(let p):
            let key = StockKey(p.sku, p.location)
            if let index = stock.index(forKey: key) {
                stock.values[index].available &+= p.delta
                stock.values[index].last = at
            } else {
                stock[key] = StockTruth(available: p.delta, last: at)
            }
        case .discountUpserted(let p):
            if let index = discounts.index(forKey: p.code) {
                Self.upsert(&discounts.values[index], p, at)
            } else {
                var truth = DiscountTruth(definition: nil, status: .active, everUpserted: false, last: at, lostCause: nil)
                Self.upsert(&truth, p, at)
                discounts[p.code] = truth
            }
        case .discountDeleted(let code):
            guard let index = discounts.index(forKey: code) else { orphan(journaled, at); return }
            discounts.values[index].status = .deleted
            discounts.values[index].last = at
        case .orderPlaced(let p):
            placeOrder(p, journaled, at)
        case .orderCancelled(let p):
            // Index-based access mutates the stored order in place (no copy of its arrays).
            guard let index = orders.index(forKey: p.orderID) else { orphan(journaled, at); return }
            guard orders.values[index].status != .cancelled else { return }
            orders.values[index].status = .cancelled
            orders.values[index].statusSet = at
            if p.restock {
                let order = orders.values[index]
                for line in order.lines {
                    let back = line.qty - fulfilled(order, line.lineID) - (order.restockedByRefunds[line.lineID] ?? 0)
                    if back > 0 { move(StockKey(line.sku, order.location), by: back, at) }
                }
            }
        case .orderRefunded(let p):
            guard let index = orders.index(forKey: p.orderID) else { orphan(journaled, at); return }
            let lines = orders.values[index].lines
            let location = orders.values[index].location
            // One probe for the duplicate check and the insert; an orphan takes its entry back.
            guard refunds.insertIfAbsent(p.refundID, {
                RefundTruth(refundID: p.refundID, orderID: p.orderID, amount: p.amount, lines: p.lines, created: at)
            }).inserted else { return }
            guard p.lines.allSatisfy({ refundLine in lines.contains { $0.lineID == refundLine.lineID } }) else {
                refunds[p.refundID] = nil
                orphan(journaled, at); return
            }
            for refundLine in p.lines where refundLine.restock {
                orders.values[index].restockedByRefunds[refundLine.lineID, default: 0] += refundLine.qty
                if let line = lines.first(where: { $0.lineID == refundLine.lineID }) {
                    move(StockKey(line.sku, location), by: refundLine.qty, at)
                }
            }
        case .fulfillmentCreated(let p):
            guard let index = orders.index(forKey: p.orderID) else { orphan(journaled, at); return }
            let lines = orders.values[index].lines
            // One probe for the duplicate check and the insert; an orphan takes its entry back.
            guard fulfillments.insertIfAbsent(p.fulfillmentID, {
                FulfillmentTruth(fulfillmentID: p.fulfillmentID, orderID: p.orderID, location: p.location, status: .success,
                                 lines: p.lines, carrier: p.carrier, trackingNumber: p.trackingNumber, created: at, statusSet: at)
            }).inserted else { return }
            guard p.lines.allSatisfy({ fl in lines.contains { $0.lineID == fl.lineID } }) else {
                fulfillments[p.fulfillmentID] = nil
                orphan(journaled, at); return
            }
            orders.values[index].fulfillmentIDs.append(p.fulfillmentID)
            if orders.values[index].status == .cancelled {
                var finding = Finding(kind: .shippedCancelledOrder, severity: .critical,
                                      key: [("order_id", p.orderID.rawValue), ("fulfillment_id", p.fulfillmentID.rawValue)])
                finding.causalSeq = at.seq; finding.causalTime = at.occurredAt
                finding.evidence = [at.seq, orders.values[index].statusSet.seq]
                replayFindings.append(finding)
            }
        case .fulfillmentCancelled(let id):
            guard let index = fulfillments.index(forKey: id) else { orphan(journaled, at); return }
            if fulfillments.values[index].status == .success {
                fulfillments.values[index].status = .cancelled
                fulfillments.values[index].statusSet = at
            }
        case .snapshotTaken, .restorePerformed:
            break
        }
    }

    private mutating func placeOrder(_ p: OrderPlaced, _ journaled: ReplayEvent, _ at: EventTime) {
        let (position, inserted) = orders.insertIfAbsent(p.orderID) {
            OrderTruth(orderID: p.orderID, status: .open, location: p.location, currency: p.currency,
                       lines: p.lines, total: p.total, customerEmail: p.customerEmail.map { emails.intern($0) },
                       discountCodes: p.discountCodes, placed: at, statusSet: at)
        }
        if !inserted {
            let existing = orders.values[position]
            let same = existing.location == p.location && existing.currency == p.currency && existing.total == p.total
                && Reconciler.sameLines(existing.lines, p.lines)
            if !same {
                var finding = Finding(kind: .orderConflict, severity: .high,
                                      key: [("order_id", p.orderID.rawValue), ("event_id", journaled.id?.rawValue ?? "")])
                finding.causalSeq = at.seq; finding.causalTime = at.occurredAt; finding.evidence = [at.seq, existing.placed.seq]
                replayFindings.append(finding)
            }
            return
        }
        for line in p.lines {
            guard let index = stock.index(forKey: StockKey(line.sku, p.location)) else { continue }
            let current = stock.values[index]
            let after = current.available &- line.qty
            stock.values[index] = StockTruth(available: after, last: at)
            if after < 0 {
                var finding = Finding(kind: .oversell, severity: .critical,
                                      key: [("order_id", p.orderID.rawValue), ("line_id", line.lineID.rawValue),
                                            ("sku", line.sku.rawValue), ("location", p.location.rawValue)])
                finding.units = min(line.qty, -after)
                finding.causalSeq = at.seq; finding.causalTime = at.occurredAt; finding.evidence = [at.seq, current.last.seq]
                replayFindings.append(finding)
            }
        }
    }

    private static func upsert(_ truth: inout DiscountTruth, _ p: DiscountUpserted, _ at: EventTime) {
        if truth.status == .deleted || !truth.everUpserted { truth.lostCause = at }
        truth.definition = p
        truth.status = p.status == .active ? .active : .disabled
        truth.everUpserted = true
        truth.last = at
    }

    private mutating func move(_ key: StockKey, by delta: Int64, _ at: EventTime) {
        guard let index = stock.index(forKey: key) else { return }
        stock.values[index].available &+= delta
        stock.values[index].last = at
    }

    private mutating func orphan(_ journaled: ReplayEvent, _ at: EventTime) {
        var finding = Finding(kind: .orphanReference, severity: .warning, key: [("event_id", journaled.id?.rawValue ?? "")])
        finding.causalSeq = at.seq; finding.causalTime = at.occurredAt; finding.evidence = [at.seq]
        replayFindings.append(finding)
    }

    /// Fills in the `event_id` of findings raised from events replayed without their id
    /// (see `ReplayEvent`), looking each up by the finding's causal seq.
    public mutating func resolveEventIDs<E: Error>(_ lookup: (Seq) throws(E) -> String) throws(E) {
        for i in replayFindings.indices {
            guard let k = replayFindings[i].key.firstIndex(where: { $0.name == "event_id" && $0.value.isEmpty }),
                  let seq = replayFindings[i].causalSeq else { continue }
            replayFindings[i].key[k].value = try lookup(seq)
        }
    }

    /// `fulfilled(order, line)`: the line's qty over the order's `success` fulfillments.
    public func fulfilled(_ order: OrderTruth, _ lineID: LineID) -> Int64 {
        var total: Int64 = 0
        for id in order.fulfillmentIDs {
            guard let f = fulfillments[id], f.status == .success else { continue }
            for line in f.lines where line.lineID == lineID { total += line.qty }
        }
        return total
    }

    /// `double_shipment` findings at the end of replay (contract §6 and §10).
    public func doubleShipments() -> [Finding] {
        var result: [Finding] = []
        // The fulfillments of a chunk of orders are looked up together (`positions(of:)`
        // fetches slots and entries ahead: at a million orders each lookup was a cache miss
        // waited on in turn), then the chunk's lines are checked while those entries are still
        // in the cache. Only the order's fulfillment ids and lines are read (a copy of the
        // whole order retained and released every array and string in it).
        let chunk = 4096
        var ids: [FulfillmentID] = []
        var start = 0
        while start < orders.values.count {
            let end = min(orders.values.count, start + chunk)
            ids.removeAll(keepingCapacity: true)
            for o in start..<end { ids.append(contentsOf: orders.values[o].fulfillmentIDs) }
            let positions = fulfillments.positions(of: ids)
            var next = 0
            for o in start..<end where !orders.values[o].fulfillmentIDs.isEmpty {
                let count = orders.values[o].fulfillmentIDs.count
                doubleShipments(ofOrderAt: o, positions: positions[next..<(next + count)], into: &result)
                next += count
            }
            start = end
        }
        return result
    }

    /// The `double_shipment` findings of the order at position `o`, whose fulfillments are at
    /// `positions` in `fulfillments` (-1: not there), in the order of its `fulfillmentIDs`.
    private func doubleShipments(ofOrderAt o: Int, positions: ArraySlice<Int32>, into result: inout [Finding]) {
        let fulfillmentIDs = orders.values[o].fulfillmentIDs
        for line in orders.values[o].lines {
            /// The line's units in the fulfillment at `p` when it is a success, else 0.
            func shipped(_ position: Int32) -> Int64 {
                let p = Int(position)
                guard p >= 0, fulfillments.values[p].status == .success else { return 0 }
                return fulfillments.values[p].lines.reduce(Int64(0)) { $1.lineID == line.lineID ? $0 + $1.qty : $0 }
            }
            // First the total alone: almost every line is shipped at most once.
            guard positions.reduce(Int64(0), { $0 + shipped($1) }) > line.qty else { continue }
            var running: Int64 = 0
            var ids: [String] = []
            var causal: EventTime?
            for (id, p) in zip(fulfillmentIDs, positions) {
                let qty = shipped(p)
                guard qty > 0 else { continue }
                ids.append(id.rawValue)
                running += qty
                if causal == nil && running > line.qty { causal = fulfillments.values[Int(p)].created }
            }
            guard running > line.qty, let causal else { continue }
            var finding = Finding(kind: .doubleShipment, severity: .critical,
                                  key: [("order_id", orders.values[o].orderID.rawValue), ("line_id", line.lineID.rawValue)])
            finding.units = running - line.qty
            finding.fulfillmentIDs = ids
            finding.causalSeq = causal.seq; finding.causalTime = causal.occurredAt
            finding.evidence = [causal.seq] + zip(fulfillmentIDs, positions).compactMap { id, position in
                let p = Int(position)
                guard p >= 0, fulfillments.values[p].status == .success, fulfillments.values[p].created.seq != causal.seq,
                      ids.contains(id.rawValue) else { return nil }
                return fulfillments.values[p].created.seq
            }
            result.append(finding)
        }
    }
}
