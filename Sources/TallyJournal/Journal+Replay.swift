import TallyCore

extension Journal {
    /// Truth by replaying the journal (contract §4), or truth as of `asOf`:
    /// only events with `occurred_at` ≤ `asOf`.
    public func replay(asOf: Timestamp? = nil) throws -> Truth {
        var truth = Truth()
        do {
            try forEachEventInTimeOrder { journaled in
                // Events come in event-time order: the first one past `asOf` ends the replay.
                if let asOf, journaled.event.occurredAt > asOf { throw StopReplay() }
                truth.apply(journaled)
            }
        } catch is StopReplay {}
        return truth
    }
}

private struct StopReplay: Error {}
