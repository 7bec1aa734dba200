import TallyCore

/// Decodes one line and returns the rejection message, or nil when it was accepted.
func rejection(_ line: String) -> String? {
    switch EventDecoder.decode(line, input: "events.ndjson", line: 17) {
    case .success: return nil
    case .failure(let r): return r.message
    }
}

/// Decodes one line that must be valid.
func accepted(_ line: String) -> Event? {
    if case .success(let e) = EventDecoder.decode(line, input: "events.ndjson", line: 1) { return e }
    return nil
}

/// An event line of `type` with `data` (JSON text) and defaults for the envelope.
func eventLine(_ type: String, _ data: String, id: String = "e1", at: String = "2026-11-20T10:15:00Z") -> String {
    "{\"id\":\"\(id)\",\"type\":\"\(type)\",\"occurred_at\":\"\(at)\",\"data\":\(data)}"
}
