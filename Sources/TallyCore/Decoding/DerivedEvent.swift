/// One event derived from a file or a store, before validation: its NDJSON text and
/// where it came from (for messages: "orders/1001", "prices.csv:17").
public struct DerivedEvent: Sendable {
    public var origin: String
    public var line: Int
    /// The event's NDJSON, or for a rejected row its raw text (kept in the quarantine).
    public var text: String
    /// Set when the input row could not become an event: the full message (`origin:line: ...`).
    public var rejection: String?
    /// The type the deriver meant (for summaries; validation still decodes `text`).
    public var type: EventType?
    public init(origin: String, line: Int, text: String, rejection: String? = nil, type: EventType? = nil) {
        self.origin = origin; self.line = line; self.text = text; self.rejection = rejection; self.type = type
    }
}
