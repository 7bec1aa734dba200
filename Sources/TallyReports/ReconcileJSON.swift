import Dispatch
import TallyCore

/// The JSON report of contract §7: sorted keys, byte-identical for the same input.
public enum ReconcileJSON {
    public static func render(_ report: ReconcileReport) -> String {
        String(decoding: renderBytes(report), as: UTF8.self)
    }

    /// The same bytes as `JSONWriter.encode(value(report))` plus a newline, written one
    /// finding at a time so a report of a million findings never exists as one JSON tree.
    public static func renderBytes(_ report: ReconcileReport) -> [UInt8] {
        let pieces = renderPieces(report)
        var out: [UInt8] = []
        out.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { out.append(contentsOf: piece) }
        return out
    }

    /// `renderBytes`'s bytes in pieces, in order, not joined: a caller that writes them out
    /// one after another never holds a second copy of a large report (58 MB at 10M events,
    /// allocated while the truth behind it was still being freed: the run's peak).
    public static func renderPieces(_ report: ReconcileReport) -> [[UInt8]] {
        let findingParts = report.findings.isEmpty ? [] : renderFindings(report.findings)
        var pieces: [[UInt8]] = []
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        // The top-level keys in sorted order, as JSONWriter writes them.
        guard case .object(var object) = value(report, findings: false) else { preconditionFailure("the report is an object") }
        object.members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        out.append(UInt8(ascii: "{"))
        for (i, member) in object.members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "\n  ".utf8)
            CanonicalJSON.writeString(member.key, to: &out)
            out.append(contentsOf: ": ".utf8)
            if member.key == "findings" && !report.findings.isEmpty {
                out.append(UInt8(ascii: "["))
                pieces.append(out)
                pieces.append(contentsOf: findingParts)
                out = []
                out.reserveCapacity(4096)
                out.append(contentsOf: "\n  ]".utf8)
            } else {
                JSONWriter.write(member.value, pretty: true, indent: 1, to: &out)
            }
        }
        out.append(contentsOf: "\n}\n".utf8)
        pieces.append(out)
        return pieces
    }

    /// The findings array's elements, each preceded by its separator: a large report in two
    /// halves on two threads (the same bytes, concatenated in order).
    static func renderFindings(_ findings: [Finding]) -> [[UInt8]] {
        let parts = findings.count >= 20_000 ? 2 : 1
        let size = (findings.count + parts - 1) / parts
        var rendered = [[UInt8]](repeating: [], count: parts)
        rendered.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var out: [UInt8] = []
                out.reserveCapacity(size * 400)
                for j in (part * size)..<min(findings.count, (part + 1) * size) {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: "\n    ".utf8)
                    writeFinding(findings[j], indent: 2, to: &out)
                }
                slots[part] = out
            }
        }
        return rendered
    }

    public static func value(_ report: ReconcileReport) -> JSONValue {
        value(report, findings: true)
    }

    /// The report object; with `findings: false` the findings array is left empty
    /// (its key stays, for the streaming writer to fill).
    static func value(_ report: ReconcileReport, findings withFindings: Bool) -> JSONValue {
        .obj([
            ("report", .string("reconcile")),
            ("contract", .int(1)),
            ("as_of", .text(report.asOfText)),
            ("snapshot", report.snapshotID.map { .obj([("snapshot_id", .string($0)), ("occurred_at", .text(report.snapshotOccurredAt))]) } ?? .null),
            ("restore", report.restoreOccurredAt.map { .obj([("occurred_at", .string($0))]) } ?? .null),
            ("journal", .obj([("events", .int(report.journalEvents)), ("last_seq", .int(report.journalLastSeq))])),
            ("findings", .array(withFindings ? report.findings.map(finding) : [])),
            ("summary", .obj([
                ("by_kind", .obj(report.byKind.map { ($0.key.rawValue, .int($0.value)) })),
                ("by_severity", .obj(report.bySeverity.map { ($0.key.rawValue, .int($0.value)) })),
            ])),
        ])
    }

    /// Appends what `JSONWriter.write(finding(f), pretty: true, indent: indent, to: &out)`
    /// appends, without building the value: the members are written in their sorted order
    /// (spelled out below), only the key's few members are sorted, and integers are written
    /// as digits. Why: at 10M events the report holds 180k findings, and building each one's
    /// `JSONValue` (arrays, strings, an `action` string) and sorting its members again for
    /// every object was most of rendering (1.45G of 11.06G instructions at 1M events).
    /// A test checks the two give the same bytes for findings of every kind and shape.
    static func writeFinding(_ f: Finding, indent: Int, to out: inout [UInt8]) {
        var first = true
        func newline(_ level: Int) {
            out.append(0x0A)
            for _ in 0..<(level * 2) { out.append(0x20) }
        }
        /// A member's separator, then `prefix`: its quoted name (names need no escapes), `: `.
        func member(_ prefix: StaticString) {
            if first { first = false } else { out.append(UInt8(ascii: ",")) }
            newline(indent + 1)
            prefix.withUTF8Buffer { out.append(contentsOf: $0) }
        }
        /// A JSON array at the member's level: `[]` when empty, else one element a line.
        func array<C: Collection>(_ elements: C, _ element: (C.Element) -> Void) {
            guard !elements.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 2)
                element(e)
            }
            newline(indent + 1)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "{"))
        // Keys in UTF-8 byte order: action, actual, evidence, expected, fulfillment_ids, key,
        // kind, phase, severity, units.
        member("\"action\": "); CanonicalJSON.writeString(f.action, to: &out)
        if case .value(let v) = f.actual { member("\"actual\": "); JSONWriter.write(v, pretty: true, indent: indent + 1, to: &out) }
        member("\"evidence\": "); array(f.evidence) { writeDecimal($0.rawValue, to: &out) }
        if case .value(let v) = f.expected { member("\"expected\": "); JSONWriter.write(v, pretty: true, indent: indent + 1, to: &out) }
        if let ids = f.fulfillmentIDs { member("\"fulfillment_ids\": "); array(ids) { CanonicalJSON.writeString($0, to: &out) } }
        member("\"key\": ")
        if f.key.isEmpty {
            out.append(contentsOf: "{}".utf8)
        } else {
            out.append(UInt8(ascii: "{"))
            // Sorted as JSONWriter sorts an object's members (the same sort, the same order).
            let members = f.key.count < 2 ? f.key : f.key.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 2)
                CanonicalJSON.writeString(m.name, to: &out)
                out.append(UInt8(ascii: ":")); out.append(0x20)
                CanonicalJSON.writeString(m.value, to: &out)
            }
            newline(indent + 1)
            out.append(UInt8(ascii: "}"))
        }
        member("\"kind\": "); CanonicalJSON.writeString(f.kind.rawValue, to: &out)
        member("\"phase\": ")
        if let phase = f.phase { CanonicalJSON.writeString(phase.rawValue, to: &out) } else { out.append(contentsOf: "null".utf8) }
        member("\"severity\": "); CanonicalJSON.writeString(f.severity.rawValue, to: &out)
        if let units = f.units { member("\"units\": "); writeDecimal(units, to: &out) }
        newline(indent)
        out.append(UInt8(ascii: "}"))
    }

    /// `String(v)`'s bytes, written without making the String.
    static func writeDecimal(_ v: Int64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: DecimalText.maxBytes, alignment: 1) { digits in
            let n = DecimalText.write(v, to: digits.baseAddress!)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[0..<n]))
        }
    }

    /// A finding's JSON value (contract §7). `writeFinding` writes the same members for the
    /// report: a member added here must be added there (`ReconcileJSONTests` compares them).
    public static func finding(_ f: Finding) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string(f.kind.rawValue)),
            ("severity", .string(f.severity.rawValue)),
            ("key", .obj(f.key.map { ($0.name, .string($0.value)) })),
            ("phase", f.phase.map { .string($0.rawValue) } ?? .null),
            ("evidence", .array(f.evidence.map { .int($0.rawValue) })),
            ("action", .string(f.action)),
        ]
        if case .value(let v) = f.expected { members.append(("expected", v)) }
        if case .value(let v) = f.actual { members.append(("actual", v)) }
        if let units = f.units { members.append(("units", .int(units))) }
        if let ids = f.fulfillmentIDs { members.append(("fulfillment_ids", .array(ids.map(JSONValue.string)))) }
        return .obj(members)
    }
}
