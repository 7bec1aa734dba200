/// What reconcile compares of a store (contract §6), and nothing else: each order's status,
/// total and lines; each fulfillment's status; which refunds exist; stock, prices and
/// discounts. Orders' lines are packed (see `Packing`) in one buffer instead of an array
/// per order, and the columns reconcile does not compare (placement time, email, carrier,
/// tracking number, ...) are not kept: a store of 930k orders held as a `StoreSnapshot`
/// takes about 750 MB, most of it in small allocations.
public struct StoreFacts: Sendable {
    public struct Order: Sendable {
        public var status: String
        public var total: Int64
        var linesStart: UInt32
        var linesEnd: UInt32
    }

    public var products: [SKU: StoreSnapshot.Product] = [:]
    public var inventory: [StockKey: Int64] = [:]
    public var discounts: [DiscountCode: StoreSnapshot.Discount] = [:]
    public private(set) var orders = KeyedTable<OrderID, Order>()
    /// Each fulfillment's status.
    public private(set) var fulfillments = KeyedTable<FulfillmentID, String>()
    public private(set) var refunds = KeyedTable<RefundID, Bool>()
    private var lineBytes: [UInt8] = []

    public init() {}

    /// The facts of a store read in full.
    public init(_ snapshot: StoreSnapshot) {
        products = snapshot.products
        inventory = snapshot.inventory
        discounts = snapshot.discounts
        reserve(orders: snapshot.orders.count, fulfillments: snapshot.fulfillments.count, refunds: snapshot.refunds.count)
        for (id, o) in snapshot.orders {
            addOrder(id, status: o.status, total: o.total)
            if !o.lines.isEmpty { setLines(of: id, o.lines) }
        }
        for (id, f) in snapshot.fulfillments { addFulfillment(id, status: f.status) }
        for id in snapshot.refunds.keys { addRefund(id) }
    }

    public mutating func reserve(orders: Int, fulfillments: Int, refunds: Int) {
        self.orders.reserveCapacity(orders)
        self.fulfillments.reserveCapacity(fulfillments)
        self.refunds.reserveCapacity(refunds)
    }

    /// Adds or replaces an order (its lines, if any, stay). One hash probe.
    public mutating func addOrder(_ id: OrderID, status: String, total: Int64) {
        let (position, inserted) = orders.insertIfAbsent(id) { Order(status: status, total: total, linesStart: 0, linesEnd: 0) }
        if !inserted { orders.values[position].status = status; orders.values[position].total = total }
    }

    /// Gives `id` these lines; false when the store has no such order (the lines are dropped).
    @discardableResult
    public mutating func setLines(of id: OrderID, _ lines: [OrderLine]) -> Bool {
        guard let position = orders.index(forKey: id) else { return false }
        setLines(at: position, lines)
        return true
    }

    /// Gives the order at `position` (`orders.index(forKey:)`) these lines, packed straight
    /// into the shared buffer (no buffer of their own on the way).
    public mutating func setLines(at position: Int, _ lines: [OrderLine]) {
        var writer = Packing.Writer()
        swap(&writer.bytes, &lineBytes)
        let start = UInt32(writer.bytes.count)
        writer.write(lines)
        let end = UInt32(writer.bytes.count)
        swap(&writer.bytes, &lineBytes)
        orders.values[position].linesStart = start
        orders.values[position].linesEnd = end
    }

    public mutating func addFulfillment(_ id: FulfillmentID, status: String) { fulfillments[id] = status }
    public mutating func addRefund(_ id: RefundID) { refunds[id] = true }

    /// The lines of an order, unpacked.
    public func lines(of order: Order) -> [OrderLine] {
        guard order.linesEnd > order.linesStart else { return [] }
        return lineBytes.withUnsafeBytes { raw -> [OrderLine] in
            var reader = Packing.Reader(UnsafeRawBufferPointer(rebasing: raw[Int(order.linesStart)..<Int(order.linesEnd)]))
            return reader.orderLines() ?? []
        }
    }

    /// Returns the packed buffer's unused capacity once every row is in.
    public mutating func finish() { lineBytes = Array(lineBytes[...]) }
}
