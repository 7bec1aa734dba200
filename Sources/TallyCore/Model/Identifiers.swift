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
    /// The same code points (see `sameCodePoints`): `café` written precomposed and as `e` +
    /// U+0301 are two SKUs, as they are two keys in the store's SQLite tables.
    public static func == (lhs: Identifier, rhs: Identifier) -> Bool {
        sameCodePoints(lhs.rawValue, rhs.rawValue)
    }
    public func hash(into hasher: inout Hasher) { hashCodePoints(rawValue, into: &hasher) }
}

/// A string that equals another only with the same code points: a `Set` or `Dictionary`
/// key for text from input that is not an identifier (customer emails), where `String`
/// would merge canonically equivalent spellings. Ids use their `Identifier` type.
public struct ExactString: Hashable, Sendable {
    public let value: String
    public init(_ value: String) { self.value = value }
    public static func == (lhs: ExactString, rhs: ExactString) -> Bool { sameCodePoints(lhs.value, rhs.value) }
    public func hash(into hasher: inout Hasher) { hashCodePoints(value, into: &hasher) }
}

/// Whether two strings have the same code points (the same UTF-8 bytes), as contract §2
/// compares strings. Swift's `==` on `String` is canonical equivalence instead: it calls
/// `"caf\u{E9}"` and `"cafe\u{301}"` equal, which JSON, SQLite and the contract do not.
@inlinable
public func sameCodePoints(_ a: String, _ b: String) -> Bool {
    // The same representation (a short string's bytes, or the same storage): equal. This
    // is the common case of a hash table's probe that finds its key.
    if sameRepresentation(a, b) { return true }
    // Otherwise the UTF-8 bytes, compared once (not Swift's `==` first: for strings that are
    // equal it compared them too, and then this compared them again).
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    let fast = x.withContiguousStorageIfAvailable { p in
        y.withContiguousStorageIfAvailable { q in sameBytes(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q)) }
    }
    return (fast ?? nil) ?? x.elementsEqual(y)
}

/// Whether two byte ranges of the same length hold the same bytes: eight at a time, then
/// the rest (TallyCore imports no C library for `memcmp`; ids and emails are short).
@inlinable
func sameBytes(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
    let n = x.count
    var i = 0
    while i + 8 <= n {
        guard x.loadUnaligned(fromByteOffset: i, as: UInt64.self) == y.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
        i += 8
    }
    while i < n {
        guard x[i] == y[i] else { return false }
        i += 1
    }
    return true
}

/// Whether two strings are bit for bit the same value: a string of up to 15 UTF-8 bytes
/// holds them in its own two words; a longer one points to its storage.
@inlinable
func sameRepresentation(_ a: String, _ b: String) -> Bool {
    withUnsafeBytes(of: a) { x in
        withUnsafeBytes(of: b) { y in
            // Two words on 64-bit platforms (the size is a constant: the branch folds away).
            guard x.count == 16 else { return x.elementsEqual(y) }
            return x.load(fromByteOffset: 0, as: UInt64.self) == y.load(fromByteOffset: 0, as: UInt64.self)
                && x.load(fromByteOffset: 8, as: UInt64.self) == y.load(fromByteOffset: 8, as: UInt64.self)
        }
    }
}

/// Hashes a string's UTF-8 bytes (consistent with `sameCodePoints`).
@inlinable
public func hashCodePoints(_ s: String, into hasher: inout Hasher) {
    let utf8 = s.utf8
    let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    if done == nil { for byte in utf8 { hasher.combine(byte) } }
    hasher.combine(utf8.count)
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
    // Over contiguous UTF-8 (a native string's own bytes, a small one's copied to the stack).
    var a = a, b = b
    return a.withUTF8 { x in b.withUTF8 { y in x.lexicographicallyPrecedes(y) } }
}
