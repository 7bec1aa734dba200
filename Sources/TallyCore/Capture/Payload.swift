/// A platform payload (a webhook body) read field by field, each error naming the
/// field's path: `line_items[1].quantity must be an integer ≥ 1, got -2`.
public struct Payload {
    public let object: JSONObject
    public let path: String

    public init(_ object: JSONObject, path: String = "") { self.object = object; self.path = path }

    /// The body as an object, or a message saying what it is instead.
    public static func root(_ value: JSONValue) throws(MappingError) -> Payload {
        guard case .object(let o) = value else { throw MappingError("the body must be a JSON object, got \(value.shortDescription)") }
        return Payload(o)
    }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func fail(_ key: String, _ rule: String, _ value: JSONValue?) -> MappingError {
        MappingError("\(name(key)) \(rule), got \(value.map(\.shortDescription) ?? "nothing (the field is missing)")")
    }

    public func has(_ key: String) -> Bool {
        if case .null? = object[key] { return false }
        return object[key] != nil
    }

    /// A platform id: an integer (kept exactly, never through a Double) or a non-empty string.
    public func id(_ key: String) throws(MappingError) -> String {
        switch object[key] {
        case .number(let n)? where n.isIntegerLiteral && n.int64 != nil: return n.literal
        case .string(let s)? where !s.isEmpty && s.unicodeScalars.count <= Limits.identifierLengthMax: return s
        case let other: throw fail(key, "must be an id (an integer or a non-empty string)", other)
        }
    }

    public func optionalID(_ key: String) throws(MappingError) -> String? { has(key) ? try id(key) : nil }

    public func string(_ key: String) throws(MappingError) -> String {
        guard case .string(let s)? = object[key], !s.isEmpty else { throw fail(key, "must be a non-empty string", object[key]) }
        return s
    }

    public func optionalString(_ key: String) -> String? {
        if case .string(let s)? = object[key], !s.isEmpty { return s }
        return nil
    }

    public func int(_ key: String, atLeast minimum: Int64? = nil) throws(MappingError) -> Int64 {
        guard case .number(let n)? = object[key], let v = n.int64 else { throw fail(key, "must be an integer", object[key]) }
        if let minimum, v < minimum { throw fail(key, "must be an integer ≥ \(minimum)", object[key]) }
        return v
    }

    /// Money as the platform sends it (a decimal string such as "199.00", or a JSON number
    /// literal) in exact minor units of `currency`.
    public func money(_ key: String, currency: String) throws(MappingError) -> Int64 {
        let decimals = DecimalMoney.decimals(for: currency)
        let text: String
        switch object[key] {
        case .string(let s)?: text = s
        case .number(let n)?: text = n.literal
        case let other: throw fail(key, "must be an amount such as \"199.00\"", other)
        }
        guard let minor = DecimalMoney.parseDecimal(text, decimals: decimals) else {
            throw fail(key, "must be an amount with at most \(decimals) decimals for \(currency)", object[key])
        }
        return minor
    }

    public func optionalMoney(_ key: String, currency: String) throws(MappingError) -> Int64? {
        has(key) ? try money(key, currency: currency) : nil
    }

    /// A timestamp with its offset (`assumeUTC`: WooCommerce's `*_gmt` fields carry none).
    public func timestamp(_ key: String, assumeUTC: Bool = false) throws(MappingError) -> Timestamp {
        guard case .string(let s)? = object[key] else { throw fail(key, "must be a timestamp", object[key]) }
        if let t = Timestamp.parse(s) { return t }
        if assumeUTC, let t = Timestamp.parse(s + "Z") { return t }
        throw fail(key, "must be an RFC 3339 timestamp with an offset", object[key])
    }

    public func object(_ key: String) throws(MappingError) -> Payload {
        guard case .object(let o)? = object[key] else { throw fail(key, "must be an object", object[key]) }
        return Payload(o, path: name(key))
    }

    public func optionalObject(_ key: String) -> Payload? {
        if case .object(let o)? = object[key] { return Payload(o, path: name(key)) }
        return nil
    }

    /// The objects of an array field (missing or null reads as empty when `required` is false).
    public func objects(_ key: String, required: Bool = true) throws(MappingError) -> [Payload] {
        if !required, !has(key) { return [] }
        guard case .array(let items)? = object[key] else { throw fail(key, "must be an array", object[key]) }
        var out: [Payload] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw MappingError("\(name(key))[\(i)] must be an object, got \(item.shortDescription)")
            }
            out.append(Payload(o, path: "\(name(key))[\(i)]"))
        }
        return out
    }
}

/// Why a delivery could not become events (it is quarantined with this message).
public struct MappingError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// What a delivery maps to.
public enum CaptureMapping: Sendable, Equatable {
    /// Canonical events (envelopes as JSON values), to validate and append.
    case events([JSONValue])
    /// A topic kept as raw evidence only; the text says why.
    case kept(String)
}

/// What the mapping needs to know besides the payload.
public struct CaptureSettings: Sendable, Equatable {
    /// The location for orders and fulfillments that name none (online orders often do not).
    public var defaultLocation: String?
    /// The shop's currency, for product payloads that carry none (else truth's currency for the SKU).
    public var currency: String?
    public init(defaultLocation: String? = nil, currency: String? = nil) {
        self.defaultLocation = defaultLocation; self.currency = currency
    }
}

/// Truth's current price of a SKU, for mapping product updates to price changes.
public struct CurrentPrice: Sendable, Equatable {
    public var price: Int64
    public var compareAt: Int64?
    public var currency: String
    public init(price: Int64, compareAt: Int64?, currency: String) { self.price = price; self.compareAt = compareAt; self.currency = currency }
    /// Truth's last `price.changed` of the SKU.
    public init(_ last: PriceChanged) { self.init(price: last.price, compareAt: last.compareAt, currency: last.currency) }
}

extension JSONValue {
    /// An envelope's `id` (empty when there is none).
    public var eventID: String {
        if case .object(let o) = self, case .string(let id)? = o["id"] { return id }
        return ""
    }
}

enum Envelope {
    static func make(id: String, type: EventType, at time: Timestamp, source: String, data: [(String, JSONValue)]) -> JSONValue {
        .obj([("id", .string(id)), ("type", .string(type.rawValue)), ("occurred_at", .string(time.rfc3339)),
              ("source", .string(source)), ("data", .obj(data))])
    }

    /// A price.changed when the platform's price differs from truth's.
    static func priceChange(id: String, sku: String, price: Int64, compareAt: Int64?, currency: String?, at time: Timestamp,
                            source: String, current: CurrentPrice?) throws(MappingError) -> JSONValue? {
        if let current, current.price == price, current.compareAt == compareAt { return nil }
        guard let currency = currency ?? current?.currency else {
            throw MappingError("no currency for SKU \(sku): set the shop's currency in the config, or journal a price for it first")
        }
        var data: [(String, JSONValue)] = [("sku", .string(sku)), ("price", .int(price)), ("currency", .string(currency))]
        if let compareAt { data.append(("compare_at", .int(compareAt))) }
        return make(id: id, type: .priceChanged, at: time, source: source, data: data)
    }
}
