import Testing
import TallyCore
@testable import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("Verify compares each anchor with its row as the workers pass it, with one worker or two")
struct VerifyAnchorsTests {
    let dir = TempDirectory("verify-anchors")

    /// A journal of `count` synthetic events (an anchor every 16 seqs), triggers off so tests can edit it.
    func journal(_ name: String, count: Int = 1_000) throws -> Journal {
        let path = dir.file(name)
        let journal = try Journal.create(at: path)
        var history = SyntheticHistory(seed: 5, skuCount: 50, idStyle: .sequential)
        _ = try append(journal, (0..<count).map { _ in history.next() }.joined(separator: "\n"), batchSize: 250)
        try sqlite(path, "DROP TRIGGER anchors_no_update; DROP TRIGGER anchors_no_delete;")
        return journal
    }

    func edited(_ seq: Int64) -> String {
        "the chain anchor at seq \(seq) does not match the hash of seq \(seq): the anchors were edited"
    }

    @Test("an edited anchor anywhere (first, middle, at the boundary of the two workers' ranges, last) is named; of several, the lowest")
    func editedAnchors() throws {
        for workersFrom in [Int64.max, 1] {  // one worker; two (ranges 1-500 and 501-1000)
            for seqs in [[16], [496], [512], [992], [800, 304], [512, 496]] as [[Int64]] {
                let j = try journal("edited-\(workersFrom)-\(seqs.map(String.init).joined(separator: "-")).journal")
                #expect(try j.verify(twoWorkersFrom: workersFrom).isIntact)
                for seq in seqs { try sqlite(j.path, "UPDATE anchors SET hash = zeroblob(32) WHERE seq = \(seq)") }
                let report = try j.verify(twoWorkersFrom: workersFrom)
                let lowest = seqs.min()!
                #expect(report.firstBadSeq == lowest && report.problem == edited(lowest), "\(seqs), \(workersFrom): \(report)")
            }
        }
    }

    @Test("anchors with no row (past the head, or seq 0) are edits; an extra anchor that matches its row is not; no anchors table is an older journal")
    func anchorsWithoutRows() throws {
        for workersFrom in [Int64.max, 1] {
            let past = try journal("past-\(workersFrom).journal")
            try sqlite(past.path, "INSERT INTO anchors (seq, hash) VALUES (5000, zeroblob(32))")
            #expect(try past.verify(twoWorkersFrom: workersFrom).firstBadSeq == 5000)
            let zero = try journal("zero-\(workersFrom).journal")
            try sqlite(zero.path, "INSERT INTO anchors (seq, hash) VALUES (0, zeroblob(32))")
            #expect(try zero.verify(twoWorkersFrom: workersFrom).firstBadSeq == 0)

            let extra = try journal("extra-\(workersFrom).journal")
            try sqlite(extra.path, "INSERT INTO anchors (seq, hash) SELECT seq, hash FROM events WHERE seq IN (7, 501)")
            #expect(try extra.verify(twoWorkersFrom: workersFrom).isIntact)
            try sqlite(extra.path, "UPDATE anchors SET hash = zeroblob(32) WHERE seq = 501")
            #expect(try extra.verify(twoWorkersFrom: workersFrom).firstBadSeq == 501)

            let none = try journal("none-\(workersFrom).journal")
            try sqlite(none.path, "DROP TABLE anchors")
            let report = try none.verify(twoWorkersFrom: workersFrom)
            #expect(report.isIntact && report.lastAnchor == nil && report.events == 1_000)
        }
    }

    @Test("a broken row is reported before any anchor, and counts stay as before: events, last seq, last anchor")
    func rowBeforeAnchor() throws {
        let j = try journal("row.journal")
        let intact = try j.verify(twoWorkersFrom: 1)
        #expect(intact.events == 1_000 && intact.lastSeq == 1_000 && intact.lastAnchor?.seq == 992)
        #expect(intact == (try j.verify(twoWorkersFrom: .max)))
        try sqlite(j.path, "UPDATE anchors SET hash = zeroblob(32) WHERE seq = 32; DROP TRIGGER events_no_update; UPDATE events SET source = 'edited' WHERE seq = 700")
        let report = try j.verify(twoWorkersFrom: 1)
        #expect(report.firstBadSeq == 700 && report.problem == ChainRehasher.mismatch(700))
    }
}
