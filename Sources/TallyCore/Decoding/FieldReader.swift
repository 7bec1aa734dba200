/// Reads typed fields out of one JSON object, naming the full path in every error.
///
/// Paths and rules are strings made only for an error: a valid event (all but a few) makes
/// none (building `data.lines[1].qty` for every field was a tenth of decoding).
struct FieldReader {
    let object: JSONObject
    /// The object's path, or the path of the array it is element `index` of.
    private let prefix: String
    private let index: Int?

    init(_ object: JSONObject, path: String) {
        self.object = object
        prefix = path
        index = nil
    }

    private init(_ object: JSONObject, element index: Int, of array: String) {
        self.object = object
        prefix = array
        self.index = index
    }

    var path: String { index.map { "\(prefix)[\($0)]" } ?? prefix }

    func fieldPath(_ key: String) -> String {
        let path = self.path
        return path.isEmpty ? key : path + "." + key
    }

    /// The value of `key`, nil when absent or null (contract §10: null is absent).
    func optionalValue(_ key: String) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func requiredValue(_ key: String) throws(FieldError) -> JSONValue {
        guard let value = optionalValue(key) else { throw FieldError(path: fieldPath(key), rule: "is required", got: nil) }
        return value
    }

    func string(_ key: String) throws(FieldError) -> String {
        let value = try requiredValue(key)
        guard case .string(let text) = value else { throw FieldError(path: fieldPath(key), rule: "must be a string", got: value) }
        return text
    }

    func optionalString(_ key: String) throws(FieldError) -> String? {
        guard let value = optionalValue(key) else { return nil }
        guard case .string(let text) = value else { throw FieldError(path: fieldPath(key), rule: "must be a string", got: value) }
        return text
    }

    func identifier(_ key: String) throws(FieldError) -> String {
        let value = try requiredValue(key)
        return try FieldReader.checkIdentifier(value, path: fieldPath(key))
    }

    static let identifierRule = "must be a non-empty string of at most \(Limits.identifierLengthMax) characters"

    static func checkIdentifier(_ value: JSONValue, path: @autoclosure () -> String) throws(FieldError) -> String {
        guard case .string(let text) = value, !text.isEmpty else { throw FieldError(path: path(), rule: identifierRule, got: value) }
        // At most 200 scalars: at most 200 UTF-8 bytes needs no count.
        if text.utf8.count > Limits.identifierLengthMax {
            let count = text.unicodeScalars.count
            if count > Limits.identifierLengthMax {
                throw FieldError(path: path(), rule: identifierRule + ", got a string of \(count) characters", got: nil)
            }
        }
        return text
    }

    static func checkInteger(_ value: JSONValue, path: @autoclosure () -> String, rule: @autoclosure () -> String) throws(FieldError) -> Int64 {
        guard case .number(let number) = value, number.isIntegerLiteral else {
            throw FieldError(path: path(), rule: rule(), got: value)
        }
        guard let int = number.int64 else {
            throw FieldError(path: path(), rule: rule() + " within the signed 64-bit range", got: value)
        }
        return int
    }

    /// A required integer, at least `minimum` when given.
    func integer(_ key: String, minimum: Int64? = nil) throws(FieldError) -> Int64 {
        try FieldReader.integer(try requiredValue(key), path: fieldPath(key), minimum: minimum)
    }

    func optionalInteger(_ key: String, minimum: Int64? = nil) throws(FieldError) -> Int64? {
        guard let value = optionalValue(key) else { return nil }
        return try FieldReader.integer(value, path: fieldPath(key), minimum: minimum)
    }

    static func integer(_ value: JSONValue, path: @autoclosure () -> String, minimum: Int64?) throws(FieldError) -> Int64 {
        func rule() -> String { minimum.map { "must be an integer ≥ \($0)" } ?? "must be an integer" }
        let int = try checkInteger(value, path: path(), rule: rule())
        if let minimum, int < minimum { throw FieldError(path: path(), rule: rule(), got: value) }
        return int
    }

    func nonZeroInteger(_ key: String) throws(FieldError) -> Int64 {
        let value = try requiredValue(key)
        let rule = "must be a non-zero integer"
        let int = try FieldReader.checkInteger(value, path: fieldPath(key), rule: rule)
        if int == 0 { throw FieldError(path: fieldPath(key), rule: rule, got: value) }
        return int
    }

    func bool(_ key: String) throws(FieldError) -> Bool {
        let value = try requiredValue(key)
        guard case .bool(let flag) = value else { throw FieldError(path: fieldPath(key), rule: "must be true or false", got: value) }
        return flag
    }

    func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws(FieldError) -> E where E.RawValue == String {
        let value = try requiredValue(key)
        guard case .string(let text) = value, let found = E(rawValue: text) else {
            let names = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(path: fieldPath(key), rule: "must be one of \(names)", got: value)
        }
        return found
    }

    func currency(_ key: String) throws(FieldError) -> String {
        let value = try requiredValue(key)
        let rule = "must be three upper-case letters (ISO 4217)"
        guard case .string(let text) = value else { throw FieldError(path: fieldPath(key), rule: rule, got: value) }
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw FieldError(path: fieldPath(key), rule: rule, got: value)
        }
        return text
    }

    static let timestampRule = "must be an RFC 3339 timestamp such as 2026-11-20T10:15:00Z (at most 6 fractional digits)"

    func timestamp(_ key: String) throws(FieldError) -> (Timestamp, String) {
        let value = try requiredValue(key)
        return try FieldReader.checkTimestamp(value, path: fieldPath(key))
    }

    func optionalTimestamp(_ key: String) throws(FieldError) -> Timestamp? {
        guard let value = optionalValue(key) else { return nil }
        return try FieldReader.checkTimestamp(value, path: fieldPath(key)).0
    }

    static func checkTimestamp(_ value: JSONValue, path: @autoclosure () -> String) throws(FieldError) -> (Timestamp, String) {
        guard case .string(let text) = value, let instant = Timestamp.parse(text) else {
            throw FieldError(path: path(), rule: timestampRule, got: value)
        }
        return (instant, text)
    }

    func object(_ key: String) throws(FieldError) -> JSONObject {
        let value = try requiredValue(key)
        guard case .object(let inner) = value else { throw FieldError(path: fieldPath(key), rule: "must be an object", got: value) }
        return inner
    }

    /// A required array of objects, each handed to `body` with its own reader.
    func objects<T>(_ key: String, nonEmpty: Bool, _ body: (FieldReader) throws(FieldError) -> T) throws(FieldError) -> [T] {
        let value = try requiredValue(key)
        let rule = nonEmpty ? "must be a non-empty array" : "must be an array"
        guard case .array(let elements) = value else { throw FieldError(path: fieldPath(key), rule: rule, got: value) }
        if nonEmpty && elements.isEmpty { throw FieldError(path: fieldPath(key), rule: rule, got: value) }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        let arrayPath = fieldPath(key)
        for (i, element) in elements.enumerated() {
            guard case .object(let inner) = element else { throw FieldError(path: "\(arrayPath)[\(i)]", rule: "must be an object", got: element) }
            result.append(try body(FieldReader(inner, element: i, of: arrayPath)))
        }
        return result
    }

    func optionalStrings(_ key: String) throws(FieldError) -> [String] {
        guard let value = optionalValue(key) else { return [] }
        guard case .array(let elements) = value else {
            throw FieldError(path: fieldPath(key), rule: "must be an array of strings", got: value)
        }
        var result: [String] = []
        for (i, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw FieldError(path: "\(fieldPath(key))[\(i)]", rule: "must be a string", got: element)
            }
            result.append(text)
        }
        return result
    }
}
