import TallyCore

/// The JSON report of contract §7: sorted keys, byte-identical for the same input.
public enum ReconcileJSON {
    public static func render(_ report: ReconcileReport) -> String {
        JSONWriter.encode(value(report)) + "\n"
    }

    public static func value(_ report: ReconcileReport) -> JSONValue {
        .obj([
            ("report", .string("reconcile")),
            ("contract", .int(1)),
            ("as_of", .text(report.asOfText)),
            ("snapshot", report.snapshotID.map { .obj([("snapshot_id", .string($0)), ("occurred_at", .text(report.snapshotOccurredAt))]) } ?? .null),
            ("restore", report.restoreOccurredAt.map { .obj([("occurred_at", .string($0))]) } ?? .null),
            ("journal", .obj([("events", .int(report.journalEvents)), ("last_seq", .int(report.journalLastSeq))])),
            ("findings", .array(report.findings.map(finding))),
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
