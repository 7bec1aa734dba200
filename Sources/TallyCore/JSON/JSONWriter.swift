/// Writes JSON for reports: keys sorted by code point, so the same value is
/// always the same bytes; optionally indented two spaces for people.
public enum JSONWriter {
    public static func encode(_ value: JSONValue, pretty: Bool = true) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, pretty: pretty, indent: 0, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func newline(_ indent: Int, _ out: inout [UInt8]) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    /// Appends `value` to `out` as `encode` writes it, at nesting level `indent`
    /// (for writers that stream a large document piece by piece).
    public static func write(_ value: JSONValue, pretty: Bool, indent: Int, to out: inout [UInt8]) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1, &out) }
                write(element, pretty: pretty, indent: indent + 1, to: &out)
            }
            if pretty { newline(indent, &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let object) where !object.members.isEmpty:
            out.append(UInt8(ascii: "{"))
            let sorted = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1, &out) }
                CanonicalJSON.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                write(member.value, pretty: pretty, indent: indent + 1, to: &out)
            }
            if pretty { newline(indent, &out) }
            out.append(UInt8(ascii: "}"))
        case .number(let n):
            out.append(contentsOf: n.literal.utf8)
        default:
            CanonicalJSON.write(value, to: &out)
        }
    }
}

extension JSONValue {
    /// An integer value.
    public static func int<I: BinaryInteger>(_ value: I) -> JSONValue {
        .number(JSONNumber(literal: String(value), isIntegerLiteral: true))
    }

    /// A string, or null when nil.
    public static func text(_ value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }

    /// An object from key-value pairs (keys are sorted when written).
    public static func obj(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members: members.map { (key: $0.0, value: $0.1) }))
    }
}
