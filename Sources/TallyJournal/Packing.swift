import TallyCore

/// The compact binary layout of an event's line items and discount codes in
/// the journal's `lines` and `discount_codes` columns: replay reads these
/// instead of decoding JSON. Strings are a varint byte count and UTF-8 bytes;
/// integers are zigzag varints; a list starts with its varint count.
enum Packing {
    struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        mutating func int(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

        mutating func string(_ value: String) {
            varint(UInt64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    /// Reads what `Writer` wrote. Malformed input (a tampered row) yields nil, never a crash.
    struct Reader {
        let buffer: UnsafeRawBufferPointer
        var index = 0

        init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

        mutating func varint() -> UInt64? {
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

        mutating func int() -> Int64? {
            guard let raw = varint() else { return nil }
            return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        }

        mutating func string() -> String? {
            guard let count = varint(), count <= UInt64(buffer.count - index) else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[index..<(index + Int(count))]), as: UTF8.self)
            index += Int(count)
            return text
        }

        mutating func count() -> Int? {
            guard let n = varint(), n <= UInt64(buffer.count) else { return nil }
            return Int(n)
        }
    }

    static func pack(_ lines: [OrderLine]) -> [UInt8] {
        var w = Writer()
        w.varint(UInt64(lines.count))
        for line in lines {
            w.string(line.lineID.rawValue); w.string(line.sku.rawValue)
            w.int(line.qty); w.int(line.unitPrice); w.int(line.discount)
        }
        return w.bytes
    }

    static func pack(_ lines: [RefundLine]) -> [UInt8] {
        var w = Writer()
        w.varint(UInt64(lines.count))
        for line in lines {
            w.string(line.lineID.rawValue); w.int(line.qty); w.int(line.restock ? 1 : 0)
        }
        return w.bytes
    }

    static func pack(_ lines: [FulfillmentLine]) -> [UInt8] {
        var w = Writer()
        w.varint(UInt64(lines.count))
        for line in lines {
            w.string(line.lineID.rawValue); w.int(line.qty)
        }
        return w.bytes
    }

    static func pack(_ strings: [String]) -> [UInt8] {
        var w = Writer()
        w.varint(UInt64(strings.count))
        for s in strings { w.string(s) }
        return w.bytes
    }

    static func orderLines(_ buffer: UnsafeRawBufferPointer) -> [OrderLine]? {
        var r = Reader(buffer)
        guard let n = r.count() else { return nil }
        var lines: [OrderLine] = []
        lines.reserveCapacity(n)
        for _ in 0..<n {
            guard let lineID = r.string(), let sku = r.string(), let qty = r.int(), let price = r.int(), let discount = r.int() else { return nil }
            lines.append(OrderLine(lineID: LineID(lineID), sku: SKU(sku), qty: qty, unitPrice: price, discount: discount))
        }
        return lines
    }

    static func refundLines(_ buffer: UnsafeRawBufferPointer) -> [RefundLine]? {
        var r = Reader(buffer)
        guard let n = r.count() else { return nil }
        var lines: [RefundLine] = []
        lines.reserveCapacity(n)
        for _ in 0..<n {
            guard let lineID = r.string(), let qty = r.int(), let restock = r.int() else { return nil }
            lines.append(RefundLine(lineID: LineID(lineID), qty: qty, restock: restock != 0))
        }
        return lines
    }

    static func fulfillmentLines(_ buffer: UnsafeRawBufferPointer) -> [FulfillmentLine]? {
        var r = Reader(buffer)
        guard let n = r.count() else { return nil }
        var lines: [FulfillmentLine] = []
        lines.reserveCapacity(n)
        for _ in 0..<n {
            guard let lineID = r.string(), let qty = r.int() else { return nil }
            lines.append(FulfillmentLine(lineID: LineID(lineID), qty: qty))
        }
        return lines
    }

    static func strings(_ buffer: UnsafeRawBufferPointer) -> [String]? {
        var r = Reader(buffer)
        guard let n = r.count() else { return nil }
        var result: [String] = []
        for _ in 0..<n {
            guard let s = r.string() else { return nil }
            result.append(s)
        }
        return result
    }
}
