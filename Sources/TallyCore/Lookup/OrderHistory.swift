/// One journaled event as a lookup shows it: the envelope, the payload and when
/// the journal recorded it.
public struct TimelineEvent: Sendable {
    public var seq: Seq
    public var recordedAt: Timestamp
    public var event: Event
    public init(seq: Seq, recordedAt: Timestamp, event: Event) { self.seq = seq; self.recordedAt = recordedAt; self.event = event }
    public var time: EventTime { EventTime(event.occurredAt, seq) }
    public var replayEvent: ReplayEvent { ReplayEvent(seq: seq, occurredAt: event.occurredAt, id: event.id, payload: event.payload) }
}

/// The list price of a line's SKU just before the order was placed (contract §8).
public struct PriceAtOrder: Sendable, Equatable {
    public var lineID: LineID
    public var sku: SKU
    public var charged: Int64
    /// Nil when the SKU had no price yet.
    public var list: PriceChanged?
    /// The `price.changed` that set `list`.
    public var listSeq: Seq?
    public init(lineID: LineID, sku: SKU, charged: Int64, list: PriceChanged?, listSeq: Seq?) {
        self.lineID = lineID; self.sku = sku; self.charged = charged; self.list = list; self.listSeq = listSeq
    }
}

/// A discount code as truth held it just before the order was placed (contract §8, §10).
public struct DiscountAtOrder: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Never upserted before the order.
        case unknown
        case deleted
        case defined(DiscountUpserted)
    }
    public var code: DiscountCode
    public var state: State
    /// The event that decided `state`.
    public var seq: Seq?
    public init(code: DiscountCode, state: State, seq: Seq?) { self.code = code; self.state = state; self.seq = seq }

    /// What truth held, given the last discount event for the code before the order
    /// and whether any upsert came before that event (a delete of an unknown code is ignored).
    public static func from(code: DiscountCode, last: TimelineEvent?, upsertedBeforeLast: Bool) -> DiscountAtOrder {
        guard let last else { return DiscountAtOrder(code: code, state: .unknown, seq: nil) }
        switch last.event.payload {
        case .discountUpserted(let d): return DiscountAtOrder(code: code, state: .defined(d), seq: last.seq)
        case .discountDeleted where upsertedBeforeLast: return DiscountAtOrder(code: code, state: .deleted, seq: last.seq)
        default: return DiscountAtOrder(code: code, state: .unknown, seq: nil)
        }
    }
}

/// What replay did with one event of the timeline, when it did not simply apply it.
public enum TimelineEffect: String, Sendable {
    /// `order_conflict`: a re-placement with other content, ignored.
    case conflict = "order_conflict"
    /// `orphan_reference`: names something truth did not know at that moment, ignored.
    case orphan = "orphan_reference"
    /// Repeats what truth already had (the same placement again, a known fulfillment or
    /// refund id, a second cancellation): no effect.
    case repeated = "already_recorded"
}

/// The history of one order (contract §8): truth's order, its timeline, the prices
/// and discounts in force when it was placed, its fulfillments and refunds.
public struct OrderHistory: Sendable {
    public var order: OrderTruth
    public var placedAtText: String
    public var timeline: [TimelineEvent]
    public var effects: [Seq: TimelineEffect]
    public var pricesAtOrder: [PriceAtOrder]
    public var discountsAtOrder: [DiscountAtOrder]
    public var fulfillments: [FulfillmentTruth]
    public var refunds: [RefundTruth]
    public var integrity: IntegrityReport

    public init(order: OrderTruth, placedAtText: String, timeline: [TimelineEvent], effects: [Seq: TimelineEffect],
                pricesAtOrder: [PriceAtOrder], discountsAtOrder: [DiscountAtOrder],
                fulfillments: [FulfillmentTruth], refunds: [RefundTruth], integrity: IntegrityReport) {
        self.order = order; self.placedAtText = placedAtText; self.timeline = timeline; self.effects = effects
        self.pricesAtOrder = pricesAtOrder; self.discountsAtOrder = discountsAtOrder
        self.fulfillments = fulfillments; self.refunds = refunds; self.integrity = integrity
    }

    /// The order as truth holds it, from the events that can affect it: its own, every
    /// event naming one of its fulfillment or refund ids, and the placements of the other
    /// orders those events name (so an id first used by another order stays that order's).
    /// Nil when truth has no such order.
    public static func truth(of orderID: OrderID, from related: [TimelineEvent]) -> Truth? {
        var truth = Truth()
        var seen = Set<Seq>()
        for event in related.sorted(by: { $0.time < $1.time }) where seen.insert(event.seq).inserted {
            truth.apply(event.replayEvent)
        }
        return truth.orders[orderID] == nil ? nil : truth
    }

    /// The timeline of contract §10: the events whose `data.order_id` is the order's, the
    /// `fulfillment.cancelled` events of its fulfillments and the `inventory.adjusted`
    /// events whose `ref` is the order id, in event-time order.
    ///
    /// A fulfillment is the order's when truth gives it to the order, or when truth has no
    /// such fulfillment and a `fulfillment.created` naming the order created it (an orphan).
    public static func timeline(of orderID: OrderID, truth: Truth, candidates: [TimelineEvent]) -> [TimelineEvent] {
        var ownCreated = Set<FulfillmentID>()
        for c in candidates {
            if case .fulfillmentCreated(let f) = c.event.payload, f.orderID == orderID { ownCreated.insert(f.fulfillmentID) }
        }
        func ours(_ id: FulfillmentID) -> Bool {
            if let f = truth.fulfillments[id] { return f.orderID == orderID }
            return ownCreated.contains(id)
        }
        var seen = Set<Seq>()
        var result: [TimelineEvent] = []
        for c in candidates where !seen.contains(c.seq) {
            let belongs: Bool
            switch c.event.payload {
            case .orderPlaced(let p): belongs = p.orderID == orderID
            case .orderCancelled(let p): belongs = p.orderID == orderID
            case .orderRefunded(let p): belongs = p.orderID == orderID
            case .fulfillmentCreated(let p): belongs = p.orderID == orderID
            case .fulfillmentCancelled(let id): belongs = ours(id)
            case .inventoryAdjusted(let p): belongs = p.ref == orderID.rawValue
            default: belongs = false
            }
            if belongs { seen.insert(c.seq); result.append(c) }
        }
        return result.sorted { $0.time < $1.time }
    }

    /// The timeline's events that replay ignored: conflicts and orphans (from the replay
    /// findings), and events that repeated what truth already held.
    public static func effects(truth: Truth, timeline: [TimelineEvent]) -> [Seq: TimelineEffect] {
        let shown = Set(timeline.map(\.seq))
        var effects: [Seq: TimelineEffect] = [:]
        for finding in truth.replayFindings {
            guard let seq = finding.causalSeq, shown.contains(seq) else { continue }
            switch finding.kind {
            case .orderConflict: effects[seq] = .conflict
            case .orphanReference: effects[seq] = .orphan
            default: break
            }
        }
        for e in timeline where effects[e.seq] == nil {
            let decisive: Seq?
            switch e.event.payload {
            case .orderPlaced(let p): decisive = truth.orders[p.orderID]?.placed.seq
            case .orderCancelled(let p): decisive = truth.orders[p.orderID]?.statusSet.seq
            case .orderRefunded(let p): decisive = truth.refunds[p.refundID]?.created.seq
            case .fulfillmentCreated(let p): decisive = truth.fulfillments[p.fulfillmentID]?.created.seq
            case .fulfillmentCancelled(let id): decisive = truth.fulfillments[id]?.statusSet.seq
            default: decisive = e.seq
            }
            if decisive != e.seq { effects[e.seq] = .repeated }
        }
        return effects
    }

    /// The discount codes of the order, each once, in their first order.
    public static func distinctCodes(_ order: OrderTruth) -> [DiscountCode] {
        var seen = Set<DiscountCode>()
        return order.discountCodes.map(DiscountCode.init).filter { seen.insert($0).inserted }
    }
}
