import TallyCore

/// A seeded incident: a store history, a snapshot, a lost window, a restore,
/// trading on the stale store, and faults in how the journal received it all.
/// One seed, one incident; `expected` says exactly what reconcile must find
/// for the kinds it predicts. (TigerBeetle's VOPR idea, at store scale.)
public struct SimulatedIncident {
    public let seed: UInt64
    /// Every event of the history, in time order (with the two markers in place).
    public let history: [String]
    /// What the journal receives: the history with duplicates and reordering injected.
    public let deliveries: [[String]]
    /// The restored store as it stands after trading resumed.
    public let store: StoreSnapshot
    /// Exact expected finding keys for the kinds listed in `predictedKinds`.
    public let expected: [FindingKind: Set<String>]
    /// Expected phase per (kind, key) for the lost_* findings.
    public let expectedPhases: [String: Phase]
    public let snapshotID: String

    public static let predictedKinds: [FindingKind] = [
        .lostOrder, .lostFulfillment, .lostRefund, .orderStatusDrift, .unjournaledOrder, .orderDrift,
        .fulfillmentStatusDrift, .unjournaledFulfillment, .unjournaledRefund, .doubleShipment,
        .shippedCancelledOrder, .orderConflict, .orphanReference,
    ]

    /// The identity of a finding as `expected` lists it.
    public static func keyText(_ f: Finding) -> String { f.key.map(\.value).joined(separator: "/") }

    public static func make(seed: UInt64, events: Int = 3000, skus: Int = 60) -> SimulatedIncident {
        var random = SeededRandom(seed: seed)
        var generator = SyntheticHistory(seed: seed, skuCount: skus)
        var lines = (0..<events).map { _ in generator.next() }
        let decoded = lines.map { line -> Event in
            guard case .success(let e) = EventDecoder.decode(line) else { preconditionFailure("simulator produced an invalid line: \(line)") }
            return e
        }
        // Markers: the snapshot after 40–60% of the history, the restore 10–20% later.
        let snapshotIndex = events * (40 + random.below(20)) / 100
        let restoreIndex = min(events - 1, snapshotIndex + events * (10 + random.below(10)) / 100)
        let snapshotID = "sim-\(seed)"
        // Half a second after the last event before each marker: no event shares a marker's instant.
        func halfSecondAfter(_ text: String) -> String { String(text.dropLast()) + ".5Z" }
        let snapshotAt = halfSecondAfter(decoded[snapshotIndex - 1].occurredAtText)
        let restoreAt = halfSecondAfter(decoded[restoreIndex - 1].occurredAtText)
        let snapshotLine = "{\"id\":\"sim-snapshot\",\"type\":\"snapshot.taken\",\"occurred_at\":\"\(snapshotAt)\",\"data\":{\"snapshot_id\":\"\(snapshotID)\"}}"
        let restoreLine = "{\"id\":\"sim-restore\",\"type\":\"restore.performed\",\"occurred_at\":\"\(restoreAt)\",\"data\":{\"snapshot_id\":\"\(snapshotID)\"}}"

        // Window membership by position: before = [0, snapshotIndex), window = [snapshotIndex, restoreIndex), after = the rest.
        enum Part { case before, window, after }
        func part(_ i: Int) -> Part { i < snapshotIndex ? .before : (i < restoreIndex ? .window : .after) }

        var placedIn: [String: Part] = [:]
        var expected: [FindingKind: Set<String>] = [:]
        var phases: [String: Phase] = [:]
        func expect(_ kind: FindingKind, _ key: String, _ phase: Phase?) {
            expected[kind, default: []].insert(key)
            if let phase { phases["\(kind.rawValue) \(key)"] = phase }
        }
        var upserted: Set<String> = []
        for (i, e) in decoded.enumerated() {
            let p = part(i)
            switch e.payload {
            case .discountUpserted(let d):
                upserted.insert(d.code.rawValue)
            case .discountDeleted(let code):
                if !upserted.contains(code.rawValue) { expect(.orphanReference, e.id.rawValue, nil) }
            case .orderPlaced(let o):
                placedIn[o.orderID.rawValue] = p
                if p == .window { expect(.lostOrder, o.orderID.rawValue, .lostWindow) }
            case .fulfillmentCreated(let f):
                let orderPart = placedIn[f.orderID.rawValue]
                if p == .window || (p == .after && orderPart == .window) {
                    expect(.lostFulfillment, f.fulfillmentID.rawValue, p == .window ? .lostWindow : .afterRestore)
                }
            case .orderRefunded(let r):
                let orderPart = placedIn[r.orderID.rawValue]
                if p == .window || (p == .after && orderPart == .window) {
                    expect(.lostRefund, r.refundID.rawValue, p == .window ? .lostWindow : .afterRestore)
                }
            case .orderCancelled(let c):
                if p == .window && placedIn[c.orderID.rawValue] == .before { expect(.orderStatusDrift, c.orderID.rawValue, .lostWindow) }
            default:
                break
            }
        }

        // The store: what it saw before the snapshot and after the restore, replayed with the same rules.
        var storeTruth = Truth()
        for (i, e) in decoded.enumerated() where part(i) != .window {
            storeTruth.apply(JournaledEvent(seq: Seq(Int64(i + 1)), recordedAt: e.occurredAt, event: e))
        }
        var store = StoreSnapshot(truth: storeTruth)
        // Orders taken by the store that never reached the journal.
        for n in 0..<(1 + random.below(3)) {
            let id = "withheld-\(seed)-\(n)"
            store.orders[OrderID(id)] = .init(placedAt: restoreAt, location: "main", currency: "USD", status: "open", total: 100,
                                              customerEmail: nil, lines: [OrderLine(lineID: LineID("1"), sku: SKU("SKU-0"), qty: 1, unitPrice: 100, discount: 0)])
            expect(.unjournaledOrder, id, nil)
        }

        lines.insert(restoreLine, at: restoreIndex)
        lines.insert(snapshotLine, at: snapshotIndex)
        // Deliveries: the history with 3% of lines delivered twice and neighbouring chunks swapped.
        var deliveries: [[String]] = []
        var index = 0
        while index < lines.count {
            let size = 1 + random.below(200)
            var chunk = Array(lines[index..<min(lines.count, index + size)])
            for line in chunk where random.chance(3) { chunk.append(line) }
            if random.chance(30) { chunk.reverse() }
            deliveries.append(chunk)
            index += size
        }
        for i in stride(from: 0, to: deliveries.count - 1, by: 2) where random.chance(25) {
            deliveries.swapAt(i, i + 1)
        }
        return SimulatedIncident(seed: seed, history: lines, deliveries: deliveries, store: store, expected: expected,
                                 expectedPhases: phases, snapshotID: snapshotID)
    }
}
