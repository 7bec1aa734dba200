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
}
