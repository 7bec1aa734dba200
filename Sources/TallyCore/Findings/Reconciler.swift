/// The snapshot and restore a reconciliation is phased against (contract §6, §10).
public struct PhaseMarkers: Sendable, Equatable {
    public var snapshotID: String
    public var snapshot: EventTime
    public var snapshotText: String
    /// The restore marker's position, or nil when `--restored-at` gives a time instead.
    public var restore: EventTime?
    public var restoredAt: Timestamp
    public var restoredAtText: String

    public init(snapshotID: String, snapshot: EventTime, snapshotText: String, restore: EventTime?, restoredAt: Timestamp, restoredAtText: String) {
        self.snapshotID = snapshotID; self.snapshot = snapshot; self.snapshotText = snapshotText
        self.restore = restore; self.restoredAt = restoredAt; self.restoredAtText = restoredAtText
    }

    /// The phase of an event at `time`.
    public func phase(of time: EventTime) -> Phase {
        if !(snapshot < time) { return .beforeSnapshot }
        if let restore {
            return time < restore || time == restore ? .lostWindow : .afterRestore
        }
        return time.occurredAt <= restoredAt ? .lostWindow : .afterRestore
    }
}

/// Compares a store with truth and produces every finding of contract §6, sorted per §7.
public enum Reconciler {
    public static func findings(truth: Truth, store: StoreSnapshot, markers: PhaseMarkers?) -> [Finding] {
        findings(truth: truth, store: StoreFacts(store), markers: markers)
    }

    /// Starts `work` and returns how to wait for its result. The core runs no threads of its
    /// own: an adapter passes one that runs the work on another thread.
    public typealias Fork = @Sendable (@escaping @Sendable () -> [Finding]) -> () -> [Finding]

    /// Runs the work in place, when it is waited for.
    public static let inPlace: Fork = { work in work }

    /// The comparisons of orders, fulfillments and refunds (half of the work at scale) go
    /// to `fork`, the rest runs here; the findings are the same, in the same order, however
    /// they ran.
    public static func findings(truth: Truth, store: StoreFacts, markers: PhaseMarkers?, fork: Fork = inPlace) -> [Finding] {
        let orderSide = fork {
            var out: [Finding] = []
            compareOrders(truth, store, &out)
            compareFulfillments(truth, store, &out)
            compareRefunds(truth, store, &out)
            return out
        }
        let doubles = truth.doubleShipments()
        var catalog: [Finding] = []
        compareInventory(truth, store, &catalog)
        compareProducts(truth, store, &catalog)
        compareDiscounts(truth, store, &catalog)
        let orders = orderSide()
        var all: [Finding] = []
        all.reserveCapacity(truth.replayFindings.count + doubles.count + orders.count + catalog.count)
        all += truth.replayFindings
        all += doubles
        all += orders
        all += catalog
        for i in all.indices {
            if let markers, let seq = all[i].causalSeq, let time = all[i].causalTime {
                all[i].phase = markers.phase(of: EventTime(time, seq))
            }
        }
        // Sort positions, not the findings themselves (a Finding is large to move), then put
        // the findings in that order in place, cycle by cycle, rather than in a second array.
        // (Compared through a buffer pointer: borrowed, no copy and retain of each finding.)
        // Each finding's `ReportOrderPrefix` decides most comparisons with two integer
        // compares; only findings whose prefixes are equal are compared in full (the
        // comparisons of Strings were half of the diff's instructions at 1M events).
        var order = all.withUnsafeBufferPointer { buffer in
            let ranks = FindingKind.reportRanks
            let prefixes = buffer.map { ReportOrderPrefix($0, kindRank: ranks[$0.kind] ?? 0) }
            return buffer.indices.sorted { i, j in
                let a = prefixes[i], b = prefixes[j]
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                return Finding.reportOrder(buffer[i], buffer[j])
            }
        }
        for start in order.indices where order[start] != start {
            var i = start
            while order[i] != start {
                let next = order[i]
                all.swapAt(i, next)
                order[i] = i
                i = next
            }
            order[i] = i
        }
        return all
    }

    static func caused(_ kind: FindingKind, _ severity: Severity, _ key: [(name: String, value: String)], by time: EventTime?) -> Finding {
        var f = Finding(kind: kind, severity: severity, key: key)
        if let time { f.causalSeq = time.seq; f.causalTime = time.occurredAt; f.evidence = [time.seq] }
        return f
    }

    static func compareOrders(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        // By position: no copy of each order, and a finding's key is made only for a finding.
        let ids = truth.orders.keys, orders = truth.orders.values
        let positions = store.orders.positions(of: ids)
        for i in orders.indices {
            func key() -> [(name: String, value: String)] { [(name: "order_id", value: ids[i].rawValue)] }
            guard positions[i] >= 0 else {
                out.append(caused(.lostOrder, .high, key(), by: orders[i].placed))
                continue
            }
            let stored = store.orders.values[Int(positions[i])]
            // Store text compares by code points (`sameCodePoints`), as the contract compares strings.
            if !sameCodePoints(stored.status, orders[i].status.rawValue) {
                let severity: Severity = orders[i].status == .cancelled && sameCodePoints(stored.status, "open") ? .critical : .high
                var f = caused(.orderStatusDrift, severity, key(), by: orders[i].statusSet)
                f.expected = .text(orders[i].status.rawValue); f.actual = .text(stored.status)
                out.append(f)
            }
            if stored.total != orders[i].total || !sameLines(store.lines(of: stored), orders[i].lines) {
                out.append(caused(.orderDrift, .high, key(), by: orders[i].placed))
            }
        }
        let known = truth.orders.positions(of: store.orders.keys)
        for (i, id) in store.orders.keys.enumerated() where known[i] < 0 {
            out.append(caused(.unjournaledOrder, .warning, [("order_id", id.rawValue)], by: nil))
        }
    }

    /// Lines compare as a set (line ids are distinct within an order); the common case,
    /// the same lines in the same order, needs no set at all.
    static func sameLines(_ a: [OrderLine], _ b: [OrderLine]) -> Bool {
        a.count == b.count && (a == b || Set(a) == Set(b))
    }

    static func compareFulfillments(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        let positions = store.fulfillments.positions(of: truth.fulfillments.keys)
        for (i, (id, f)) in truth.fulfillments.enumerated() {
            let key = [(name: "fulfillment_id", value: id.rawValue)]
            guard positions[i] >= 0 else {
                out.append(caused(.lostFulfillment, f.status == .success ? .critical : .high, key, by: f.created))
                continue
            }
            let stored = store.fulfillments.values[Int(positions[i])]
            if !sameCodePoints(stored, f.status.rawValue) {
                var finding = caused(.fulfillmentStatusDrift, .high, key, by: f.statusSet)
                finding.expected = .text(f.status.rawValue); finding.actual = .text(stored)
                out.append(finding)
            }
        }
        let known = truth.fulfillments.positions(of: store.fulfillments.keys)
        for (i, id) in store.fulfillments.keys.enumerated() where known[i] < 0 {
            out.append(caused(.unjournaledFulfillment, .warning, [("fulfillment_id", id.rawValue)], by: nil))
        }
    }

    static func compareRefunds(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        for (id, r) in truth.refunds where store.refunds.index(forKey: id) == nil {
            out.append(caused(.lostRefund, .critical, [("refund_id", id.rawValue)], by: r.created))
        }
        for id in store.refunds.keys where truth.refunds.index(forKey: id) == nil {
            out.append(caused(.unjournaledRefund, .warning, [("refund_id", id.rawValue)], by: nil))
        }
    }

    static func compareInventory(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        for (key, s) in truth.stock {
            let stored = store.inventory[key]
            guard stored != s.available else { continue }
            let severity: Severity = (stored ?? Int64.min) > s.available ? .critical : .high
            var f = caused(.inventoryDrift, severity, [("sku", key.sku.rawValue), ("location", key.location.rawValue)], by: s.last)
            f.expected = .int(s.available)
            f.actual = stored.map { .int($0) } ?? .null
            out.append(f)
        }
        for (key, available) in store.inventory where truth.stock[key] == nil {
            var f = caused(.unjournaledInventory, .warning, [("sku", key.sku.rawValue), ("location", key.location.rawValue)], by: nil)
            f.actual = .int(available)
            out.append(f)
        }
    }

    static func compareProducts(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        for (sku, p) in truth.prices {
            let key = [(name: "sku", value: sku.rawValue)]
            guard let stored = store.products[sku] else {
                out.append(caused(.lostProduct, .high, key, by: p.first))
                continue
            }
            if stored.price != p.price || !sameCodePoints(stored.currency, p.currency) {
                var f = caused(.priceDrift, .high, key, by: p.last)
                f.expected = .int(p.price); f.actual = .int(stored.price)
                out.append(f)
            }
        }
        for sku in store.products.keys where truth.prices[sku] == nil {
            out.append(caused(.unjournaledProduct, .warning, [("sku", sku.rawValue)], by: nil))
        }
    }

    static func compareDiscounts(_ truth: Truth, _ store: StoreFacts, _ out: inout [Finding]) {
        for (code, d) in truth.discounts where d.everUpserted {
            let key = [(name: "code", value: code.rawValue)]
            guard let stored = store.discounts[code] else {
                if d.status != .deleted { out.append(caused(.lostDiscount, .high, key, by: d.lostCause)) }
                continue
            }
            if (d.status == .deleted || d.status == .disabled) && sameCodePoints(stored.status, "active") {
                var f = caused(.discountRevived, .critical, key, by: d.last)
                f.expected = .text(d.status.name); f.actual = .text(stored.status)
                out.append(f)
                continue
            }
            guard d.status != .deleted, let def = d.definition else { continue }
            if !sameCodePoints(stored.kind, def.kind.rawValue) || stored.value != def.value || !sameCodePoints(stored.status, d.status.name)
                || stored.startsAt != def.startsAt || stored.endsAt != def.endsAt || stored.usageLimit != def.usageLimit {
                out.append(caused(.discountDrift, .high, key, by: d.last))
            }
        }
        for code in store.discounts.keys where !(truth.discounts[code]?.everUpserted ?? false) {
            out.append(caused(.unjournaledDiscount, .warning, [("code", code.rawValue)], by: nil))
        }
    }
}

extension FindingKind {
    /// Each kind's place in report order (by raw value, as `<` orders kinds), built once.
    static let reportRanks: [FindingKind: Int] =
        Dictionary(uniqueKeysWithValues: allCases.sorted().enumerated().map { ($0.element, $0.offset) })
}

/// The start of a finding's place in report order (contract §7) as two integers: severity,
/// kind, then the first 14 bytes of its first key value, big-endian, padded with zero
/// bytes. When two prefixes differ, their order is the findings' `Finding.reportOrder`
/// (a zero pad sorts below any byte, as a shorter string sorts before a longer one that
/// starts with it; a finding without a key sorts before one with a key, as its shorter key
/// does); when they are equal, the findings must be compared in full.
struct ReportOrderPrefix {
    var high: UInt64
    var low: UInt64

    init(_ f: Finding, kindRank: Int) {
        high = UInt64(f.severity.rank) << 56 | UInt64(kindRank & 0xFF) << 48
        low = 0
        guard var value = f.key.first?.value else { return }
        value.withUTF8 { bytes in
            for (i, byte) in bytes.prefix(14).enumerated() {
                if i < 6 { high |= UInt64(byte) << (40 - 8 * i) } else { low |= UInt64(byte) << (56 - 8 * (i - 6)) }
            }
        }
    }
}
