/// The canonical text of a JSON value: object keys sorted by code point, no
/// whitespace, strings with minimal escapes, numbers normalised by value.
///
/// Two values are equal under contract §10 exactly when their canonical texts
/// are equal, so the journal stores this text and compares and hashes it.
public enum CanonicalJSON {
    /// Writes `value` canonically.
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical UTF-8 bytes of `value` to `out`.
    public static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): writeNumber(n.literal, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = object.members
            // The members' positions in key order (UTF-8 byte order is code point order),
            // sorted in place without copying the members: an event's objects have a handful.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { order in
                if members.count <= insertionSortLimit {
                    for i in 0..<members.count {
                        var j = i
                        while j > 0 && codePointLess(members[i].key, members[order[j - 1]].key) {
                            order[j] = order[j - 1]
                            j -= 1
                        }
                        order[j] = i
                    }
                } else {
                    // A large object (input may hold one with many thousands of keys): n log n.
                    var positions = order
                    for i in 0..<members.count { positions.initializeElement(at: i, to: i) }
                    positions.sort { codePointLess(members[$0].key, members[$1].key) }
                }
                for (n, i) in order.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(members[i].key, to: &out)
                    out.append(UInt8(ascii: ":"))
                    write(members[i].value, to: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Objects up to this many members are ordered by insertion sort (no allocation, few
    /// comparisons for an event's handful of keys); larger ones by the standard sort.
    static let insertionSortLimit = 16

    /// Appends the canonical form of a number literal: a plain integer (an optional minus,
    /// then 1 to 21 digits, no leading zero, not `-0`) is its own canonical form, written
    /// as it is; anything else goes through `number`.
    public static func writeNumber(_ literal: String, to out: inout [UInt8]) {
        var text = literal
        let plain = text.withUTF8 { bytes -> Bool in
            var digits = bytes[...]
            if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
            guard let first = digits.first, digits.count <= 21 else { return false }
            if first == UInt8(ascii: "0") && (digits.count > 1 || bytes.count > 1) { return false }
            for byte in digits where byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if !plain { out.append(contentsOf: number(literal).utf8) }
    }

    /// Appends `text` as a JSON string literal with the minimal escapes.
    public static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let utf8 = text.utf8
        // Runs of bytes that need no escape are copied whole (most strings are one run).
        let done: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            for i in bytes.indices where needsEscape(bytes[i]) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                writeEscape(bytes[i], to: &out)
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        if done == nil {
            // A string without contiguous UTF-8 (bridged): byte by byte.
            for byte in utf8 {
                if needsEscape(byte) { writeEscape(byte, to: &out) } else { out.append(byte) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// The escape of a byte `needsEscape` names: the short forms, else `\u00XX`.
    private static func writeEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(0x5C)
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            hex.withUTF8Buffer { digits in
                out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            }
        }
    }

    /// A JSON string literal for `text` (minimal escapes).
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        writeString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical form of a valid JSON number literal: integers in plain
    /// decimal (up to 21 digits), anything else as `DIGITSeEXP` with no
    /// leading or trailing zeros in DIGITS. `-0`, `0.0` and `0e5` are `0`.
    public static func number(_ literal: String) -> String {
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0
        var fractionDigits = 0
        var inFraction = false
        var iterator = literal.utf8.makeIterator()
        var expNegative = false
        var expValue = 0
        var inExponent = false
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "-") where !inExponent: negative = true
            case UInt8(ascii: "-"): expNegative = true
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            default:
                if inExponent {
                    // Saturate: exponents this large only need to compare equal to themselves.
                    if expValue < 1_000_000_000_000 { expValue = expValue * 10 + Int(byte - 0x30) }
                } else {
                    if digits.isEmpty && byte == 0x30 {
                        if inFraction { fractionDigits += 1 }
                        continue
                    }
                    digits.append(byte)
                    if inFraction { fractionDigits += 1 }
                }
            }
        }
        exponent = (expNegative ? -expValue : expValue) - fractionDigits
        while let last = digits.last, last == 0x30 { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { return "0" }
        var out = negative ? "-" : ""
        if exponent >= 0 && digits.count + exponent <= 21 {
            out += String(decoding: digits, as: UTF8.self)
            out += String(repeating: "0", count: exponent)
        } else {
            out += String(decoding: digits, as: UTF8.self) + "e" + String(exponent)
        }
        return out
    }
}
