/// One event derived from a file or a store, before validation: its NDJSON text and
/// where it came from (for messages: "orders/1001", "prices.csv:17").
public struct DerivedEvent: Sendable {
    public var origin: String
    public var line: Int
    public var text: String
    public init(origin: String, line: Int, text: String) { self.origin = origin; self.line = line; self.text = text }
}
