/// The day's activity in the journal, for the daily drift report.
public struct DayActivity: Sendable, Equatable {
    public var eventsByType: [EventType: Int] = [:]
    public var eventsByHour: [Int] = Array(repeating: 0, count: 24)
    public var orders = 0
    public var unitsSold: Int64 = 0
    public var fulfillments = 0
    public var refunds = 0
    public var refunded: Int64 = 0
    public var rejected = 0
    public init() {}
}

/// One finding with the money it puts at stake, in minor units of `currency`.
public struct MoneyAtStake: Sendable {
    public var finding: Finding
    public var amount: Int64
    public var currency: String
    public var basis: String
}

/// One past run's summary, kept in the journal file for the 30-day trend.
public struct DriftRunSummary: Sendable, Equatable {
    public var runAt: Timestamp
    public var day: String
    public var byKind: [String: Int]
    public var critical: Int, high: Int, warning: Int
    public var atStake: Int64
    public init(runAt: Timestamp, day: String, byKind: [String: Int], critical: Int, high: Int, warning: Int, atStake: Int64) {
        self.runAt = runAt; self.day = day; self.byKind = byKind; self.critical = critical; self.high = high; self.warning = warning; self.atStake = atStake
    }
}

/// The daily drift report (issue 4): a reconciliation of the live store against truth as
/// of (now − the settling window), the day's activity, drift ranked by money, and the trend.
public struct DriftReport: Sendable {
    public var day: String
    public var settleSeconds: Int64
    public var reconcile: ReconcileReport
    public var activity: DayActivity
    public var ranked: [MoneyAtStake]
    public var trend: [DriftRunSummary]

    public init(day: String, settleSeconds: Int64, reconcile: ReconcileReport, activity: DayActivity, ranked: [MoneyAtStake], trend: [DriftRunSummary]) {
        self.day = day; self.settleSeconds = settleSeconds; self.reconcile = reconcile; self.activity = activity; self.ranked = ranked; self.trend = trend
    }

    public var totalAtStake: Int64 { ranked.reduce(0) { $0 + $1.amount } }

    public var summary: DriftRunSummary {
        let s = reconcile.bySeverity
        return DriftRunSummary(runAt: Timestamp(microseconds: 0), day: day,
                               byKind: Dictionary(uniqueKeysWithValues: reconcile.byKind.map { ($0.key.rawValue, $0.value) }),
                               critical: s[.critical] ?? 0, high: s[.high] ?? 0, warning: s[.warning] ?? 0, atStake: totalAtStake)
    }

    /// The money each finding puts at stake, where it can be told, largest first:
    /// lost orders and orders the store still has open though cancelled (their total), lost
    /// refunds (the amount), overstated stock and oversells (units at list price), double
    /// shipments (units at the line's price), lost fulfillments (the goods in them).
    public static func rank(_ findings: [Finding], truth: Truth) -> [MoneyAtStake] {
        var ranked: [MoneyAtStake] = []
        func key(_ f: Finding, _ name: String) -> String? { f.key.first { $0.name == name }?.value }
        func int(_ v: ReportedValue) -> Int64? { if case .value(.number(let n)) = v { return n.int64 }; return nil }
        for f in findings {
            var item: (Int64, String, String)?
            switch f.kind {
            case .lostOrder, .orderStatusDrift:
                if let id = key(f, "order_id"), let o = truth.orders[OrderID(id)], f.kind == .lostOrder || o.status == .cancelled {
                    item = (o.total, o.currency, f.kind == .lostOrder ? "order total (revenue missing from the store)" : "order total (cancelled, open in the store)")
                }
            case .lostRefund:
                if let id = key(f, "refund_id"), let r = truth.refunds[RefundID(id)], let o = truth.orders[r.orderID] {
                    item = (r.amount, o.currency, "refund amount missing from the books")
                }
            case .inventoryDrift:
                if let sku = key(f, "sku"), let e = int(f.expected), let a = int(f.actual), a > e, let p = truth.prices[SKU(sku)] {
                    item = ((a - e) * p.price, p.currency, "\(a - e) overstated unit\(a - e == 1 ? "" : "s") at list price")
                }
            case .oversell:
                if let sku = key(f, "sku"), let units = f.units, let p = truth.prices[SKU(sku)] {
                    item = (units * p.price, p.currency, "\(units) oversold unit\(units == 1 ? "" : "s") at list price")
                }
            case .doubleShipment:
                if let id = key(f, "order_id"), let line = key(f, "line_id"), let units = f.units, let o = truth.orders[OrderID(id)],
                   let l = o.line(LineID(line)) {
                    item = (units * l.unitPrice, o.currency, "\(units) unit\(units == 1 ? "" : "s") shipped twice at the line's price")
                }
            case .lostFulfillment:
                if let id = key(f, "fulfillment_id"), let ful = truth.fulfillments[FulfillmentID(id)], let o = truth.orders[ful.orderID] {
                    let value = ful.lines.reduce(Int64(0)) { sum, fl in sum + fl.qty * (o.line(fl.lineID)?.unitPrice ?? 0) }
                    item = (value, o.currency, "goods the warehouse may ship again")
                }
            default:
                break
            }
            if let (amount, currency, basis) = item, amount > 0 {
                ranked.append(MoneyAtStake(finding: f, amount: amount, currency: currency, basis: basis))
            }
        }
        return ranked.sorted { $0.amount != $1.amount ? $0.amount > $1.amount : Finding.reportOrder($0.finding, $1.finding) }
    }
}
