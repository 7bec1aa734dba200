import Foundation
import Testing
import TallyCore
@testable import TallyJournal
import TallyTestSupport

@Suite("Journal: one transaction handed over in parts (the append pipeline)")
struct AppendPartsTests {
    struct InputFailed: Error {}

    func items(_ ids: [String]) throws -> [AppendItem] {
        try ids.map { .decoding(try JSONParser.parse(priceLine($0)), input: "in.ndjson", line: 1) }
    }

    @Test("parts land as one transaction: seqs go on across parts and a repeat in a later part is a duplicate")
    func parts() throws {
        let dir = TempDirectory("append-parts"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        var parts = [try items(["a", "b"]), try items(["c", "a"])]
        var outcomes: [AppendOutcome] = []
        try journal.append(parts: { parts.isEmpty ? nil : parts.removeFirst() }, outcomes: { outcomes += $0 })
        #expect(outcomes == [.appended(Seq(1)), .appended(Seq(2)), .appended(Seq(3)), .duplicate(Seq(1))])
        #expect(try journal.head().seq == 3)
        #expect(try journal.verify().isIntact)
    }

    @Test("input that fails mid-transaction rolls the whole transaction back and the failure comes out")
    func failure() throws {
        let dir = TempDirectory("append-parts"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("j.journal"))
        var handed = 0
        let first = try items(["a", "b"])
        #expect(throws: InputFailed.self) {
            try journal.append(parts: {
                handed += 1
                if handed == 1 { return first }
                throw InputFailed()
            }, outcomes: { _ in })
        }
        #expect(try journal.head().seq == 0)
        var outcomes: [AppendOutcome] = []
        try journal.append(parts: { handed += 1; return handed == 3 ? first : nil }, outcomes: { outcomes += $0 })
        #expect(outcomes == [.appended(Seq(1)), .appended(Seq(2))])
    }

    @Test("input that stops coming mid-batch is committed as far as it came: the write lock is not held waiting for it")
    func slowInput() throws {
        let dir = TempDirectory("append-parts"); defer { dir.remove() }
        let path = dir.file("j.journal")
        _ = try Journal.create(at: path)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let first = (0..<2_000).map { priceLine("s-\($0)") }.joined(separator: "\n") + "\n"
        let writer = Thread { _ = first.utf8CString.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count - 1) } }
        writer.start()
        final class Box: @unchecked Sendable { var summary = AppendSummary(); var error: (any Error)?; let done = DispatchSemaphore(value: 0) }
        let box = Box()
        let appender = Thread {
            do { try AppendRunner(journal: try Journal.open(at: path), batchSize: 10_000).run(fd: readEnd, name: "-", into: &box.summary) } catch { box.error = error }
            box.done.signal()
        }
        appender.start()
        // Two parts of 1,000 came and nothing more: they are committed though the batch is 10,000.
        let other = try Journal.open(at: path)
        var seen: Int64 = 0
        for _ in 0..<500 where seen < 2_000 {
            seen = try other.counts().events
            if seen < 2_000 { usleep(20_000) }
        }
        #expect(seen == 2_000)
        // Another writer gets the lock meanwhile (the busy timeout would make it wait, not fail: time it).
        let start = Date()
        let outcome = try other.append([.decoding(try JSONParser.parse(priceLine("other")), input: "other", line: 1)])
        #expect(outcome == [.appended(Seq(2_001))])
        #expect(Date().timeIntervalSince(start) < 1)
        let rest = "\n" + priceLine("s-last") + "\n"
        _ = rest.utf8CString.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count - 1) }
        close(writeEnd)
        box.done.wait()
        close(readEnd)
        #expect(box.error == nil)
        #expect(box.summary.appended == 2_001)
        #expect(try other.counts().events == 2_002)
        #expect(try other.verify().isIntact)
    }
}
