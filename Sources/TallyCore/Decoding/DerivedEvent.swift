/// One event derived from a file or a store, before validation: its NDJSON text and
/// where it came from (for messages: "orders/1001", "prices.csv:17").
public struct DerivedEvent: Sendable {
    public var origin: String
    public var line: Int
    /// The event's NDJSON, or for a rejected row its raw text (kept in the quarantine).
    public var text: String {
        get { storedText ?? value.map { JSONWriter.encode($0, pretty: false) } ?? "" }
        set { storedText = newValue; value = nil }
    }
    private var storedText: String?
    /// The event as a JSON value, when it was derived as one: validated from the value
    /// itself, with no text written and parsed again (the text is written only if asked).
    public private(set) var value: JSONValue?
    /// Set when the input row could not become an event: the full message (`origin:line: ...`).
    public var rejection: String?
    /// The type the deriver meant (for summaries; validation still decodes `text`).
    public var type: EventType?
    public init(origin: String, line: Int, text: String, rejection: String? = nil, type: EventType? = nil) {
        self.origin = origin; self.line = line; self.storedText = text; self.rejection = rejection; self.type = type
    }

    public init(origin: String, line: Int, value: JSONValue, type: EventType?) {
        self.origin = origin; self.line = line; self.value = value; self.type = type
    }
}
