import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyStore
import TallyTestSupport

@Suite("Checkpoints (issue 8)")
struct CheckpointTests {
    @Test("truth from a checkpoint plus the events after it is byte-identical to a full replay, now and as of any time", arguments: simulatorSeeds)
    func identical(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        let dir = TempDirectory("checkpoint"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        let cut = incident.deliveries.count * 2 / 3
        for chunk in incident.deliveries[..<cut] { try append(journal, chunk.joined(separator: "\n"), batchSize: 37) }
        let written = try #require(try journal.writeCheckpoint(try journal.replay()))
        #expect(TruthCodec.decode(TruthCodec.encode(try journal.replay(useCheckpoints: false))) != nil)
        for chunk in incident.deliveries[cut...] { try append(journal, chunk.joined(separator: "\n"), batchSize: 37) }
        let full = try journal.replay(useCheckpoints: false)
        let fromCheckpoint = try journal.replay()
        #expect(TruthCodec.encode(fromCheckpoint) == TruthCodec.encode(full), "seed \(seed)")
        let used = journal.lastReplayCheckpoint
        // The simulator delivers out of order, so a later chunk may carry an event older
        // than the checkpoint's position: then it is not used, and the result is the same.
        let late = try journal.allEvents().contains { $0.seq.rawValue > written.headSeq && $0.event.occurredAt < written.position.occurredAt }
        #expect((used == nil) == late, "seed \(seed): late events \(late), checkpoint used \(used != nil)")
        let markers = try journal.allMarkers()
        let resolved = try ResolvedMarkers.resolve(snapshots: markers.snapshots, restores: markers.restores, snapshotArgument: nil, restoredAt: nil)
        #expect(Reconciler.findings(truth: fromCheckpoint, store: incident.store, markers: resolved.phases)
                == Reconciler.findings(truth: full, store: incident.store, markers: resolved.phases))
        let times = try journal.allEvents().map(\.event.occurredAt).sorted()
        for asOf in [times[times.count / 4], times[times.count / 2], times[times.count * 9 / 10], times.last!] {
            #expect(TruthCodec.encode(try journal.replay(asOf: asOf)) == TruthCodec.encode(try journal.replay(asOf: asOf, useCheckpoints: false)),
                    "seed \(seed) as of \(asOf.rfc3339)")
        }
    }

    @Test("a due checkpoint's replay memory is estimated from the counts by type, or from the largest stored checkpoint when that says more")
    func dueEstimate() throws {
        let dir = TempDirectory("checkpoint-due"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        let valid = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8)
        try append(journal, valid)
        #expect(try journal.dueCheckpoint(every: 0) == nil)
        #expect(try journal.dueCheckpoint(every: 14) == nil)
        let due = try #require(try journal.dueCheckpoint(every: 13))
        // 13 events: 2 orders, 1 fulfillment, 1 refund, 9 others.
        #expect(due.since == 13 && due.orders == 2 && due.fulfillments == 1 && due.refunds == 1)
        let base: Int64 = 30 << 20
        let fromCounts: Int64 = 1_300 * 2 + 400 * 2 + 40 * 9
        #expect(due.estimatedBytes == fromCounts + base)
        let written = try #require(try journal.writeCheckpoint(try journal.replay()))
        #expect(try journal.dueCheckpoint(every: 1) == nil)
        let more = (1...3).map { priceLine("later-\($0)", at: "2026-12-01T00:00:0\($0)Z") }.joined(separator: "\n")
        try append(journal, more)
        let after = try #require(try journal.dueCheckpoint(every: 3))
        #expect(after.since == 3)
        let laterCounts: Int64 = fromCounts + 40 * 3
        #expect(Int64(written.bytes) * 8 < laterCounts)
        #expect(after.estimatedBytes == laterCounts + base)

        // An order of 300 lines: its stored state decodes to more than the per-order figure.
        let lines = (1...300).map { #"{"line_id":"\#($0)","sku":"SKU-\#($0)","qty":1,"unit_price":100,"discount":0}"# }
        let big = #"{"id":"big-1","type":"order.placed","occurred_at":"2026-12-02T00:00:00Z","source":"webshop","data":{"order_id":"B1","location":"main","currency":"USD","lines":["#
            + lines.joined(separator: ",") + #"],"total":30000}}"#
        try append(journal, big)
        let large = try #require(try journal.writeCheckpoint(try journal.replay()))
        try append(journal, priceLine("later-4", at: "2026-12-03T00:00:00Z"))
        let bigDue = try #require(try journal.dueCheckpoint(every: 1))
        let fromStored = Int64(large.bytes) * 8
        #expect(fromStored > laterCounts + 1_300 + 40)
        #expect(bigDue.orders == 3 && bigDue.estimatedBytes == fromStored + base)
    }

    @Test("an event appended after a checkpoint that sorts before its position invalidates it; one after it does not")
    func lateEvent() throws {
        let dir = TempDirectory("checkpoint-late"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        try append(journal, [priceLine("p1", price: 100, at: "2026-11-20T10:00:00Z"), priceLine("p2", price: 200, at: "2026-11-20T12:00:00Z")].joined(separator: "\n"))
        try journal.writeCheckpoint(try journal.replay())
        try append(journal, priceLine("p3", price: 300, at: "2026-11-20T13:00:00Z"))
        var truth = try journal.replay()
        #expect(journal.lastReplayCheckpoint?.headSeq == 2)
        #expect(truth.prices[SKU("A")]?.price == 300)
        try append(journal, priceLine("p0", price: 50, at: "2026-11-20T11:00:00Z"))
        truth = try journal.replay()
        #expect(journal.lastReplayCheckpoint == nil, "a late event must invalidate the checkpoint")
        #expect(TruthCodec.encode(truth) == TruthCodec.encode(try journal.replay(useCheckpoints: false)))
        #expect(truth.prices[SKU("A")]?.price == 300)
        // As of a time before the checkpoint's position: not used either.
        try journal.writeCheckpoint(try journal.replay())
        _ = try journal.replay(asOf: Timestamp.parse("2026-11-20T11:30:00Z"))
        #expect(journal.lastReplayCheckpoint == nil)
        _ = try journal.replay(asOf: Timestamp.parse("2026-11-20T14:00:00Z"))
        #expect(journal.lastReplayCheckpoint?.headSeq == 4)
    }

    @Test("a damaged checkpoint is not used; only the newest three are kept")
    func damaged() throws {
        let dir = TempDirectory("checkpoint-bad"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        for i in 1...5 {
            try append(journal, priceLine("p\(i)", price: i, at: "2026-11-20T1\(i):00:00Z"))
            try journal.writeCheckpoint(try journal.replay())
        }
        #expect(try journal.checkpoints().map(\.headSeq) == [5, 4, 3])
        try journal.unsafeExecuteForTesting("UPDATE checkpoints SET state = zeroblob(length(state)) WHERE head_seq = 5")
        _ = try journal.replay()
        #expect(journal.lastReplayCheckpoint?.headSeq == 4)
        #expect(TruthCodec.decode([1, 2, 3]) == nil)
    }
}
