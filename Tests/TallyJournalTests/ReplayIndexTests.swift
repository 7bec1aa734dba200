import Testing
import TallyCore
import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("Replay reads one covering index; an older journal gets it from its first writer")
struct ReplayIndexTests {
    let dir = TempDirectory("replay-index")

    static let replayQuery = "SELECT seq, type, occurred_us, replay FROM events ORDER BY occurred_us, seq"

    func indexes(_ path: String) throws -> Set<String> {
        let connection = try Connection(path: path, mode: .readOnly)
        let rows = try connection.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
        var names: Set<String> = []
        while try rows.step() { names.insert(rows.text(0)) }
        return names
    }

    func plan(_ path: String) throws -> String {
        let connection = try Connection(path: path, mode: .readOnly)
        let rows = try connection.prepare("EXPLAIN QUERY PLAN " + Self.replayQuery)
        var steps: [String] = []
        while try rows.step() { steps.append(rows.text(3)) }
        return steps.joined(separator: "; ")
    }

    @Test("replay's scan uses the covering index; an older journal replays the same without it and gets it when opened to write")
    func upgrade() throws {
        let path = dir.file("old.journal")
        let incident = SimulatedIncident.make(seed: 3)
        let journal = try Journal.create(at: path)
        for chunk in incident.deliveries { try append(journal, chunk.joined(separator: "\n"), batchSize: 50) }
        let expected = TruthCodec.encode(try journal.replay(useCheckpoints: false))
        #expect(try plan(path) == "SCAN events USING COVERING INDEX events_replay")

        // The layout of journals written before the covering index.
        try sqlite(path, "DROP INDEX events_replay; CREATE INDEX events_by_time ON events (occurred_us, seq);")
        #expect(try indexes(path).contains("events_by_time") && !indexes(path).contains("events_replay"))
        let reader = try Journal.open(at: path, readOnly: true)
        #expect(TruthCodec.encode(try reader.replay(useCheckpoints: false)) == expected)
        #expect(try !indexes(path).contains("events_replay"), "a read-only open changes nothing")

        var notices: [String] = []
        let writer = try Journal.open(at: path) { notices.append($0) }
        #expect(notices.count == 1 && notices.first?.contains("building the replay index") == true, "\(notices)")
        let after = try indexes(path)
        #expect(after.contains("events_replay") && !after.contains("events_by_time"))
        #expect(TruthCodec.encode(try writer.replay(useCheckpoints: false)) == expected)
        #expect(try plan(path) == "SCAN events USING COVERING INDEX events_replay")
        #expect(try writer.verify().firstBadSeq == nil)
        notices = []
        _ = try Journal.open(at: path) { notices.append($0) }
        #expect(notices.isEmpty, "a journal with the index is opened without a notice")
        dir.remove()
    }

    @Test("replay says when it has its starting state, then reports its progress: events applied so far, rising, up to the journal's count")
    func progress() throws {
        let journal = try Journal.create(at: dir.file("progress.journal"))
        let lines = (0..<10_000).map { i in
            priceLine("p\(i)", price: 100 + i, at: Timestamp(microseconds: 1_795_000_000_000_000 + Int64(i) * 1_000_000).rfc3339)
        }
        try append(journal, lines.joined(separator: "\n"), batchSize: 2_500)
        var reports: [(Int, Int?)] = []
        var startedBeforeProgress = 0
        let truth = try journal.replay(useCheckpoints: false, started: { startedBeforeProgress += reports.isEmpty ? 1 : 100 },
                                       progress: { reports.append(($0, $1)) })
        #expect(startedBeforeProgress == 1, "started is called once, before any progress")
        #expect(truth.applied == 10_000)
        #expect(reports.count >= 2, "one report per batch of the reader")
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(reports.last?.0 == 10_000 && reports.allSatisfy { $0.1 == 10_000 })
        dir.remove()
    }
}
