/// A JSON value as the strict parser reads it: numbers keep their literal so
/// that integers beyond 64 bits and floats can be told apart from integers.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short description of the value for error messages (`got -2`, `got "x"`).
    public var shortDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.literal.count > 40 ? String(n.literal.prefix(40)) + "…" : n.literal
        case .string(let s):
            let shown = s.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(40))) + "…" : s
            return "\"" + shown + "\""
        case .array(let elements): return elements.isEmpty ? "an empty array" : "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON number with its literal text. Equality is by value (`1.50 == 15e-1`).
public struct JSONNumber: Sendable, Equatable {
    /// The number exactly as written.
    public let literal: String
    /// True when the literal has no fraction and no exponent.
    public let isIntegerLiteral: Bool

    public init(literal: String, isIntegerLiteral: Bool) {
        self.literal = literal
        self.isIntegerLiteral = isIntegerLiteral
    }

    /// The value as a signed 64-bit integer, when the literal is an integer in range.
    public var int64: Int64? { isIntegerLiteral ? Int64(literal) : nil }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.literal == rhs.literal || CanonicalJSON.number(lhs.literal) == CanonicalJSON.number(rhs.literal)
    }
}

/// A JSON object with its members in input order (keys are unique: the parser rejects repeats).
public struct JSONObject: Sendable, Equatable {
    public var members: [(key: String, value: JSONValue)]

    public init(members: [(key: String, value: JSONValue)]) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        // First by representation: a parsed key of up to 15 bytes and a literal with the same
        // bytes are the same two words, so the common lookup compares no text.
        for i in members.indices where sameRepresentation(members[i].key, key) { return members[i].value }
        for i in members.indices where sameCodePoints(members[i].key, key) { return members[i].value }
        return nil
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}
