import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyStore
import TallyTestSupport

@Suite("Prune and reads through archives (issue 8)")
struct PruneTests {
    static let early = Timestamp.parse("2026-09-15T00:00:00Z")!
    static let late = Timestamp.parse("2026-11-02T00:00:00Z")!

    /// The same deliveries in two journals: the first two thirds recorded in September, the
    /// rest in November. The second journal archives September and prunes it.
    struct Pair {
        let dir: TempDirectory
        let full: Journal
        let pruned: Journal
        let archives: [ArchiveEntry]
        let cut: ClosedRange<Int64>
    }

    func pair(_ incident: SimulatedIncident, name: String) throws -> Pair {
        try pair(deliveries: incident.deliveries, name: name)
    }

    func pair(deliveries: [[String]], name: String) throws -> Pair {
        let dir = TempDirectory(name)
        let split = deliveries.count * 2 / 3
        for file in ["full.journal", "pruned.journal"] {
            let early = try Journal.create(at: dir.file(file), clock: FixedClock(PruneTests.early))
            for chunk in deliveries[..<split] { try append(early, chunk.joined(separator: "\n"), batchSize: 41) }
            let late = try Journal.open(at: dir.file(file), clock: FixedClock(PruneTests.late))
            for chunk in deliveries[split...] { try append(late, chunk.joined(separator: "\n"), batchSize: 41) }
        }
        let journal = try Journal.open(at: dir.file("pruned.journal"), clock: FixedClock(PruneTests.late))
        let period = try #require(ArchivePeriod.parse("2026-09"))
        let range = try #require(try journal.seqRange(recordedFrom: period.start, to: period.end))
        try FileManager.default.createDirectory(atPath: dir.file("arch"), withIntermediateDirectories: true)
        let manifest = try journal.writeArchive(period: period, range: range, to: dir.file("arch/tally-archive-2026-09.sqlite"), createdAt: PruneTests.late)
        try JSONWriter.encode(manifest.json).write(toFile: dir.file("arch/tally-archive-2026-09.manifest.json"), atomically: true, encoding: .utf8)
        let archives = try ArchiveEntry.load(folder: dir.file("arch"))
        let cut = try #require(try journal.pruneCut(before: Timestamp.parse("2026-10-01T00:00:00Z")!))
        guard case .success(let used) = try journal.archivesCovering(cut, in: archives) else { Issue.record("not covered"); throw CancellationError() }
        _ = try journal.prune(cut, archives: used)
        return Pair(dir: dir, full: try Journal.open(at: dir.file("full.journal"), readOnly: true), pruned: try Journal.open(at: dir.file("pruned.journal"), readOnly: true),
                    archives: archives, cut: cut)
    }

    @Test("a pruned journal replays from its pinned checkpoint, or through its archives, to the same truth; lookups need them", arguments: simulatorSeeds)
    func identical(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        let p = try pair(incident, name: "prune")
        defer { p.dir.remove() }
        let full = try p.full.replay(useCheckpoints: false)
        #expect(try p.pruned.verify().isIntact)
        #expect(try p.pruned.verify().pruned?.throughSeq == p.cut.upperBound)
        #expect(try p.pruned.counts().events == (try p.full.counts().events))
        #expect(try p.pruned.verify().events == (try p.full.counts().events) - Int64(p.cut.count))
        // The simulator delivers out of order: an event recorded after the cut may sort before it.
        let anchor = try #require(try p.pruned.checkpoints().first { $0.headSeq == p.cut.upperBound })
        let lateAcross = try p.full.allEvents().contains { $0.seq.rawValue > p.cut.upperBound && $0.event.occurredAt < anchor.position.occurredAt }
        if lateAcross {
            #expect(throws: JournalError.self) { try p.pruned.replay() }
        } else {
            #expect(TruthCodec.encode(try p.pruned.replay()) == TruthCodec.encode(full), "seed \(seed)")
            #expect(p.pruned.lastReplayCheckpoint?.headSeq == p.cut.upperBound)
        }
        let early = try p.full.allEvents().map(\.event.occurredAt).sorted()[5]
        #expect(throws: JournalError.self) { try p.pruned.replay(asOf: early) }
        // An order placed in the pruned part: its history needs the archives.
        let events = try p.full.allEvents()
        let prunedOrder = try #require(events.first { $0.seq.rawValue <= p.cut.upperBound && $0.event.type == .orderPlaced }?.event.payload.orderID)
        #expect(throws: JournalError.self) { try p.pruned.orderHistory(prunedOrder) }

        let used = try p.pruned.attachArchives(p.archives)
        #expect(used.count == 1)
        #expect(TruthCodec.encode(try p.pruned.replay()) == TruthCodec.encode(full), "seed \(seed) through the archives")
        #expect(TruthCodec.encode(try p.pruned.replay(asOf: early)) == TruthCodec.encode(try p.full.replay(asOf: early, useCheckpoints: false)))
        guard case .found(let through) = try p.pruned.orderHistory(prunedOrder), case .found(let whole) = try p.full.orderHistory(prunedOrder) else {
            Issue.record("an order of the pruned part is not found"); return
        }
        #expect(through.timeline.map { $0.seq } == whole.timeline.map { $0.seq })
        #expect(through.integrity.verified && through.order == whole.order)
    }

    @Test("lookups by tracking number, email and SKU through the archives find each event once, whether the lookup tables were caught up before the prune or not")
    func lookupsThroughArchives() throws {
        var history = SyntheticHistory(seed: 7, skuCount: 20)
        let lines = (0..<300).map { _ in history.next() }
        let deliveries = stride(from: 0, to: lines.count, by: 30).map { Array(lines[$0..<min($0 + 30, lines.count)]) }
        let data = lines.prefix(150).compactMap { parseJSONObject($0)?["data"] as? [String: Any] }
        let tracking = try #require(data.lazy.compactMap { $0["tracking_number"] as? String }.first)
        let email = try #require(data.lazy.compactMap { $0["customer_email"] as? String }.first)
        for caughtUp in [false, true] {
            let p = try pair(deliveries: deliveries, name: "prune-lookups")
            defer { p.dir.remove() }
            if caughtUp { try Journal.open(at: p.dir.file("pruned.journal")).indexLookups() }
            let reader = try Journal.open(at: p.dir.file("pruned.journal"), readOnly: true)
            _ = try reader.attachArchives(p.archives)
            let whole = try p.full.fulfillments(trackingNumber: tracking)
            #expect(!whole.isEmpty)
            let through = try reader.fulfillments(trackingNumber: tracking)
            #expect(through.map { "\($0.order.rawValue) \($0.fulfillment.rawValue)" } == whole.map { "\($0.order.rawValue) \($0.fulfillment.rawValue)" }, "caught up: \(caughtUp)")
            #expect(try reader.orders(email: email) == p.full.orders(email: email), "caught up: \(caughtUp)")
            #expect(try reader.currentPrice(SKU("SKU-1")) == p.full.currentPrice(SKU("SKU-1")), "caught up: \(caughtUp)")
        }
    }

    @Test("appends after a prune continue the chain from the anchor; an edit after the cut is still caught")
    func continuesChain() throws {
        let p = try pair(SimulatedIncident.make(seed: 1), name: "prune-append")
        defer { p.dir.remove() }
        let writer = try Journal.open(at: p.dir.file("pruned.journal"), clock: FixedClock(PruneTests.late))
        let head = try writer.head().seq
        try append(writer, priceLine("after-prune", price: 777, at: "2026-11-25T10:00:00Z"))
        #expect(try writer.head().seq == head + 1)
        let report = try writer.verify()
        #expect(report.isIntact && report.lastSeq == head + 1, "\(String(describing: report.problem))")
        try sqlite(p.dir.file("pruned.journal"), "DROP TRIGGER events_no_update; UPDATE events SET source = 'x' WHERE seq = \(p.cut.upperBound + 1);")
        let broken = try Journal.open(at: p.dir.file("pruned.journal"), readOnly: true).verify()
        #expect(broken.firstBadSeq == p.cut.upperBound + 1)
    }

    @Test("archives that do not hold every pruned seq, or are not this journal's, are refused")
    func coverage() throws {
        let p = try pair(SimulatedIncident.make(seed: 2), name: "prune-cover")
        defer { p.dir.remove() }
        let writer = try Journal.open(at: p.dir.file("full.journal"))
        let head = try writer.head().seq
        guard case .failure(let gap) = try writer.archivesCovering(1...(head - 1), in: p.archives) else { Issue.record("covered"); return }
        #expect(gap.message.contains("no archive holds seq \(p.cut.upperBound + 1)"), "\(gap.message)")
        // An archive of another journal with the same seqs: its chain is not this one's.
        let other = try Journal.create(at: p.dir.file("other.journal"), clock: FixedClock(PruneTests.early))
        for i in 0..<Int(p.cut.upperBound) { try append(other, priceLine("o\(i)", price: 100 + i)) }
        guard case .failure(let foreign) = try other.archivesCovering(1...p.cut.upperBound, in: p.archives) else { Issue.record("foreign archive accepted"); return }
        #expect(foreign.message.contains("is not the journal's"), "\(foreign.message)")
    }
}
