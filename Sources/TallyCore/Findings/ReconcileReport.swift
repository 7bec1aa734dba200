/// Everything a reconcile report shows (contract §7), before it is rendered.
public struct ReconcileReport: Sendable {
    public var asOfText: String?
    public var snapshotID: String?
    public var snapshotOccurredAt: String?
    public var restoreOccurredAt: String?
    public var journalEvents: Int64
    public var journalLastSeq: Int64
    public var findings: [Finding]
    /// Names for people (not in the JSON of §7).
    public var journalName: String
    public var storeName: String
    /// The snapshot whose recorded digest equals the store's, if any.
    public var storeMatchesSnapshot: String?

    public init(asOfText: String?, snapshotID: String?, snapshotOccurredAt: String?, restoreOccurredAt: String?,
                journalEvents: Int64, journalLastSeq: Int64, findings: [Finding], journalName: String, storeName: String,
                storeMatchesSnapshot: String?) {
        self.asOfText = asOfText; self.snapshotID = snapshotID; self.snapshotOccurredAt = snapshotOccurredAt
        self.restoreOccurredAt = restoreOccurredAt; self.journalEvents = journalEvents; self.journalLastSeq = journalLastSeq
        self.findings = findings; self.journalName = journalName; self.storeName = storeName; self.storeMatchesSnapshot = storeMatchesSnapshot
    }

    /// Findings per kind (only kinds present).
    public var byKind: [FindingKind: Int] {
        var counts: [FindingKind: Int] = [:]
        for f in findings { counts[f.kind, default: 0] += 1 }
        return counts
    }

    /// Findings per severity (every severity).
    public var bySeverity: [Severity: Int] {
        var counts: [Severity: Int] = [.critical: 0, .high: 0, .warning: 0]
        for f in findings { counts[f.severity, default: 0] += 1 }
        return counts
    }

    /// True when some finding is at or above `threshold` (nil threshold: `--fail-on none`).
    public func fails(at threshold: Severity?) -> Bool {
        guard let threshold else { return false }
        return findings.contains { $0.severity.isAtLeast(threshold) }
    }
}
