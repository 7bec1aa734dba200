import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyTestSupport

func item(_ line: String, _ n: Int = 1) -> AppendItem {
    switch EventDecoder.decode(line, input: "group", line: n) {
    case .success(let e): return .event(PreparedEvent(e), raw: Array(line.utf8), input: "group", line: n)
    case .failure(let r): return .rejected(r, raw: Array(line.utf8), rawBytes: line.utf8.count)
    }
}

@Suite("Journal: group commit and deliveries")
struct GroupCommitTests {
    @Test("a group appends each request in order in one transaction; a delivery seen in the same group or before is a duplicate")
    func group() throws {
        let dir = TempDirectory("group"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        let delivery = Delivery(source: "shopify", key: "w-1", topic: "orders/create", headers: "{}", body: Array("{}".utf8), result: .mapped)
        let outcomes = try journal.appendGroup([
            GroupRequest(items: [item(priceLine("a")), item(priceLine("b"))]),
            GroupRequest(delivery: delivery, items: [item(priceLine("c"))]),
            GroupRequest(delivery: delivery, items: [item(priceLine("d"))]),
            GroupRequest(items: [item(priceLine("a")), item(#"{"id":"x"}"#)]),
        ])
        #expect(outcomes[0] == .appended([.appended(Seq(1)), .appended(Seq(2))]))
        #expect(outcomes[1] == .appended([.appended(Seq(3))]))
        guard case .duplicateDelivery(_, let first) = outcomes[2] else { Issue.record("expected a duplicate delivery"); return }
        #expect(first == "mapped")
        guard case .appended(let last) = outcomes[3] else { Issue.record("expected outcomes"); return }
        #expect(last.first == .duplicate(Seq(1)))
        if case .rejected = last.last {} else { Issue.record("the bad line must be rejected") }
        #expect(try journal.verify().isIntact)
        #expect(try journal.deliveries().count == 1)
        #expect(throws: (any Error).self) { try journal.unsafeExecuteForTesting("DELETE FROM deliveries") }
    }

    @Test("a retry of a quarantined delivery is mapped again and recorded again")
    func quarantinedRetry() throws {
        let dir = TempDirectory("group-q"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        var delivery = Delivery(source: "shopify", key: "w-1", topic: "orders/create", headers: "{}", body: Array("{}".utf8), result: .quarantined)
        _ = try journal.appendGroup([GroupRequest(delivery: delivery, items: [item(#"{"id":"x"}"#)])])
        delivery.result = .mapped
        let again = try journal.appendGroup([GroupRequest(delivery: delivery, items: [item(priceLine("a"))])])
        #expect(again == [.appended([.appended(Seq(1))])])
        #expect(try journal.deliveries().map(\.result) == ["quarantined", "mapped"])
        #expect(try journal.deliveries(result: "mapped").count == 1)
    }
}

@Suite("Journal: counts by type")
struct TypeCountTests {
    @Test("a new journal counts its events by type as they are appended, across appends and groups")
    func counted() throws {
        let dir = TempDirectory("counts"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        #expect(try journal.typeCounts() == [:])
        try append(journal, (1...5).map { priceLine("p\($0)") }.joined(separator: "\n"))
        _ = try journal.appendGroup([GroupRequest(items: [item(priceLine("p1")), item(priceLine("p6"))])])
        #expect(try journal.typeCounts() == [.priceChanged: 6])
    }

    @Test("a journal without counts gets them from one scan when opened for writing; read-only opens leave it alone")
    func migrated() throws {
        let dir = TempDirectory("counts-old"); defer { dir.remove() }
        let path = dir.file("t.journal")
        var journal = try Journal.create(at: path)
        try append(journal, (1...4).map { priceLine("p\($0)") }.joined(separator: "\n"))
        try journal.unsafeExecuteForTesting("DELETE FROM journal_meta WHERE key = 'type_counts' OR key LIKE 'count.%'")
        journal = try Journal.open(at: path, readOnly: true)
        #expect(try journal.typeCounts() == nil)
        journal = try Journal.open(at: path)
        #expect(try journal.typeCounts() == [.priceChanged: 4])
    }
}

@Suite("Journal: derived events")
struct DerivedEventTests {
    @Test("an event derived as a value is validated from the value; on a conflict its canonical line is quarantined as its raw text")
    func derivedConflict() throws {
        let dir = TempDirectory("derived"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        try append(journal, priceLine("p1", price: 100))
        func derived(_ price: Int) throws -> DerivedEvent {
            DerivedEvent(origin: "prices.csv", line: 2, value: try JSONParser.parse(priceLine("p1", price: price)), type: .priceChanged)
        }
        var summary = AppendSummary()
        try AppendRunner(journal: journal).run(derived: [try derived(100), try derived(250)], into: &summary)
        #expect(summary.duplicates == 1)
        #expect(summary.rejected == 1)
        #expect(summary.errors.first?.message.hasPrefix("prices.csv:2: price.changed: conflict: id \"p1\"") == true)
        let kept = try #require(try journal.quarantine(limit: 10).first)
        #expect(String(decoding: kept.raw, as: UTF8.self)
                == #"{"data":{"currency":"USD","price":250,"sku":"A"},"id":"p1","occurred_at":"2026-11-20T10:00:00Z","source":"unknown","type":"price.changed"}"#)
    }
}
