/// Hash material being written: a growable run of bytes written through raw pointers, for
/// the hot paths that build what they hash row by row (verify's chain material, the store's
/// digest). An `[UInt8]` cost a uniqueness check and a generic copy per append (tens a row):
/// a fifth of verify's time and most of what the digest added to reconcile's store read.
///
/// Not copyable: it owns its storage and frees it when it goes, so no copy can share it.
/// Inlinable: its callers are in other modules, on those hot paths.
public struct ByteBuffer: ~Copyable {
    @usableFromInline var storage: UnsafeMutableRawBufferPointer
    /// The bytes written so far.
    public var count = 0

    public init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 16), alignment: 8)
    }

    deinit { storage.deallocate() }

    /// What is written so far; valid until the next write.
    @inlinable public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

    /// Makes room for `n` more bytes (keeping what is written).
    @inlinable @inline(__always)
    public mutating func reserve(_ n: Int) {
        if count + n > storage.count { grow(n) }
    }

    @usableFromInline @inline(never)
    mutating func grow(_ n: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storage.count * 2, count + n), alignment: 8)
        if count > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: count) }
        storage.deallocate()
        storage = bigger
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 { (storage.baseAddress! + count).copyMemory(from: base, byteCount: bytes.count) }
        count += bytes.count
    }

    /// Appends `value`'s bytes, most significant first.
    @inlinable @inline(__always)
    public mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        storage.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    /// Writes at most `capacity` bytes in place through `body`, which returns how many it wrote.
    @inlinable @inline(__always)
    public mutating func append(atMost capacity: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        reserve(capacity)
        let written = body(storage.baseAddress! + count)
        assert(written >= 0 && written <= capacity)
        count += written
    }
}
