/// The compact binary layout of the journal's `lines`, `discount_codes` and
/// `replay` columns (see `ReplayRecord`). Strings are a varint byte count and UTF-8 bytes;
/// integers are zigzag varints; a list starts with its varint count.
public enum Packing {
    public struct Writer {
        public var bytes: [UInt8] = []
        public init() {}

        public mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        public mutating func int(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

        public mutating func string(_ value: String) {
            varint(UInt64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    /// Reads what `Writer` wrote. Malformed input (a tampered row) yields nil, never a crash.
    public struct Reader {
        public let buffer: UnsafeRawBufferPointer
        public var index = 0

        public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

        public mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < buffer.count, shift < 64 {
                let byte = buffer[index]
                index += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
            return nil
        }

        public mutating func int() -> Int64? {
            guard let raw = varint() else { return nil }
            return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        }

        public mutating func string() -> String? {
            guard let count = varint(), count <= UInt64(buffer.count - index) else { return nil }
            let text = String(utf8Bytes: UnsafeRawBufferPointer(rebasing: buffer[index..<(index + Int(count))]))
            index += Int(count)
            return text
        }

        /// A string and the `TableHash` of its UTF-8 bytes with `seed` (what its key's
        /// `tableHash(seed)` gives), hashed from the record's bytes: replay's lookup hashes.
        public mutating func string(hash seed: UInt64, into hash: inout UInt64) -> String? {
            guard let range = stringRange() else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[range])
            hash = TableHash.bytes(bytes, seed)
            return String(utf8Bytes: bytes)
        }

        /// A string that must be one of `E`'s raw values, matched on its bytes: no String is
        /// made and Swift's string switch is not run (together about 7% of replay's reading
        /// thread's instructions). Nil when malformed or not one of them.
        @inlinable  // specialized for each enum where it is called (generic, it was slower than the switch)
        public mutating func rawValue<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> E? where E.RawValue == String {
            guard let range = stringRange() else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[range])
            for candidate in E.allCases {
                var raw = candidate.rawValue
                if raw.withUTF8({ $0.count == bytes.count && sameBytes(UnsafeRawBufferPointer($0), bytes) }) { return candidate }
            }
            return nil
        }

        /// Steps over a string: the range of its UTF-8 bytes in `buffer` (nil when malformed).
        public mutating func stringRange() -> Range<Int>? {
            guard let count = varint(), count <= UInt64(buffer.count - index) else { return nil }
            defer { index += Int(count) }
            return index..<(index + Int(count))
        }

        public mutating func count() -> Int? {
            guard let n = varint(), n <= UInt64(buffer.count) else { return nil }
            return Int(n)
        }
    }

    public static func pack(_ lines: [OrderLine]) -> [UInt8] { var w = Writer(); w.write(lines); return w.bytes }
    public static func pack(_ lines: [RefundLine]) -> [UInt8] { var w = Writer(); w.write(lines); return w.bytes }
    public static func pack(_ lines: [FulfillmentLine]) -> [UInt8] { var w = Writer(); w.write(lines); return w.bytes }
    public static func pack(_ strings: [String]) -> [UInt8] { var w = Writer(); w.write(strings); return w.bytes }
}

extension Packing.Writer {
    public mutating func write(_ lines: [OrderLine]) {
        varint(UInt64(lines.count))
        for line in lines {
            string(line.lineID.rawValue); string(line.sku.rawValue)
            int(line.qty); int(line.unitPrice); int(line.discount)
        }
    }

    public mutating func write(_ lines: [RefundLine]) {
        varint(UInt64(lines.count))
        for line in lines { string(line.lineID.rawValue); int(line.qty); int(line.restock ? 1 : 0) }
    }

    public mutating func write(_ lines: [FulfillmentLine]) {
        varint(UInt64(lines.count))
        for line in lines { string(line.lineID.rawValue); int(line.qty) }
    }

    public mutating func write(_ strings: [String]) {
        varint(UInt64(strings.count))
        for s in strings { string(s) }
    }

    /// An optional string: a presence byte, then the string.
    public mutating func optional(_ value: String?) {
        guard let value else { bytes.append(0); return }
        bytes.append(1)
        string(value)
    }

    public mutating func optional(_ value: Int64?) {
        guard let value else { bytes.append(0); return }
        bytes.append(1)
        int(value)
    }
}

extension Packing.Reader {
    /// A list: its count, then each element as `element` reads it (nil when any is malformed).
    public mutating func list<T>(_ element: (inout Packing.Reader) -> T?) -> [T]? {
        guard let n = count() else { return nil }
        var result: [T] = []
        result.reserveCapacity(n)
        for _ in 0..<n {
            guard let e = element(&self) else { return nil }
            result.append(e)
        }
        return result
    }

    public mutating func orderLines() -> [OrderLine]? {
        list { r in
            guard let lineID = r.string(), let sku = r.string(), let qty = r.int(), let price = r.int(), let discount = r.int() else { return nil }
            return OrderLine(lineID: LineID(lineID), sku: SKU(sku), qty: qty, unitPrice: price, discount: discount)
        }
    }

    public mutating func refundLines() -> [RefundLine]? {
        list { r in
            guard let lineID = r.string(), let qty = r.int(), let restock = r.int() else { return nil }
            return RefundLine(lineID: LineID(lineID), qty: qty, restock: restock != 0)
        }
    }

    public mutating func fulfillmentLines() -> [FulfillmentLine]? {
        list { r in
            guard let lineID = r.string(), let qty = r.int() else { return nil }
            return FulfillmentLine(lineID: LineID(lineID), qty: qty)
        }
    }

    public mutating func strings() -> [String]? { list { $0.string() } }

    /// An optional written by `Writer.optional`: `.some(nil)` for absent, nil for malformed.
    public mutating func optionalString() -> String?? {
        guard let present = presence() else { return nil }
        return present ? string().map { .some($0) } : .some(nil)
    }

    /// An optional string and, when present, the `TableHash` of its bytes (see `string(hash:into:)`).
    public mutating func optionalString(hash seed: UInt64, into hash: inout UInt64) -> String?? {
        guard let present = presence() else { return nil }
        return present ? string(hash: seed, into: &hash).map { .some($0) } : .some(nil)
    }

    public mutating func optionalInt() -> Int64?? {
        guard let present = presence() else { return nil }
        return present ? int().map { .some($0) } : .some(nil)
    }

    /// The presence byte `Writer.optional` writes first: whether a value follows (nil when
    /// the record ends here).
    private mutating func presence() -> Bool? {
        byte().map { $0 != 0 }
    }

    public mutating func byte() -> UInt8? {
        guard index < buffer.count else { return nil }
        defer { index += 1 }
        return buffer[index]
    }
}
