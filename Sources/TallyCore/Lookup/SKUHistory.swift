/// A SKU's price and stock history over a window: the values in force when the window
/// opens, then every change in it with the as-of value after the change.
public struct SKUHistory: Sendable {
    public struct PriceChange: Sendable {
        public var seq: Seq
        public var eventID: EventID
        public var occurredAtText: String
        public var price: PriceChanged
    }

    public struct StockChange: Sendable {
        public var seq: Seq
        public var eventID: EventID
        public var type: EventType
        public var occurredAtText: String
        public var location: Location
        /// How much this event moved the pair (for `inventory.set`, the difference from before).
        public var change: Int64
        /// Truth's `available` right after the event.
        public var available: Int64
    }

    public var sku: SKU
    public var from: Timestamp?
    public var to: Timestamp?
    /// The price in force just before `from` (events strictly before it).
    public var openingPrice: PriceChange?
    /// Tracked locations and their `available` just before `from`.
    public var openingStock: [(location: Location, available: Int64)]
    /// Changes with `from` ≤ occurred_at ≤ `to`, in event-time order.
    public var priceChanges: [PriceChange]
    public var stockChanges: [StockChange]
    public var integrity: IntegrityReport

    /// The seqs of every event the history shows.
    public var shownSeqs: [Int64] {
        ([openingPrice?.seq].compactMap { $0 } + priceChanges.map(\.seq) + stockChanges.map(\.seq)).map(\.rawValue)
    }

    /// Replays `events` (everything that can move the SKU's price or stock up to `to`: its
    /// price and inventory events and the full history of every order that sold it) and
    /// records each change of the SKU. `integrity` is filled in by the caller.
    public static func build(sku: SKU, events: [TimelineEvent], from: Timestamp?, to: Timestamp?) -> SKUHistory {
        var history = SKUHistory(sku: sku, from: from, to: to, openingPrice: nil, openingStock: [], priceChanges: [], stockChanges: [],
                                 integrity: IntegrityReport(verified: true, events: 0, rowsRehashed: 0, spans: [], firstBadSeq: nil, problem: nil))
        var truth = Truth()
        var seen = Set<Seq>()
        var locations: [Location] = []
        var openingTaken = from == nil
        func takeOpening() {
            history.openingStock = locations.compactMap { loc in truth.stock[StockKey(sku, loc)].map { (loc, $0.available) } }
            openingTaken = true
        }
        for e in events.sorted(by: { $0.time < $1.time }) where seen.insert(e.seq).inserted {
            if let to, e.event.occurredAt > to { break }
            if !openingTaken, let from, e.event.occurredAt >= from { takeOpening() }
            let inWindow = openingTaken
            // Where this event can move the SKU's stock.
            var touched: [Location] = []
            switch e.event.payload {
            case .inventorySet(let p) where p.sku == sku: touched = [p.location]
            case .inventoryAdjusted(let p) where p.sku == sku: touched = [p.location]
            case .orderPlaced(let p) where p.lines.contains(where: { $0.sku == sku }): touched = [p.location]
            case .orderCancelled(let p): touched = truth.orders[p.orderID].map { [$0.location] } ?? []
            case .orderRefunded(let p): touched = truth.orders[p.orderID].map { [$0.location] } ?? []
            default: break
            }
            let before = touched.map { truth.stock[StockKey(sku, $0)]?.available }
            truth.apply(e.replayEvent)
            for (i, location) in touched.enumerated() {
                guard let after = truth.stock[StockKey(sku, location)], after.last == e.time else { continue }
                if !locations.contains(location) { locations.append(location) }
                if inWindow {
                    history.stockChanges.append(StockChange(seq: e.seq, eventID: e.event.id, type: e.event.type, occurredAtText: e.event.occurredAtText,
                                                            location: location, change: after.available - (before[i] ?? 0), available: after.available))
                }
            }
            if case .priceChanged(let p) = e.event.payload, p.sku == sku {
                let change = PriceChange(seq: e.seq, eventID: e.event.id, occurredAtText: e.event.occurredAtText, price: p)
                if inWindow { history.priceChanges.append(change) } else { history.openingPrice = change }
            }
        }
        if !openingTaken { takeOpening() }
        return history
    }

    /// True when the journal has nothing about the SKU at all.
    public var isEmpty: Bool { openingPrice == nil && openingStock.isEmpty && priceChanges.isEmpty && stockChanges.isEmpty }
}
