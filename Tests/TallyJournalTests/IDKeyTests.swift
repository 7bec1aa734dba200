import Foundation
import Testing
import TallyCore
import TallyDigest
import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("The idempotency index's key: ordered for ids that end in a number, per-journal scheme")
struct IDKeyTests {
    @Test("ids ending in a number keep their order within a prefix; other prefixes and non-numeric ids fall elsewhere")
    func orderedKeys() {
        let keys = (1...2000).map { orderedIDKey(String(format: "ev-%09d", $0)) }
        #expect(keys == keys.sorted())
        #expect(Set(keys).count == keys.count)
        #expect(orderedIDKey("price-1") != orderedIDKey("order-1"))
        #expect(orderedIDKey("5938571122841") < orderedIDKey("5938571122842"))
        #expect(orderedIDKey("order-created") == idKey("order-created"))
        #expect(orderedIDKey("") == idKey(""))
        // More than 13 trailing digits: the last 13 count, the rest is prefix.
        #expect(orderedIDKey("12345678901234567890") != orderedIDKey("92345678901234567890"))
        #expect(orderedIDKey("ev-1") >= 0 && orderedIDKey("zz-9999999999999") >= 0)
    }

    @Test("a new journal keys ids in order; a journal without a recorded scheme keeps hashing, and both still catch duplicates")
    func schemes() throws {
        let dir = TempDirectory("id-key"); defer { dir.remove() }
        let fresh = try Journal.create(at: dir.file("new.journal"))
        #expect(fresh.idKeyScheme == .ordered)
        let old = dir.file("old.journal")
        _ = try Journal.create(at: old)
        try sqlite(old, "DELETE FROM journal_meta WHERE key = 'id_key'")
        let legacy = try Journal.open(at: old)
        #expect(legacy.idKeyScheme == .hashed)
        for (journal, path, key) in [(fresh, dir.file("new.journal"), orderedIDKey), (legacy, old, idKey)] as [(Journal, String, (String) -> Int64)] {
            let first = try journal.append([item(priceLine("ev-000000017")), item(priceLine("price-17"))])
            #expect(first == [.appended(Seq(1)), .appended(Seq(2))])
            #expect(try journal.append([item(priceLine("ev-000000017"))]) == [.duplicate(Seq(1))])
            #expect(try journal.contains(eventID: "price-17"))
            #expect(!(try journal.contains(eventID: "price-18")))
            #expect(try Connection(path: path, mode: .readOnly).scalar("SELECT id_key FROM events WHERE seq = 1") == .integer(key("ev-000000017")))
        }
        #expect(try Journal.open(at: old).idKeyScheme == .hashed)
        #expect(try Journal.open(at: dir.file("new.journal"), readOnly: true).idKeyScheme == .ordered)
    }

    @Test("ids above the journal's largest key skip the idempotency probe; duplicates, conflicts and key collisions below it are still found, also after another connection's append")
    func probeSkippedAboveTheLargestKey() throws {
        let dir = TempDirectory("id-key-max"); defer { dir.remove() }
        let path = dir.file("t.journal")
        let journal = try Journal.create(at: path)
        // One batch: a duplicate and a conflict of ids appended earlier in it, an id below the largest one.
        let first = try journal.append([item(priceLine("ev-10")), item(priceLine("ev-20")), item(priceLine("ev-10")),
                                        item(priceLine("ev-15")), item(priceLine("ev-20", price: 999))])
        #expect(Array(first.prefix(4)) == [.appended(Seq(1)), .appended(Seq(2)), .duplicate(Seq(1)), .appended(Seq(3))])
        guard case .rejected(let conflict) = first[4] else { Issue.record("expected a conflict, got \(first[4])"); return }
        #expect(conflict.message.contains("already in the journal at seq 2"))
        #expect(try journal.append([item(priceLine("ev-30")), item(priceLine("ev-15"))]) == [.appended(Seq(4)), .duplicate(Seq(3))])
        // A second connection (another process) appends above this one's last known key.
        let other = try Journal.open(at: path)
        #expect(try other.append([item(priceLine("ev-40"))]) == [.appended(Seq(5))])
        #expect(try journal.append([item(priceLine("ev-40")), item(priceLine("ev-40", price: 1))]).prefix(1) == [.duplicate(Seq(5))])
        // Two ids with one key (43 bits of the number: 2^43 + 41 keys as 41), the key equal to the largest.
        #expect(orderedIDKey("ev-8796093022249") == orderedIDKey("ev-41"))
        #expect(try journal.append([item(priceLine("ev-41")), item(priceLine("ev-8796093022249"))]) == [.appended(Seq(6)), .appended(Seq(7))])
        #expect(try journal.append([item(priceLine("ev-8796093022249")), item(priceLine("ev-41"))]) == [.duplicate(Seq(7)), .duplicate(Seq(6))])
        #expect(try journal.counts().events == 7)
    }

    @Test("a journal with a scheme this version does not know is refused, naming it")
    func unknownScheme() throws {
        let dir = TempDirectory("id-key-unknown"); defer { dir.remove() }
        let path = dir.file("t.journal")
        _ = try Journal.create(at: path)
        try sqlite(path, "UPDATE journal_meta SET value = '9' WHERE key = 'id_key'")
        #expect { try Journal.open(at: path) } throws: { "\($0)".contains("idempotency key scheme 9") }
    }
}
