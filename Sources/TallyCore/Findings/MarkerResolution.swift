/// Why markers could not be resolved (bad usage: exit 2).
public struct MarkerError: Error, Equatable, Sendable {
    public let message: String
}

/// The snapshot and restore a reconcile report names, resolved per contract §10.
public struct ResolvedMarkers: Sendable, Equatable {
    public var snapshot: MarkerInfo?
    /// The restore time and its text (`--restored-at`, or the journal's restore marker).
    public var restore: (time: Timestamp, text: String, marker: MarkerInfo?)?
    /// Both markers known: phases apply.
    public var phases: PhaseMarkers?

    public static func == (a: ResolvedMarkers, b: ResolvedMarkers) -> Bool {
        a.snapshot == b.snapshot && a.phases == b.phases && a.restore?.time == b.restore?.time && a.restore?.text == b.restore?.text
    }

    /// Resolves markers. `snapshots` and `restores` must be in event-time order.
    public static func resolve(snapshots: [MarkerInfo], restores: [MarkerInfo], snapshotArgument: String?,
                               restoredAt: (Timestamp, String)?) throws(MarkerError) -> ResolvedMarkers {
        var result = ResolvedMarkers()
        let snapshotID: String?
        if let snapshotArgument {
            guard snapshots.contains(where: { $0.snapshotID == snapshotArgument }) else {
                let known = snapshots.map(\.snapshotID)
                throw MarkerError(message: "the journal has no snapshot.taken with snapshot_id \(CanonicalJSON.quoted(snapshotArgument))"
                                  + (known.isEmpty ? " (it has no snapshots)" : "; known: \(Array(Set(known)).sorted().prefix(10).joined(separator: ", "))"))
            }
            snapshotID = snapshotArgument
        } else {
            snapshotID = restores.last?.snapshotID
        }
        if let snapshotID, let snapshot = snapshots.first(where: { $0.snapshotID == snapshotID }) {
            result.snapshot = snapshot
        }
        let journalRestore: MarkerInfo? = snapshotID.flatMap { id in
            restores.first { r in r.snapshotID == id && (result.snapshot.map { s in s.time < r.time } ?? true) }
        }
        if let (time, text) = restoredAt {
            result.restore = (time, text, nil)
        } else if let journalRestore {
            result.restore = (journalRestore.occurredAt, journalRestore.occurredAtText, journalRestore)
        }
        if let snapshot = result.snapshot, let restore = result.restore {
            result.phases = PhaseMarkers(snapshotID: snapshot.snapshotID, snapshot: snapshot.time, snapshotText: snapshot.occurredAtText,
                                         restore: restore.marker?.time, restoredAt: restore.time, restoredAtText: restore.text)
        }
        return result
    }
}
