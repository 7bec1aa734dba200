import Foundation
import Synchronization
import Testing
import TallyCore
import TallyJournal
import TallyTestSupport

/// Appends `text` (NDJSON) to `journal` as one input named `name`.
@discardableResult
func append(_ journal: Journal, _ text: String, name: String = "in.ndjson", batchSize: Int = 1000) throws -> AppendSummary {
    let dir = TempDirectory("append")
    defer { dir.remove() }
    let path = dir.write(text, to: "in.ndjson")
    var summary = AppendSummary()
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    try AppendRunner(journal: journal, batchSize: batchSize).run(fd: fd, name: name, into: &summary)
    return summary
}

func priceLine(_ id: String, price: Int = 100, at: String = "2026-11-20T10:00:00Z", source: String? = nil) -> String {
    let src = source.map { ",\"source\":\"\($0)\"" } ?? ""
    return "{\"id\":\"\(id)\",\"type\":\"price.changed\",\"occurred_at\":\"\(at)\"\(src),\"data\":{\"sku\":\"A\",\"price\":\(price),\"currency\":\"USD\"}}"
}

@Suite("Journal: append, idempotency, quarantine")
struct JournalAppendTests {
    let dir = TempDirectory("journal")
    var path: String { dir.file("t.journal") }

    @Test("accepted events get gapless seqs and recorded_at, and the chain verifies")
    func seqs() throws {
        let journal = try Journal.create(at: path, clock: FixedClock(Timestamp(microseconds: 42)))
        let summary = try append(journal, (1...25).map { priceLine("e\($0)", price: $0) }.joined(separator: "\n"), batchSize: 7)
        #expect(summary.appended == 25)
        let events = try journal.allEvents()
        #expect(events.map(\.seq.rawValue) == Array(1...25))
        #expect(events.allSatisfy { $0.recordedAt.microseconds == 42 })
        #expect(try journal.verify().isIntact)
        dir.remove()
    }

    @Test("same id and same content is a duplicate whatever the key order, whitespace, offset or default source")
    func duplicates() throws {
        let journal = try Journal.create(at: path)
        try append(journal, priceLine("e1"))
        let variants = [
            priceLine("e1"),
            priceLine("e1", source: "unknown"),
            priceLine("e1", at: "2026-11-20T12:00:00+02:00"),
            #"{"data":{"currency":"USD","price":100,"sku":"A"},"type":"price.changed","id":"e1","occurred_at":"2026-11-20T10:00:00.000Z","other":true}"#,
        ]
        let summary = try append(journal, variants.joined(separator: "\n"))
        #expect(summary.duplicates == 4)
        #expect(summary.appended == 0)
        #expect(try journal.stats().events == 1)
        dir.remove()
    }

    @Test("same id with other content is a conflict: rejected, quarantined, the first kept")
    func conflicts() throws {
        let journal = try Journal.create(at: path)
        try append(journal, priceLine("e1", price: 100))
        let summary = try append(journal, [priceLine("e1", price: 200), priceLine("e1", source: "other"),
                                           priceLine("e1", at: "2026-11-20T10:00:01Z")].joined(separator: "\n"))
        #expect(summary.rejected == 3)
        #expect(summary.errors[0].message == "in.ndjson:1: price.changed: conflict: id \"e1\" is already in the journal at seq 1 with different content; the first is kept")
        #expect(summary.errors[0].eventID == "e1")
        let events = try journal.allEvents()
        #expect(events.count == 1)
        if case .priceChanged(let p) = events[0].event.payload { #expect(p.price == 100) }
        let quarantine = try journal.quarantine(limit: 10)
        #expect(quarantine.count == 3)
        #expect(String(decoding: quarantine[0].raw, as: UTF8.self) == priceLine("e1", price: 200))
        dir.remove()
    }

    @Test("a duplicate inside one batch is caught too")
    func duplicateInBatch() throws {
        let journal = try Journal.create(at: path)
        let summary = try append(journal, [priceLine("e1"), priceLine("e1"), priceLine("e1", price: 5)].joined(separator: "\n"))
        #expect(summary.appended == 1 && summary.duplicates == 1 && summary.rejected == 1)
        dir.remove()
    }

    @Test("invalid lines are quarantined with input, line and reason; valid neighbours land")
    func quarantineKeepsRejected() throws {
        let journal = try Journal.create(at: path)
        let text = [priceLine("e1"), "{broken", "", priceLine("e2", price: -1), priceLine("e3")].joined(separator: "\n")
        let summary = try append(journal, text)
        #expect(summary.appended == 2 && summary.rejected == 2)
        let q = try journal.quarantine(limit: 10)
        #expect(q.map(\.line) == [2, 4])
        #expect(q[0].input == "in.ndjson")
        #expect(String(decoding: q[0].raw, as: UTF8.self) == "{broken")
        #expect(q[1].reason == "in.ndjson:4: price.changed: data.price must be an integer ≥ 0, got -1")
        #expect(q[1].eventID == "e2")
        #expect(try journal.stats().quarantined == 2)
        dir.remove()
    }

    @Test("a byte-order mark at the start is skipped, CRLF is whitespace, a last line without LF counts")
    func lineHandling() throws {
        let journal = try Journal.create(at: path)
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((priceLine("e1") + "\r\n\r\n   \n" + priceLine("e2")).utf8)
        let file = dir.write(bytes: bytes, to: "bom.ndjson")
        var summary = AppendSummary()
        try AppendRunner(journal: journal).run(path: file, into: &summary)
        #expect(summary.appended == 2 && summary.rejected == 0)
        dir.remove()
    }

    @Test("a byte-order mark on a later line and invalid UTF-8 are rejected for that line only")
    func badBytes() throws {
        let journal = try Journal.create(at: path)
        var bytes = Array((priceLine("e1") + "\n").utf8)
        bytes += [0xEF, 0xBB, 0xBF] + Array((priceLine("e2") + "\n").utf8)
        bytes += Array("{\"id\":\"e3\",\"x\":\"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        bytes += Array(priceLine("e4").utf8)
        let file = dir.write(bytes: bytes, to: "bad.ndjson")
        var summary = AppendSummary()
        try AppendRunner(journal: journal).run(path: file, into: &summary)
        #expect(summary.appended == 2)
        #expect(summary.errors.map(\.line) == [2, 3])
        #expect(summary.errors[0].message.contains("byte-order mark"))
        #expect(summary.errors[1].message.contains("not UTF-8"))
        dir.remove()
    }

    @Test("a 5 MB line is read whole; a line over 16 MiB is rejected with its size, and the next line still lands")
    func longLines() throws {
        let journal = try Journal.create(at: path)
        let big = "{\"id\":\"big\",\"type\":\"discount.deleted\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"data\":{\"code\":\"A\",\"note\":\"" + String(repeating: "x", count: 5_000_000) + "\"}}"
        let huge = String(repeating: "y", count: 17 * 1024 * 1024)
        let summary = try append(journal, [big, huge, priceLine("after")].joined(separator: "\n"))
        #expect(summary.appended == 2)
        #expect(summary.rejected == 1)
        #expect(summary.errors[0].message == "in.ndjson:2: line is \(17 * 1024 * 1024) bytes, over the limit of \(16 * 1024 * 1024) bytes (16 MiB)")
        let q = try journal.quarantine(limit: 1)
        #expect(q[0].rawBytes == Int64(17 * 1024 * 1024))
        #expect(q[0].raw.count == Limits.quarantinedRawBytesMax)
        dir.remove()
    }

    @Test("init leaves an existing journal as it is; a non-journal file is refused")
    func initExisting() throws {
        let journal = try Journal.create(at: path)
        try append(journal, priceLine("e1"))
        let again = try Journal.create(at: path)
        #expect(try again.stats().events == 1)
        let other = dir.write("hello, not sqlite", to: "other.db")
        #expect(throws: JournalError.self) { try Journal.create(at: other) }
        #expect(throws: JournalError.self) { try Journal.open(at: dir.file("missing.journal")) }
        dir.remove()
    }

    @Test("every event type round-trips through the journal")
    func roundTrip() throws {
        let journal = try Journal.create(at: path)
        let text = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8)
        try append(journal, text)
        let events = try journal.allEvents()
        #expect(events.count == 13)
        for (line, stored) in zip(text.split(separator: "\n"), events) {
            guard case .success(let original) = EventDecoder.decode(String(line)) else { Issue.record("fixture invalid"); continue }
            #expect(stored.event == original)
        }
        dir.remove()
    }

    @Test("two writers appending at once both succeed with no gap and no duplicate seq")
    func concurrentWriters() async throws {
        _ = try Journal.create(at: path)
        let journalPath = path
        try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<2 {
                group.addTask {
                    let journal = try Journal.open(at: journalPath)
                    var total = 0
                    for batch in 0..<20 {
                        let lines = (0..<50).map { priceLine("w\(writer)-\(batch)-\($0)") }.joined(separator: "\n")
                        total += try append(journal, lines, batchSize: 10).appended
                    }
                    return total
                }
            }
            var sum = 0
            for try await n in group { sum += n }
            #expect(sum == 2000)
        }
        let journal = try Journal.open(at: path)
        #expect(try journal.allEvents().map(\.seq.rawValue) == Array(1...2000))
        #expect(try journal.verify().isIntact)
        dir.remove()
    }
}

@Suite("Journal: append-only and tamper evidence")
struct JournalTamperTests {
    let dir = TempDirectory("tamper")

    func filled() throws -> Journal {
        let journal = try Journal.create(at: dir.file("t.journal"))
        try append(journal, (1...10).map { priceLine("e\($0)", price: $0) }.joined(separator: "\n"))
        return journal
    }

    @Test("verify reports its progress: rows checked so far, rising, and the rows to check")
    func verifyProgress() throws {
        let journal = try filled()
        let seen = Mutex<[(Int64, Int64)]>([])
        let report = try journal.verify(reportEvery: 3) { checked, total in seen.withLock { $0.append((checked, total)) } }
        #expect(report.isIntact)
        let calls = seen.withLock { $0 }
        #expect(calls.map(\.0) == [3, 6, 9])
        #expect(calls.allSatisfy { $0.1 == 10 })
        dir.remove()
    }

    @Test("the database itself refuses UPDATE and DELETE on events")
    func triggers() throws {
        let journal = try filled()
        #expect(throws: (any Error).self) { try journal.unsafeExecuteForTesting("UPDATE events SET amount = 1 WHERE seq = 3") }
        #expect(throws: (any Error).self) { try journal.unsafeExecuteForTesting("DELETE FROM events WHERE seq = 3") }
        #expect(try journal.verify().isIntact)
        dir.remove()
    }

    @Test("a rewritten row is found even with the triggers dropped", arguments: [
        "UPDATE events SET amount = 999 WHERE seq = 4",
        "UPDATE events SET data = replace(data, '\"price\":4', '\"price\":5') WHERE seq = 4",
        "UPDATE events SET recorded_us = recorded_us + 1 WHERE seq = 4",
        "UPDATE events SET occurred_us = occurred_us + 1 WHERE seq = 4",
    ])
    func rewritten(_ sql: String) throws {
        let journal = try filled()
        try journal.unsafeExecuteForTesting("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; " + sql)
        let report = try journal.verify()
        #expect(report.firstBadSeq == 4)
        #expect(report.problem?.contains("seq 4 does not match its hash") == true)
        dir.remove()
    }

    @Test("a removed row is a gap; a removed tail contradicts the head")
    func removed() throws {
        let journal = try filled()
        try journal.unsafeExecuteForTesting("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 6")
        let gap = try journal.verify()
        #expect(gap.firstBadSeq == 6)
        #expect(gap.problem == "seq 6 is missing")
        try journal.unsafeExecuteForTesting("DELETE FROM events WHERE seq >= 6")
        let tail = try journal.verify()
        #expect(tail.firstBadSeq == 6)
        #expect(tail.problem?.contains("events after seq 5 were removed") == true)
        dir.remove()
    }
}
