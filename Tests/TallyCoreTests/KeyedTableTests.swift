import Testing
import TallyCore

/// A key whose hash is chosen by the test: equal hashes force every probe through the
/// key comparison and every removal through the backward shift.
private struct ChosenHashKey: TableKey {
    var name: Int
    var hash: UInt64
    func tableHash(_ seed: UInt64) -> UInt64 { hash }
    static func == (a: ChosenHashKey, b: ChosenHashKey) -> Bool { a.name == b.name }
}

/// Text keys compared by code points, written as literals in these tests.
extension ExactString: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

/// A small deterministic generator (the tests repeat exactly).
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite("KeyedTable")
struct KeyedTableTests {
    @Test("get, set, replace and remove by key; iteration in insertion order; equality ignores order")
    func table() {
        var t = KeyedTable<ExactString, Int>()
        t["a"] = 1; t["b"] = 2; t["c"] = 3
        t["b"] = 20
        #expect(t["b"] == 20)
        #expect(t.map(\.key) == ["a", "b", "c"])
        t["a"] = nil
        #expect(t["a"] == nil)
        #expect(t.count == 2)
        #expect(t["c"] == 3)
        #expect(t.index(forKey: "c") == 0)
        var u = KeyedTable<ExactString, Int>()
        u["b"] = 20; u["c"] = 3
        #expect(t == u)
        u["c"] = 4
        #expect(t != u)
    }

    @Test("text keys are compared by code points, not by canonical equivalence")
    func codePoints() {
        var t = KeyedTable<ExactString, Int>()
        t["caf\u{E9}"] = 1
        t["cafe\u{301}"] = 2
        #expect(t.count == 2)
        #expect(t["caf\u{E9}"] == 1 && t["cafe\u{301}"] == 2)
        var ids = KeyedTable<OrderID, Int>()
        ids[OrderID("caf\u{E9}")] = 1
        #expect(ids[OrderID("cafe\u{301}")] == nil)
        // A long key (its own storage) and an equal one built apart find the same entry.
        let long = String(repeating: "order-", count: 20)
        ids[OrderID(long)] = 3
        #expect(ids[OrderID(String(repeating: "order-", count: 19) + "order-")] == 3)
    }

    @Test("stock keys: the same SKU at two locations, and a pair whose parts run together")
    func stockKeys() {
        var t = KeyedTable<StockKey, Int>()
        t[StockKey(SKU("A"), Location("main"))] = 1
        t[StockKey(SKU("A"), Location("east"))] = 2
        t[StockKey(SKU("Am"), Location("ain"))] = 3
        #expect(t.count == 3)
        #expect(t[StockKey(SKU("A"), Location("main"))] == 1)
        #expect(t[StockKey(SKU("Am"), Location("ain"))] == 3)
    }

    @Test("matches a dictionary through 20,000 random inserts, updates, removals and lookups",
          arguments: [UInt64(1), 2, 3])
    func model(seed: UInt64) {
        var random = SplitMix(state: seed)
        var table = KeyedTable<ExactString, Int>()
        var model: [ExactString: Int] = [:]
        for step in 0..<20_000 {
            let key = ExactString("k\(random.below(300))")
            switch random.below(5) {
            case 0, 1:
                table[key] = step; model[key] = step
            case 2:
                table[key] = nil; model[key] = nil
            case 3:
                let (position, inserted) = table.insertIfAbsent(key) { step }
                #expect(inserted == (model[key] == nil))
                if inserted { model[key] = step }
                #expect(table.values[position] == model[key])
            default:
                #expect(table[key] == model[key])
            }
            #expect(table.count == model.count)
        }
        for (key, value) in model { #expect(table[key] == value) }
        #expect(Set(table.keys) == Set(model.keys))
    }

    @Test("keys with equal hashes: found by comparison, removed without losing the others",
          arguments: [UInt64(0), 0xFFFF_FFFF_FFFF_FFFF])
    func equalHashes(hash: UInt64) {
        var table = KeyedTable<ChosenHashKey, Int>()
        for i in 0..<40 { table[ChosenHashKey(name: i, hash: hash)] = i }
        #expect(table.count == 40)
        for i in stride(from: 0, to: 40, by: 3) { table[ChosenHashKey(name: i, hash: hash)] = nil }
        for i in 0..<40 {
            #expect(table[ChosenHashKey(name: i, hash: hash)] == (i % 3 == 0 ? nil : i))
        }
    }

    @Test("removal keeps neighbours reachable when a run of slots wraps around the end",
          arguments: [UInt64(1), 7, 99])
    func wrapping(seed: UInt64) {
        var random = SplitMix(state: seed)
        // Home slots (the upper 32 bits of the hash) 13-15: the last slots of a 16-slot table, wrapping.
        var table = KeyedTable<ChosenHashKey, Int>()
        var model: [Int: Int] = [:]
        for step in 0..<4_000 {
            let name = random.below(12)
            let key = ChosenHashKey(name: name, hash: UInt64(13 + name % 3) << 32 | UInt64(name))
            if random.below(3) == 0 { table[key] = nil; model[name] = nil } else { table[key] = step; model[name] = step }
            for other in 0..<12 {
                let k = ChosenHashKey(name: other, hash: UInt64(13 + other % 3) << 32 | UInt64(other))
                #expect(table[k] == model[other])
            }
        }
    }

    @Test("growing past its reserve keeps every entry, in insertion order")
    func growth() {
        var table = KeyedTable<OrderID, Int>()
        table.reserveCapacity(10)
        for i in 0..<50_000 { table[OrderID(String(i))] = i }
        #expect(table.count == 50_000)
        #expect(table.keys.prefix(3).map(\.rawValue) == ["0", "1", "2"])
        for i in stride(from: 0, to: 50_000, by: 7) { #expect(table[OrderID(String(i))] == i) }
        #expect(table[OrderID("50000")] == nil)
    }

    @Test("positions of many keys at once equal one lookup each, at every length around the lookahead",
          arguments: [0, 1, 3, 4, 5, 8, 9, 13, 1000])
    func batchPositions(count: Int) {
        var table = KeyedTable<OrderID, Int>()
        for i in 0..<200 { table[OrderID("o\(i)")] = i }
        table[OrderID("o7")] = nil
        // Present, removed and never-there keys, in an order unlike the table's.
        let keys = ContiguousArray((0..<count).map { OrderID("o\(($0 * 37) % 260)") })
        let positions = table.positions(of: keys)
        #expect(positions.count == count)
        for (i, key) in keys.enumerated() {
            #expect(positions[i] == Int32(table.index(forKey: key) ?? -1))
        }
        #expect(KeyedTable<OrderID, Int>().positions(of: keys) == Array(repeating: -1, count: count))
    }

    @Test("the interner keeps one copy of each text by code points, and a different copy for a different text")
    func interner() {
        var interner = Interner()
        let long = String(repeating: "ä-", count: 20), built = (0..<20).map { _ in "ä-" }.joined()
        let first = interner.intern(long)
        let second = interner.intern(built)
        #expect(second == long && interner.count == 1)
        // The same storage, not only equal: the interned copy is handed back.
        #expect(second.utf8.withContiguousStorageIfAvailable { $0.baseAddress } == first.utf8.withContiguousStorageIfAvailable { $0.baseAddress })
        // Canonically equivalent spellings with different code points stay two texts.
        let composed = interner.intern("caf\u{E9}@example.com"), decomposed = interner.intern("cafe\u{301}@example.com")
        #expect(interner.count == 3)
        #expect(!sameCodePoints(composed, decomposed))
        #expect(sameCodePoints(interner.intern("cafe\u{301}@example.com"), decomposed) && interner.count == 3)
    }

    @Test("strings of every length up to 40 bytes differ when one byte differs, at every position")
    func byteComparison() {
        for length in 0...40 {
            let base = (0..<length).map { i in Character(UnicodeScalar(UInt8(97 + i % 26))) }
            let a = String(base), b = String(base)  // built apart: past 15 bytes, two storages
            #expect(sameCodePoints(a, b))
            for position in 0..<length {
                var changed = base
                changed[position] = "Z"
                #expect(!sameCodePoints(a, String(changed)), "length \(length), position \(position)")
            }
            #expect(!sameCodePoints(a, a + "a"))
        }
    }
}
