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
        // The findings first, so that the output is sized once for what they take.
        let findingParts = report.findings.isEmpty ? [] : renderFindings(report.findings)
        var out: [UInt8] = []
        out.reserveCapacity(4096 + findingParts.reduce(0) { $0 + $1.count })
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
                for part in findingParts { out.append(contentsOf: part) }
                out.append(contentsOf: "\n  ]".utf8)
            } else {
                JSONWriter.write(member.value, pretty: true, indent: 1, to: &out)
            }
        }
        out.append(contentsOf: "\n}\n".utf8)
        return out
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
                    JSONWriter.write(finding(findings[j]), pretty: true, indent: 2, to: &out)
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
