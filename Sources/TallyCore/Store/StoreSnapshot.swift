/// A store's content in the canonical schema (`store-schema.sql`), read into memory.
public struct StoreSnapshot: Sendable, Equatable {
    public struct Product: Sendable, Equatable {
        public var price: Int64, currency: String, compareAt: Int64?
        public init(price: Int64, currency: String, compareAt: Int64?) { self.price = price; self.currency = currency; self.compareAt = compareAt }
    }

    public struct Discount: Sendable, Equatable {
        public var kind: String, value: Int64, status: String
        public var startsAt: Timestamp?, endsAt: Timestamp?, usageLimit: Int64?
        public init(kind: String, value: Int64, status: String, startsAt: Timestamp?, endsAt: Timestamp?, usageLimit: Int64?) {
            self.kind = kind; self.value = value; self.status = status; self.startsAt = startsAt; self.endsAt = endsAt; self.usageLimit = usageLimit
        }
    }

    public struct Order: Sendable, Equatable {
        public var placedAt: String, location: String, currency: String, status: String, total: Int64, customerEmail: String?
        public var lines: [OrderLine]
        public init(placedAt: String, location: String, currency: String, status: String, total: Int64, customerEmail: String?, lines: [OrderLine]) {
            self.placedAt = placedAt; self.location = location; self.currency = currency; self.status = status
            self.total = total; self.customerEmail = customerEmail; self.lines = lines
        }
    }

    public struct Fulfillment: Sendable, Equatable {
        public var orderID: String, location: String, status: String, carrier: String?, trackingNumber: String?, createdAt: String
        public var lines: [FulfillmentLine]
        public init(orderID: String, location: String, status: String, carrier: String?, trackingNumber: String?, createdAt: String, lines: [FulfillmentLine]) {
            self.orderID = orderID; self.location = location; self.status = status; self.carrier = carrier
            self.trackingNumber = trackingNumber; self.createdAt = createdAt; self.lines = lines
        }
    }

    public struct Refund: Sendable, Equatable {
        public var orderID: String, amount: Int64, createdAt: String
        public var lines: [RefundLine]
        public init(orderID: String, amount: Int64, createdAt: String, lines: [RefundLine]) {
            self.orderID = orderID; self.amount = amount; self.createdAt = createdAt; self.lines = lines
        }
    }

    public var products: [SKU: Product] = [:]
    public var inventory: [StockKey: Int64] = [:]
    public var discounts: [DiscountCode: Discount] = [:]
    /// Dense tables (see `KeyedTable`): a store of 930k orders held them in dictionaries
    /// of 2^21 buckets of 136 bytes each.
    public var orders = KeyedTable<OrderID, Order>()
    public var fulfillments = KeyedTable<FulfillmentID, Fulfillment>()
    public var refunds = KeyedTable<RefundID, Refund>()

    public init() {}

    /// The store as truth says it should be: what a perfect restore would hold.
    /// Orphaned child rows are impossible here (truth only records known orders).
    public init(truth: Truth) {
        for (sku, p) in truth.prices { products[sku] = Product(price: p.price, currency: p.currency, compareAt: p.compareAt) }
        for (key, s) in truth.stock { inventory[key] = s.available }
        for (code, d) in truth.discounts {
            guard let def = d.definition, d.status != .deleted else { continue }
            discounts[code] = Discount(kind: def.kind.rawValue, value: def.value, status: d.status.name,
                                       startsAt: def.startsAt, endsAt: def.endsAt, usageLimit: def.usageLimit)
        }
        for (id, o) in truth.orders {
            orders[id] = Order(placedAt: o.placed.occurredAt.rfc3339, location: o.location.rawValue, currency: o.currency,
                               status: o.status.rawValue, total: o.total, customerEmail: o.customerEmail, lines: o.lines)
        }
        for (id, f) in truth.fulfillments {
            fulfillments[id] = Fulfillment(orderID: f.orderID.rawValue, location: f.location.rawValue, status: f.status.rawValue,
                                           carrier: f.carrier, trackingNumber: f.trackingNumber,
                                           createdAt: f.created.occurredAt.rfc3339, lines: Self.merged(f.lines))
        }
        for (id, r) in truth.refunds {
            refunds[id] = Refund(orderID: r.orderID.rawValue, amount: r.amount, createdAt: r.created.occurredAt.rfc3339, lines: Self.merged(r.lines))
        }
    }

    /// Repeated line ids add up (contract §10); the store's key is (id, line_id).
    static func merged(_ lines: [FulfillmentLine]) -> [FulfillmentLine] {
        var order: [LineID] = []
        var qty: [LineID: Int64] = [:]
        for l in lines { if qty[l.lineID] == nil { order.append(l.lineID) }; qty[l.lineID, default: 0] += l.qty }
        return order.map { FulfillmentLine(lineID: $0, qty: qty[$0]!) }
    }

    static func merged(_ lines: [RefundLine]) -> [RefundLine] {
        var order: [LineID] = []
        var merged: [LineID: RefundLine] = [:]
        for l in lines {
            if var m = merged[l.lineID] { m.qty += l.qty; m.restock = m.restock || l.restock; merged[l.lineID] = m }
            else { order.append(l.lineID); merged[l.lineID] = l }
        }
        return order.map { merged[$0]! }
    }
}
