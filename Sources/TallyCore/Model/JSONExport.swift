/// Renders an event back to one NDJSON line in canonical form (used by
/// evidence exports and tests): the five envelope fields, keys sorted.
extension Event {
    public var canonicalLine: String {
        var out: [UInt8] = []
        out.append(contentsOf: "{\"data\":".utf8)
        out.append(contentsOf: canonicalData.utf8)
        out.append(contentsOf: ",\"id\":".utf8)
        CanonicalJSON.writeString(id.rawValue, to: &out)
        out.append(contentsOf: ",\"occurred_at\":".utf8)
        CanonicalJSON.writeString(occurredAtText, to: &out)
        out.append(contentsOf: ",\"source\":".utf8)
        CanonicalJSON.writeString(source, to: &out)
        out.append(contentsOf: ",\"type\":".utf8)
        CanonicalJSON.writeString(type.rawValue, to: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
