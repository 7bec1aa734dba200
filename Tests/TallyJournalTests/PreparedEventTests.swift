import Foundation
import Testing
import TallyCore
import TallySQLite
@testable import TallyJournal
import TallyTestSupport

@Suite("Journal: rows prepared off the writer's thread")
struct PreparedEventTests {
    /// Every event type of the fixture, and values that sit at the edges of binding in place:
    /// empty texts, texts with a NUL byte and multi-byte characters, optional columns left out.
    func lines() throws -> [String] {
        let valid = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        return valid + [
            #"{"id":"edge-1","type":"snapshot.taken","occurred_at":"2026-11-05T00:00:00Z","source":"","data":{"snapshot_id":"s-é","label":""}}"#,
            #"{"id":"edge-2","type":"price.changed","occurred_at":"2026-11-05T00:00:01Z","data":{"sku":"caf\u0065\u0301-\u0000-😀","price":0,"currency":"EUR"}}"#,
            #"{"id":"edge-3","type":"order.cancelled","occurred_at":"2026-11-05T00:00:02Z","data":{"order_id":"9","restock":false}}"#,
            #"{"id":"edge-4","type":"inventory.adjusted","occurred_at":"2026-11-05T00:00:03Z","data":{"sku":"A","location":"main","delta":-9223372036854775807,"reason":"correction","ref":""}}"#,
        ]
    }

    @Test("each row holds exactly what the record of its event binds, id_key included, and its hash is the chain's")
    func rowsMatchTheRecordPath() throws {
        let dir = TempDirectory("prepared"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        let events = try lines().enumerated().map { i, line -> Event in
            guard case .success(let event) = EventDecoder.decode(line, input: "t", line: i + 1) else {
                Issue.record("line \(i + 1) must decode: \(line)"); throw CancellationError()
            }
            return event
        }
        let outcomes = try journal.append(events.enumerated().map { i, e in .event(PreparedEvent(e), raw: [], input: "t", line: i + 1) })
        #expect(outcomes == events.indices.map { .appended(Seq(Int64($0 + 1))) })

        let rows = try journal.connection.prepare("SELECT \(EventRecord.selectList), id_key FROM events ORDER BY seq")
        var previous: [UInt8] = []  // the first event's chain starts from nothing
        var seen = 0
        while try rows.step() {
            let event = events[seen]
            #expect(EventRecord(row: rows) == EventRecord(event), "row \(seen + 1)")
            #expect(rows.int64(Int32(EventRecord.columns.count + 3)) == journal.idKeyScheme.key(event.id.rawValue))
            let hash = rows.blob(Int32(EventRecord.columns.count + 2))
            #expect(hash == Journal.chainHash(of: event, seq: rows.int64(0), recordedUs: rows.int64(1), previous: previous))
            previous = hash
            seen += 1
        }
        #expect(seen == events.count)
        // Empty texts stay texts (not NULL), and the NUL byte stays inside the SKU.
        let label = try journal.connection.prepare("SELECT typeof(label), length(CAST(sku AS BLOB)) FROM events WHERE id IN ('edge-1', 'edge-2') ORDER BY seq")
        #expect(try label.step()); #expect(label.text(0) == "text")
        #expect(try label.step()); #expect(label.int64(1) == Int64("cafe\u{301}-\u{0}-😀".utf8.count))
        #expect(try journal.verify().isIntact)
    }

    @Test("verify reads each row's hash material straight from SQLite: the same bytes append hashed, also for a row larger than its buffer and the rows after it")
    func rowMaterialIsAppendsMaterial() throws {
        let dir = TempDirectory("row-material"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        let big = String(repeating: "ß", count: 40_000)  // 80,000 bytes: past the reader's first 16 KiB buffer
        let all = try lines() + [
            #"{"id":"big-1","type":"price.changed","occurred_at":"2026-11-05T00:00:04Z","source":"\#(big)","data":{"sku":"A","price":1,"currency":"EUR"}}"#,
            #"{"id":"after-big","type":"discount.deleted","occurred_at":"2026-11-05T00:00:05Z","data":{"code":"X"}}"#,
        ]
        let events = try all.enumerated().map { i, line -> Event in
            guard case .success(let event) = EventDecoder.decode(line, input: "t", line: i + 1) else {
                Issue.record("line \(i + 1) must decode: \(line)"); throw CancellationError()
            }
            return event
        }
        _ = try journal.append(events.enumerated().map { i, e in .event(PreparedEvent(e), raw: [], input: "t", line: i + 1) })
        let rows = try journal.connection.prepare("SELECT \(EventRecord.selectList) FROM events ORDER BY seq")
        let reader = RowMaterial()
        var seen = 0
        while try rows.step() {
            var expected = HashMaterial()
            EventRecord(events[seen]).writeHashMaterial(seq: rows.int64(0), recordedUs: rows.int64(1), into: &expected)
            #expect(Array(reader.read(row: rows)) == expected.bytes, "row \(seen + 1)")
            seen += 1
        }
        #expect(seen == events.count)
        #expect(try journal.verify().isIntact)
    }
}
