/// A typed identifier: a string that knows what it names, so an order id can
/// never be passed where a SKU is expected. (swift-tagged's idea, without the dependency.)
public struct Identifier<Tag>: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    /// Code point order, as contract §10 sorts keys.
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        codePointLess(lhs.rawValue, rhs.rawValue)
    }
}

public enum EventIDTag {}
public enum SKUTag {}
public enum LocationTag {}
public enum OrderIDTag {}
public enum LineIDTag {}
public enum FulfillmentIDTag {}
public enum RefundIDTag {}
public enum DiscountCodeTag {}
public enum SnapshotIDTag {}

public typealias EventID = Identifier<EventIDTag>
public typealias SKU = Identifier<SKUTag>
public typealias Location = Identifier<LocationTag>
public typealias OrderID = Identifier<OrderIDTag>
public typealias LineID = Identifier<LineIDTag>
public typealias FulfillmentID = Identifier<FulfillmentIDTag>
public typealias RefundID = Identifier<RefundIDTag>
public typealias DiscountCode = Identifier<DiscountCodeTag>
public typealias SnapshotID = Identifier<SnapshotIDTag>

/// A journal sequence number: 1, 2, 3, ... with no gaps.
public struct Seq: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Seq, rhs: Seq) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Compares strings by Unicode code point, as contract §10 sorts keys. UTF-8 byte
/// order is code point order, and comparing bytes is much cheaper than scalars.
@inlinable
public func codePointLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
