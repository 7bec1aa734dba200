/// A (sku, location) pair.
public struct StockKey: Hashable, Sendable, Comparable {
    public var sku: SKU
    public var location: Location
    public init(_ sku: SKU, _ location: Location) { self.sku = sku; self.location = location }
    public static func < (a: StockKey, b: StockKey) -> Bool { a.sku != b.sku ? a.sku < b.sku : a.location < b.location }
}

/// A position in event-time order: `occurred_at`, then seq.
public struct EventTime: Hashable, Sendable, Comparable {
    public var occurredAt: Timestamp
    public var seq: Seq
    public init(_ occurredAt: Timestamp, _ seq: Seq) { self.occurredAt = occurredAt; self.seq = seq }
    public static func < (a: EventTime, b: EventTime) -> Bool {
        a.occurredAt != b.occurredAt ? a.occurredAt < b.occurredAt : a.seq < b.seq
    }
}

public struct PriceTruth: Sendable, Equatable {
    public var price: Int64
    public var currency: String
    public var compareAt: Int64?
    public var first: EventTime
    public var last: EventTime
}

public struct StockTruth: Sendable, Equatable {
    public var available: Int64
    /// The last event that changed `available`.
    public var last: EventTime
}

public enum DiscountTruthStatus: Sendable, Equatable {
    case active, disabled, deleted
    public var name: String {
        switch self {
        case .active: "active"
        case .disabled: "disabled"
        case .deleted: "deleted"
        }
    }
}

public struct DiscountTruth: Sendable, Equatable {
    /// The last upserted definition (kept after a delete, for evidence).
    public var definition: DiscountUpserted?
    public var status: DiscountTruthStatus
    /// True once any `discount.upserted` for the code was applied.
    public var everUpserted: Bool
    /// The last event for the code.
    public var last: EventTime
    /// The first upsert after the latest delete (or the first upsert).
    public var lostCause: EventTime?
}

public enum OrderStatus: String, Sendable { case open, cancelled }

public struct OrderTruth: Sendable, Equatable {
    public var orderID: OrderID
    public var status: OrderStatus
    public var location: Location
    public var currency: String
    public var lines: [OrderLine]
    public var total: Int64
    public var customerEmail: String?
    public var discountCodes: [String]
    public var placed: EventTime
    /// The event that set the current status.
    public var statusSet: EventTime
    /// Refunded restock quantities per line.
    public var restockedByRefunds: [LineID: Int64] = [:]
    /// Fulfillments of the order, in event-time order.
    public var fulfillmentIDs: [FulfillmentID] = []

    public func line(_ id: LineID) -> OrderLine? { lines.first { $0.lineID == id } }
}

public enum FulfillmentStatus: String, Sendable { case success, cancelled }

public struct FulfillmentTruth: Sendable, Equatable {
    public var fulfillmentID: FulfillmentID
    public var orderID: OrderID
    public var location: Location
    public var status: FulfillmentStatus
    public var lines: [FulfillmentLine]
    public var carrier: String?
    public var trackingNumber: String?
    public var created: EventTime
    public var statusSet: EventTime
}

public struct RefundTruth: Sendable, Equatable {
    public var refundID: RefundID
    public var orderID: OrderID
    public var amount: Int64
    public var lines: [RefundLine]
    public var created: EventTime
}
