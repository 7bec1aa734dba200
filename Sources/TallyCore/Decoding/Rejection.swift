/// Why one input line was rejected: where it was, which event id (when it
/// could be read), and a message naming the input, line, field and rule.
public struct Rejection: Error, Sendable, Equatable {
    /// The input's name (a file name, `-`, or a source such as `http`).
    public var input: String
    /// The 1-based physical line number in the input.
    public var line: Int
    /// The event id, when the line had a readable one.
    public var eventID: String?
    /// The full message, starting with `input:line:`.
    public var message: String

    public init(input: String, line: Int, eventID: String?, message: String) {
        self.input = input; self.line = line; self.eventID = eventID; self.message = message
    }
}

/// A field that broke a rule, before it is placed at an input and line.
struct FieldError: Error {
    var path: String
    var rule: String
    var got: JSONValue?

    var text: String {
        if let got { return "\(path) \(rule), got \(got.shortDescription)" }
        return "\(path) \(rule)"
    }
}
