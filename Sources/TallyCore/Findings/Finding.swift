/// How bad a finding is. Sorted critical first.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case critical, high, warning

    var rank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .warning: 2
        }
    }

    /// Critical sorts first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// True when `self` is at least as severe as `threshold`.
    public func isAtLeast(_ threshold: Severity) -> Bool { rank <= threshold.rank }
}

/// Where a finding's causal event falls relative to the snapshot and the restore.
public enum Phase: String, Sendable, CaseIterable {
    case beforeSnapshot = "before_snapshot"
    case lostWindow = "lost_window"
    case afterRestore = "after_restore"
}

/// Every finding kind of contract §6.
public enum FindingKind: String, Sendable, CaseIterable, Comparable {
    case oversell
    case doubleShipment = "double_shipment"
    case shippedCancelledOrder = "shipped_cancelled_order"
    case orderConflict = "order_conflict"
    case orphanReference = "orphan_reference"
    case lostOrder = "lost_order"
    case unjournaledOrder = "unjournaled_order"
    case orderStatusDrift = "order_status_drift"
    case orderDrift = "order_drift"
    case lostFulfillment = "lost_fulfillment"
    case unjournaledFulfillment = "unjournaled_fulfillment"
    case fulfillmentStatusDrift = "fulfillment_status_drift"
    case lostRefund = "lost_refund"
    case unjournaledRefund = "unjournaled_refund"
    case inventoryDrift = "inventory_drift"
    case unjournaledInventory = "unjournaled_inventory"
    case priceDrift = "price_drift"
    case lostProduct = "lost_product"
    case unjournaledProduct = "unjournaled_product"
    case lostDiscount = "lost_discount"
    case discountRevived = "discount_revived"
    case discountDrift = "discount_drift"
    case unjournaledDiscount = "unjournaled_discount"

    /// Kinds sort by name (contract §7: severity, then kind, then key).
    public static func < (lhs: FindingKind, rhs: FindingKind) -> Bool { codePointLess(lhs.rawValue, rhs.rawValue) }

    /// The kinds that need a person: a repair plan never rewrites these.
    public var needsPerson: Bool {
        switch self {
        case .oversell, .doubleShipment, .shippedCancelledOrder, .orderConflict, .orphanReference,
             .unjournaledOrder, .unjournaledFulfillment, .unjournaledRefund, .unjournaledInventory,
             .unjournaledProduct, .unjournaledDiscount:
            true
        default:
            false
        }
    }
}

/// A value that a finding may carry: absent, null, or a JSON value (contract §7:
/// `expected` and `actual` appear only on the kinds that have them; a missing
/// inventory row is an explicit `"actual": null`).
public enum ReportedValue: Sendable, Equatable {
    case absent
    case value(JSONValue)

    public static let null = ReportedValue.value(.null)
    public static func int(_ v: Int64) -> ReportedValue { .value(.int(v)) }
    public static func text(_ v: String) -> ReportedValue { .value(.string(v)) }
}

/// One finding of a reconciliation (contract §6).
public struct Finding: Sendable, Equatable {
    public var kind: FindingKind
    public var severity: Severity
    /// The identifying fields, in the order contract §6 lists them.
    public var key: [(name: String, value: String)]
    public var expected: ReportedValue = .absent
    public var actual: ReportedValue = .absent
    public var units: Int64?
    public var fulfillmentIDs: [String]?
    /// The causal event (first in `evidence`), when the kind has one.
    public var causalSeq: Seq?
    public var causalTime: Timestamp?
    public var evidence: [Seq] = []
    public var phase: Phase?
    /// The one-sentence action (contract §6), derived from the rest when asked: a stored
    /// sentence per finding cost about 25 MB at 180k findings.
    public var action: String { Actions.sentence(for: self) }

    public init(kind: FindingKind, severity: Severity, key: [(name: String, value: String)]) {
        self.kind = kind; self.severity = severity; self.key = key
    }

    public func keyValue(_ name: String) -> String? { key.first { $0.name == name }?.value }

    /// The key for people: `order_id=1001 line_id=1`.
    public var keyText: String { key.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }

    public static func == (lhs: Finding, rhs: Finding) -> Bool {
        lhs.kind == rhs.kind && lhs.severity == rhs.severity && lhs.key.map(\.name) == rhs.key.map(\.name)
            && lhs.key.map(\.value) == rhs.key.map(\.value) && lhs.expected == rhs.expected && lhs.actual == rhs.actual
            && lhs.units == rhs.units && lhs.fulfillmentIDs == rhs.fulfillmentIDs && lhs.evidence == rhs.evidence
            && lhs.phase == rhs.phase
    }

    /// Contract §7 order: severity (critical first), kind, then key values by code point.
    public static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity < b.severity }
        if a.kind != b.kind { return a.kind < b.kind }
        for (x, y) in zip(a.key, b.key) where x.value != y.value { return codePointLess(x.value, y.value) }
        return a.key.count < b.key.count
    }
}
