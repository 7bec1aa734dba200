extension String {
    /// The string of the UTF-8 `bytes`, exactly as `String(decoding: bytes, as: UTF8.self)`
    /// makes it (invalid UTF-8 repaired the same way), made faster when it is short.
    ///
    /// Why: replay and the store read make tens of millions of strings, almost all of them
    /// short ASCII (SKUs, locations, currencies, ids), and `String(decoding:as:)` validates a
    /// short string byte by byte before it packs it into the String itself. Through
    /// `init(unsafeUninitializedCapacity:initializingUTF8With:)` a string of up to 15 bytes
    /// is packed first and checked for ASCII a word at a time; only a non-ASCII one goes on
    /// to the same validation and repair (the standard library's own fast path).
    @inlinable
    public init(utf8Bytes bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count <= 15, count > 0 else {
            self.init(decoding: bytes, as: UTF8.self)
            return
        }
        self.init(unsafeUninitializedCapacity: count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            return count
        }
    }
}
