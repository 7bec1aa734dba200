/// A key of a `KeyedTable`: hashed by its code points with a cheap hash, compared with its
/// `==`, which for every conforming type compares code points (`sameCodePoints`).
///
/// Why not `Hashable`: a `Dictionary` probe hashes with SipHash through `Hasher` (about a
/// fifth of a 10M-event replay's applying thread went to `Dictionary.find` and `Hasher`
/// for ids and (SKU, location) pairs). Ids are short; one 64×64→128-bit multiply per
/// eight bytes (the folded multiply of wyhash and its kin) mixes them well enough for a
/// hash table, and the table's seed is random per process (see `TableHash.seed`), so an
/// input is not built to collide by chance of a fixed seed. It is not a keyed PRF like
/// SipHash: someone who could time many runs might still search for collisions; the input
/// here is a store's own journal, and a probe run of any length still finds the right key.
public protocol TableKey: Equatable, Sendable {
    /// A 64-bit hash of the key's code points, mixed with `seed` (equal keys, equal hashes).
    func tableHash(_ seed: UInt64) -> UInt64
}

public enum TableHash {
    /// One seed per process, from Swift's own per-process random hashing seed (so
    /// `SWIFT_DETERMINISTIC_HASHING` makes it fixed too).
    public static let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0x7461_6C6C_7920_6B65 as UInt64)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }()

    /// Multiplies and folds the 128-bit product: the mixing step.
    @inlinable
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The hash of `bytes`: eight bytes at a time, each folded in with a multiply.
    @inlinable
    public static func bytes(_ bytes: UnsafeRawBufferPointer, _ seed: UInt64) -> UInt64 {
        let n = bytes.count
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= n {
            h = fold(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
            h = fold(h ^ tail, 0xE703_7ED1_A0B4_28DB)
        }
        return fold(h ^ 0x8EBC_6AF0_9C88_C6E3, h ^ seed ^ 0x5899_65CC_7537_4CC3)
    }

    /// The hash of a string's UTF-8 bytes (a short string's bytes are copied to the stack).
    @inlinable
    public static func string(_ s: String, _ seed: UInt64) -> UInt64 {
        if let h = s.utf8.withContiguousStorageIfAvailable({ bytes(UnsafeRawBufferPointer($0), seed) }) { return h }
        let copy = Array(s.utf8)
        return copy.withUnsafeBytes { bytes($0, seed) }
    }
}

extension Identifier: TableKey {
    @inlinable public func tableHash(_ seed: UInt64) -> UInt64 { TableHash.string(rawValue, seed) }
}

extension StockKey: TableKey {
    @inlinable public func tableHash(_ seed: UInt64) -> UInt64 {
        TableHash.string(location.rawValue, TableHash.string(sku.rawValue, seed))
    }
}

extension ExactString: TableKey {
    @inlinable public func tableHash(_ seed: UInt64) -> UInt64 { TableHash.string(value, seed) }
}
