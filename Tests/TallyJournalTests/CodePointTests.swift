import Foundation
import Testing
import TallyCore
import TallyDigest
import TallyJournal
import TallyTestSupport

/// Contract §2 and §10 compare strings as JSON does: the same code points. Swift's `==` on
/// `String` is canonical equivalence instead ("é" precomposed equals "e" + U+0301), so
/// identifiers, keys and content must not lean on it.
@Suite("Strings compare by code points, not by Swift's canonical equivalence")
struct CodePointTests {
    let dir = TempDirectory("code-points")
    /// "café" precomposed (U+00E9) and decomposed (e + U+0301): canonically equivalent, two strings.
    static let composed = "caf\u{E9}", decomposed = "cafe\u{301}"

    @Test("identifiers and exact strings: equal and hashed by code points")
    func identifiers() {
        #expect(Self.composed == Self.decomposed)  // what Swift says, and why this suite exists
        #expect(SKU(Self.composed) != SKU(Self.decomposed))
        #expect(Set([SKU(Self.composed), SKU(Self.decomposed)]).count == 2)
        #expect(Set([ExactString(Self.composed), ExactString(Self.decomposed)]).count == 2)
        #expect(!sameCodePoints(Self.composed, Self.decomposed))
        // Equal code points in different storage (long strings built apart) are equal and hash alike.
        let long = String(repeating: "ä-", count: 20), built = (0..<20).map { _ in "ä-" }.joined()
        #expect(SKU(long) == SKU(built))
        #expect(Set([SKU(long), SKU(built)]).count == 1)
        #expect(SKU("a") != SKU("b") && SKU("") == SKU(""))
        // Order and equality agree: neither sorts before the other only when they are equal.
        #expect(SKU(Self.composed) < SKU(Self.decomposed) || SKU(Self.decomposed) < SKU(Self.composed))
    }

    @Test("a key spelled two ways is two keys, not a repeated one; line ids likewise")
    func jsonKeysAndLineIDs() throws {
        let object = try JSONParser.parse("{\"\(Self.composed)\":1,\"\(Self.decomposed)\":2}")
        guard case .object(let members) = object else { Issue.record("not an object"); return }
        #expect(members.members.count == 2)
        #expect(members[Self.decomposed] == .number(JSONNumber(literal: "2", isIntegerLiteral: true)))
        let order = "{\"id\":\"o\",\"type\":\"order.placed\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"data\":{\"order_id\":\"1\",\"location\":\"m\",\"currency\":\"EUR\",\"total\":2,\"lines\":[{\"line_id\":\"\(Self.composed)\",\"sku\":\"S\",\"qty\":1,\"unit_price\":1},{\"line_id\":\"\(Self.decomposed)\",\"sku\":\"S\",\"qty\":1,\"unit_price\":1}]}}"
        guard case .success(let event) = EventDecoder.decode(order), case .orderPlaced(let placed) = event.payload else {
            Issue.record("two line ids spelled differently were rejected"); return
        }
        #expect(placed.lines.count == 2)
    }

    @Test("replay keeps two SKUs and each order's own spelling of its customer's email")
    func replay() {
        func event(_ seq: Int64, _ line: String) -> ReplayEvent {
            guard case .success(let e) = EventDecoder.decode(line) else { fatalError("bad test line \(line)") }
            return ReplayEvent(seq: Seq(seq), occurredAt: e.occurredAt, id: e.id, payload: e.payload)
        }
        func price(_ sku: String, _ price: Int) -> String {
            "{\"id\":\"p\(price)\",\"type\":\"price.changed\",\"occurred_at\":\"2026-11-20T10:00:0\(price)Z\",\"data\":{\"sku\":\"\(sku)\",\"price\":\(price),\"currency\":\"EUR\"}}"
        }
        func order(_ id: String, _ email: String) -> String {
            "{\"id\":\"o\(id)\",\"type\":\"order.placed\",\"occurred_at\":\"2026-11-20T11:00:0\(id)Z\",\"data\":{\"order_id\":\"\(id)\",\"location\":\"m\",\"currency\":\"EUR\",\"total\":1,\"customer_email\":\"\(email)@example.com\",\"lines\":[{\"line_id\":\"a\",\"sku\":\"S\",\"qty\":1,\"unit_price\":1}]}}"
        }
        var truth = Truth()
        for (i, line) in [price(Self.composed, 1), price(Self.decomposed, 2), order("1", Self.composed), order("2", Self.decomposed)].enumerated() {
            truth.apply(event(Int64(i + 1), line))
        }
        #expect(truth.prices.count == 2)
        #expect(truth.prices[SKU(Self.composed)]?.price == 1)
        #expect(truth.prices[SKU(Self.decomposed)]?.price == 2)
        #expect(truth.orders[OrderID("2")].map { sameCodePoints($0.customerEmail ?? "", Self.decomposed + "@example.com") } == true)
        #expect(truth.orders[OrderID("1")].map { sameCodePoints($0.customerEmail ?? "", Self.composed + "@example.com") } == true)
    }

    @Test("a checkpoint lists SKUs in code point order, so the same truth encodes to the same bytes in every process")
    func checkpointOrder() throws {
        var truth = Truth()
        for (i, sku) in [Self.composed, Self.decomposed, "cafe"].enumerated() {
            let line = "{\"id\":\"p\(i)\",\"type\":\"price.changed\",\"occurred_at\":\"2026-11-20T10:00:0\(i)Z\",\"data\":{\"sku\":\"\(sku)\",\"price\":\(i + 1),\"currency\":\"EUR\"}}"
            guard case .success(let e) = EventDecoder.decode(line) else { Issue.record("bad line"); return }
            truth.apply(ReplayEvent(seq: Seq(Int64(i + 1)), occurredAt: e.occurredAt, id: e.id, payload: e.payload))
        }
        let bytes = TruthCodec.encode(truth)
        /// Where the SKU is written: its length, then its UTF-8 bytes.
        func offset(_ s: String) -> Int? {
            let needle = [UInt8(s.utf8.count)] + Array(s.utf8)
            return (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        // "cafe" < "cafe\u{301}" < "caf\u{E9}" by code point (e = U+0065 before é = U+00E9).
        let plain = try #require(offset("cafe")), decomposed = try #require(offset(Self.decomposed)), composed = try #require(offset(Self.composed))
        #expect(plain < decomposed && decomposed < composed)
        let decoded = try #require(TruthCodec.decode(bytes))
        #expect(decoded.prices.count == 3 && decoded.prices[SKU(Self.decomposed)]?.price == 2)
    }

    @Test("the same id with content spelled the other way is a conflict, not a duplicate; two ids spelled apart are two events")
    func idempotency() throws {
        let journal = try Journal.create(at: dir.file("t.journal"))
        func line(_ id: String, _ label: String) -> String {
            "{\"id\":\"\(id)\",\"type\":\"snapshot.taken\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"data\":{\"snapshot_id\":\"s\",\"label\":\"\(label)\"}}"
        }
        try append(journal, line("e1", Self.composed))
        let again = try append(journal, [line("e1", Self.decomposed), line("e1", Self.composed)].joined(separator: "\n"))
        #expect(again.rejected == 1 && again.duplicates == 1 && again.appended == 0)
        #expect(again.errors.first?.message.contains("conflict: id \"e1\" is already in the journal at seq 1") == true)
        let apart = try append(journal, [line(Self.composed, "x"), line(Self.decomposed, "x")].joined(separator: "\n"))
        #expect(apart.appended == 2)
        // `contains(eventID:)` (the webhook mappers' "already journaled") by code points too,
        // also when the two spellings share an id key (found by search: a 20-bit prefix hash).
        let (one, two) = ("k267456" + Self.composed + "-1", "k267456" + Self.decomposed + "-1")
        #expect(orderedIDKey(one) == orderedIDKey(two))
        let other = try Journal.create(at: dir.file("u.journal"))
        try append(other, line(one, "x"))
        #expect(try other.contains(eventID: one))
        #expect(!(try other.contains(eventID: two)))
        #expect(try append(other, line(two, "x")).appended == 1)
        dir.remove()
    }
}
