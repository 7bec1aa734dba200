/// The twelve event types of contract §3. The raw value is the wire name;
/// `code` is the small integer the journal stores.
public enum EventType: String, CaseIterable, Sendable, Comparable {
    case priceChanged = "price.changed"
    case inventorySet = "inventory.set"
    case inventoryAdjusted = "inventory.adjusted"
    case discountUpserted = "discount.upserted"
    case discountDeleted = "discount.deleted"
    case orderPlaced = "order.placed"
    case orderCancelled = "order.cancelled"
    case orderRefunded = "order.refunded"
    case fulfillmentCreated = "fulfillment.created"
    case fulfillmentCancelled = "fulfillment.cancelled"
    case snapshotTaken = "snapshot.taken"
    case restorePerformed = "restore.performed"

    /// The stable integer stored in the journal's `type` column.
    public var code: Int {
        switch self {
        case .priceChanged: 1
        case .inventorySet: 2
        case .inventoryAdjusted: 3
        case .discountUpserted: 4
        case .discountDeleted: 5
        case .orderPlaced: 6
        case .orderCancelled: 7
        case .orderRefunded: 8
        case .fulfillmentCreated: 9
        case .fulfillmentCancelled: 10
        case .snapshotTaken: 11
        case .restorePerformed: 12
        }
    }

    public init?(code: Int) {
        guard let found = EventType.allCases.first(where: { $0.code == code }) else { return nil }
        self = found
    }

    public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum InventorySetReason: String, Sendable, CaseIterable { case count, sync, baseline }
public enum InventoryAdjustReason: String, Sendable, CaseIterable { case restock, `return`, correction, damage, transfer, other }
public enum DiscountKind: String, Sendable, CaseIterable { case percentage, fixedAmount = "fixed_amount", freeShipping = "free_shipping" }
public enum DiscountStatus: String, Sendable, CaseIterable { case active, disabled }

public struct PriceChanged: Sendable, Equatable {
    public var sku: SKU, price: Int64, currency: String, compareAt: Int64?
    public init(sku: SKU, price: Int64, currency: String, compareAt: Int64?) {
        self.sku = sku; self.price = price; self.currency = currency; self.compareAt = compareAt
    }
}

public struct InventorySet: Sendable, Equatable {
    public var sku: SKU, location: Location, available: Int64, reason: InventorySetReason
    public init(sku: SKU, location: Location, available: Int64, reason: InventorySetReason) {
        self.sku = sku; self.location = location; self.available = available; self.reason = reason
    }
}

public struct InventoryAdjusted: Sendable, Equatable {
    public var sku: SKU, location: Location, delta: Int64, reason: InventoryAdjustReason, ref: String?
    public init(sku: SKU, location: Location, delta: Int64, reason: InventoryAdjustReason, ref: String?) {
        self.sku = sku; self.location = location; self.delta = delta; self.reason = reason; self.ref = ref
    }
}

public struct DiscountUpserted: Sendable, Equatable {
    public var code: DiscountCode, kind: DiscountKind, value: Int64, status: DiscountStatus
    public var startsAt: Timestamp?, endsAt: Timestamp?, usageLimit: Int64?
    public init(code: DiscountCode, kind: DiscountKind, value: Int64, status: DiscountStatus,
                startsAt: Timestamp?, endsAt: Timestamp?, usageLimit: Int64?) {
        self.code = code; self.kind = kind; self.value = value; self.status = status
        self.startsAt = startsAt; self.endsAt = endsAt; self.usageLimit = usageLimit
    }
}

public struct OrderLine: Sendable, Equatable, Hashable {
    public var lineID: LineID, sku: SKU, qty: Int64, unitPrice: Int64, discount: Int64
    public init(lineID: LineID, sku: SKU, qty: Int64, unitPrice: Int64, discount: Int64) {
        self.lineID = lineID; self.sku = sku; self.qty = qty; self.unitPrice = unitPrice; self.discount = discount
    }
}

public struct OrderPlaced: Sendable, Equatable {
    public var orderID: OrderID, location: Location, currency: String, lines: [OrderLine], total: Int64
    public var customerEmail: String?, discountCodes: [String]
    public init(orderID: OrderID, location: Location, currency: String, lines: [OrderLine], total: Int64,
                customerEmail: String?, discountCodes: [String]) {
        self.orderID = orderID; self.location = location; self.currency = currency; self.lines = lines
        self.total = total; self.customerEmail = customerEmail; self.discountCodes = discountCodes
    }
}

public struct OrderCancelled: Sendable, Equatable {
    public var orderID: OrderID, restock: Bool, reason: String?
    public init(orderID: OrderID, restock: Bool, reason: String?) {
        self.orderID = orderID; self.restock = restock; self.reason = reason
    }
}

public struct RefundLine: Sendable, Equatable {
    public var lineID: LineID, qty: Int64, restock: Bool
    public init(lineID: LineID, qty: Int64, restock: Bool) { self.lineID = lineID; self.qty = qty; self.restock = restock }
}

public struct OrderRefunded: Sendable, Equatable {
    public var orderID: OrderID, refundID: RefundID, amount: Int64, lines: [RefundLine]
    public init(orderID: OrderID, refundID: RefundID, amount: Int64, lines: [RefundLine]) {
        self.orderID = orderID; self.refundID = refundID; self.amount = amount; self.lines = lines
    }
}

public struct FulfillmentLine: Sendable, Equatable {
    public var lineID: LineID, qty: Int64
    public init(lineID: LineID, qty: Int64) { self.lineID = lineID; self.qty = qty }
}

public struct FulfillmentCreated: Sendable, Equatable {
    public var fulfillmentID: FulfillmentID, orderID: OrderID, location: Location, lines: [FulfillmentLine]
    public var carrier: String?, trackingNumber: String?
    public init(fulfillmentID: FulfillmentID, orderID: OrderID, location: Location, lines: [FulfillmentLine],
                carrier: String?, trackingNumber: String?) {
        self.fulfillmentID = fulfillmentID; self.orderID = orderID; self.location = location; self.lines = lines
        self.carrier = carrier; self.trackingNumber = trackingNumber
    }
}

public struct SnapshotTaken: Sendable, Equatable {
    public var snapshotID: SnapshotID, label: String?, storeDigest: String?
    public init(snapshotID: SnapshotID, label: String?, storeDigest: String?) {
        self.snapshotID = snapshotID; self.label = label; self.storeDigest = storeDigest
    }
}

/// The typed payload of an event: one case per type of contract §3.
public enum EventPayload: Sendable, Equatable {
    case priceChanged(PriceChanged)
    case inventorySet(InventorySet)
    case inventoryAdjusted(InventoryAdjusted)
    case discountUpserted(DiscountUpserted)
    case discountDeleted(DiscountCode)
    case orderPlaced(OrderPlaced)
    case orderCancelled(OrderCancelled)
    case orderRefunded(OrderRefunded)
    case fulfillmentCreated(FulfillmentCreated)
    case fulfillmentCancelled(FulfillmentID)
    case snapshotTaken(SnapshotTaken)
    case restorePerformed(SnapshotID)

    public var type: EventType {
        switch self {
        case .priceChanged: .priceChanged
        case .inventorySet: .inventorySet
        case .inventoryAdjusted: .inventoryAdjusted
        case .discountUpserted: .discountUpserted
        case .discountDeleted: .discountDeleted
        case .orderPlaced: .orderPlaced
        case .orderCancelled: .orderCancelled
        case .orderRefunded: .orderRefunded
        case .fulfillmentCreated: .fulfillmentCreated
        case .fulfillmentCancelled: .fulfillmentCancelled
        case .snapshotTaken: .snapshotTaken
        case .restorePerformed: .restorePerformed
        }
    }

    /// The order an event is about (`data.order_id`), if any.
    public var orderID: OrderID? {
        switch self {
        case .orderPlaced(let p): p.orderID
        case .orderCancelled(let p): p.orderID
        case .orderRefunded(let p): p.orderID
        case .fulfillmentCreated(let p): p.orderID
        default: nil
        }
    }
}

/// A validated event as it arrives, before the journal gives it a seq.
public struct Event: Sendable, Equatable {
    public var id: EventID
    public var occurredAt: Timestamp
    /// The `occurred_at` text as given (kept for display and evidence).
    public var occurredAtText: String
    public var source: String
    public var payload: EventPayload
    /// The canonical JSON of `data` (contract §10 equality: equal values, equal text).
    public var canonicalData: String

    public init(id: EventID, occurredAt: Timestamp, occurredAtText: String, source: String,
                payload: EventPayload, canonicalData: String) {
        self.id = id; self.occurredAt = occurredAt; self.occurredAtText = occurredAtText
        self.source = source; self.payload = payload; self.canonicalData = canonicalData
    }

    public var type: EventType { payload.type }

    /// The event as one canonical NDJSON line (sorted keys, canonical `data`, the
    /// `occurred_at` text as given): what evidence packs store, and what decodes back
    /// to this same event.
    public var canonicalLine: String {
        "{\"data\":" + canonicalData + ",\"id\":" + CanonicalJSON.quoted(id.rawValue)
            + ",\"occurred_at\":" + CanonicalJSON.quoted(occurredAtText) + ",\"source\":" + CanonicalJSON.quoted(source)
            + ",\"type\":" + CanonicalJSON.quoted(type.rawValue) + "}"
    }

    /// True when `other` is the same content under contract §2: type, instant, source and data.
    public func hasSameContent(as other: Event) -> Bool {
        type == other.type && occurredAt == other.occurredAt && source == other.source && canonicalData == other.canonicalData
    }
}

/// An event the journal has accepted.
public struct JournaledEvent: Sendable, Equatable {
    public var seq: Seq
    public var recordedAt: Timestamp
    public var event: Event
    public init(seq: Seq, recordedAt: Timestamp, event: Event) { self.seq = seq; self.recordedAt = recordedAt; self.event = event }
}
