/// One change to a store that brings it back to truth.
public enum RepairOperation: Sendable, Equatable {
    case insertOrder(OrderTruth)
    case setOrderStatus(OrderID, OrderStatus)
    case replaceOrderLines(OrderID, lines: [OrderLine], total: Int64)
    case insertFulfillment(FulfillmentTruth)
    case setFulfillmentStatus(FulfillmentID, FulfillmentStatus)
    case insertRefund(RefundTruth)
    case setInventory(StockKey, available: Int64)
    case upsertProduct(SKU, PriceTruth)
    case upsertDiscount(DiscountCode, DiscountUpserted, status: DiscountTruthStatus)
    case deleteDiscount(DiscountCode)
}

/// One repairable finding and the operations that repair it.
public struct RepairStep: Sendable, Equatable {
    public var finding: Finding
    public var operations: [RepairOperation]
}

/// What `tally repair` prints and applies: steps computed first (a dry run),
/// applied later in one transaction. Findings that need a person are listed, never changed.
public struct RepairPlan: Sendable, Equatable {
    public var steps: [RepairStep]
    public var forPerson: [Finding]
    public var isEmpty: Bool { steps.isEmpty }
}

/// Builds the repair plan from a reconciliation's findings and the truth behind them.
public enum RepairPlanner {
    public static func plan(findings: [Finding], truth: Truth) -> RepairPlan {
        // Orders whose id the store handed out again: never rewritten automatically.
        let conflicted = Set(findings.filter { $0.kind == .orderConflict }.compactMap { $0.keyValue("order_id") })
        var steps: [RepairStep] = []
        var forPerson: [Finding] = []
        for finding in findings {
            guard let operations = operations(for: finding, truth: truth, conflicted: conflicted) else {
                forPerson.append(finding)
                continue
            }
            steps.append(RepairStep(finding: finding, operations: operations))
        }
        return RepairPlan(steps: steps, forPerson: forPerson)
    }

    /// The operations for one finding, or nil when a person must decide.
    static func operations(for f: Finding, truth: Truth, conflicted: Set<String>) -> [RepairOperation]? {
        if f.kind.needsPerson { return nil }
        let orderOf: String? = {
            if let id = f.keyValue("order_id") { return id }
            if let id = f.keyValue("fulfillment_id") { return truth.fulfillments[FulfillmentID(id)]?.orderID.rawValue }
            if let id = f.keyValue("refund_id") { return truth.refunds[RefundID(id)]?.orderID.rawValue }
            return nil
        }()
        if let orderOf, conflicted.contains(orderOf) { return nil }
        switch f.kind {
        case .lostOrder:
            guard let o = truth.orders[OrderID(f.keyValue("order_id")!)] else { return nil }
            return [.insertOrder(o)]
        case .orderStatusDrift:
            guard let o = truth.orders[OrderID(f.keyValue("order_id")!)] else { return nil }
            return [.setOrderStatus(o.orderID, o.status)]
        case .orderDrift:
            guard let o = truth.orders[OrderID(f.keyValue("order_id")!)] else { return nil }
            return [.replaceOrderLines(o.orderID, lines: o.lines, total: o.total)]
        case .lostFulfillment:
            guard let x = truth.fulfillments[FulfillmentID(f.keyValue("fulfillment_id")!)] else { return nil }
            return [.insertFulfillment(x)]
        case .fulfillmentStatusDrift:
            guard let x = truth.fulfillments[FulfillmentID(f.keyValue("fulfillment_id")!)] else { return nil }
            return [.setFulfillmentStatus(x.fulfillmentID, x.status)]
        case .lostRefund:
            guard let r = truth.refunds[RefundID(f.keyValue("refund_id")!)] else { return nil }
            return [.insertRefund(r)]
        case .inventoryDrift:
            let key = StockKey(SKU(f.keyValue("sku")!), Location(f.keyValue("location")!))
            guard let s = truth.stock[key] else { return nil }
            return [.setInventory(key, available: s.available)]
        case .priceDrift, .lostProduct:
            let sku = SKU(f.keyValue("sku")!)
            guard let p = truth.prices[sku] else { return nil }
            return [.upsertProduct(sku, p)]
        case .lostDiscount, .discountDrift, .discountRevived:
            let code = DiscountCode(f.keyValue("code")!)
            guard let d = truth.discounts[code], let def = d.definition else { return nil }
            return d.status == .deleted ? [.deleteDiscount(code)] : [.upsertDiscount(code, def, status: d.status)]
        default:
            return nil
        }
    }
}
