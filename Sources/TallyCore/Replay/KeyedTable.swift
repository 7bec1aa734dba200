import CPrefetch

/// A table of values by key, stored as a dense array with a key → position index.
///
/// Truth's orders, fulfillments, refunds, prices and stock live here rather than in a
/// `Dictionary`: a dictionary holds every value in each of its buckets (a third to a half
/// of them empty), so at 400,000 orders (2^20 buckets of 160 bytes) the orders alone took
/// 168 MB; here the values take their own size once. Iteration follows insertion order
/// (deterministic).
///
/// The index is an open-addressing table of 8-byte slots, each the upper 32 bits of the
/// key's hash (see `TableKey`) and the position + 1 (0: empty), probed linearly and kept at
/// most three quarters full. A probe reads a slot and, only when the 32 bits match, the key
/// at its position; a `Dictionary<Key, Int32>` read a bitmap word, a 20-byte bucket and
/// SipHash'ed the key (at a million orders: 16 MB of slots against 42 MB of buckets).
public struct KeyedTable<Key: TableKey, Value: Sendable>: Sendable, Sequence {
    @usableFromInline var slots: ContiguousArray<UInt64> = []
    @usableFromInline let seed = TableHash.seed
    public private(set) var keys: ContiguousArray<Key> = []
    /// The values, in insertion order (mutable in place by position inside the core).
    public internal(set) var values: ContiguousArray<Value> = []

    public init() {}

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
        let wanted = Self.slotCount(for: n)
        if wanted > slots.count { rebuild(slotCount: wanted) }
    }

    /// The position of `key` in `values`.
    @inlinable
    public func index(forKey key: Key) -> Int? {
        switch find(key, key.tableHash(seed)) {
        case .found(let position, _): position
        case .absent: nil
        }
    }

    /// Changes the value of `key` in place (no copy of it); false when there is none.
    @discardableResult
    public mutating func update(_ key: Key, _ body: (inout Value) -> Void) -> Bool {
        guard let position = index(forKey: key) else { return false }
        body(&values[position])
        return true
    }

    /// Adds `key` with the value `make()` unless it is there: one probe for both the check
    /// and the insert. Returns the position of the key's value and whether it was added.
    @inlinable @discardableResult
    public mutating func insertIfAbsent(_ key: Key, _ make: () -> Value) -> (position: Int, inserted: Bool) {
        let hash = key.tableHash(seed)
        switch find(key, hash) {
        case .found(let position, _):
            return (position, false)
        case .absent(let slot):
            let position = append(key, make(), hash: hash, at: slot)
            return (position, true)
        }
    }

    public subscript(key: Key) -> Value? {
        @inlinable get { index(forKey: key).map { values[$0] } }
        set {
            let hash = key.tableHash(seed)
            switch find(key, hash) {
            case .found(let position, let slot):
                if let newValue { values[position] = newValue } else { remove(position: position, slot: slot) }
            case .absent(let slot):
                if let newValue { append(key, newValue, hash: hash, at: slot) }
            }
        }
    }

    /// Entries in insertion order (a concrete iterator: the compiler specializes it).
    public struct Iterator: IteratorProtocol {
        let keys: ContiguousArray<Key>
        let values: ContiguousArray<Value>
        var i = 0
        public mutating func next() -> (key: Key, value: Value)? {
            guard i < values.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }

    public func makeIterator() -> Iterator { Iterator(keys: keys, values: values) }

    /// Asks the CPU to fetch what a lookup of the key with `hash` (its `tableHash` with
    /// `TableHash.seed`) will read: a hint, with no effect on any result. `entry: false`
    /// fetches the key's home slot; `entry: true`, issued a little later (the slot has
    /// arrived by then), reads the slot and fetches the key and value of the first entry with
    /// the key's fingerprint. See `Truth.apply(contentsOf:)`.
    func prefetch(hash: UInt64, entry: Bool) {
        let fingerprint = Self.fingerprint(hash)
        slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty, let base = slots.baseAddress else { return }
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: fingerprint) & mask
            guard entry else { tally_prefetch(base + i); return }
            while true {
                let slot = slots[i]
                if slot == 0 { return }
                if slot >> 32 == fingerprint {
                    let position = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                    keys.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + position) }
                    values.withUnsafeBufferPointer { values in
                        let start = UnsafeRawPointer(values.baseAddress! + position)
                        // Every cache line of the value (an order's truth spans three or four).
                        for offset in stride(from: 0, to: MemoryLayout<Value>.size, by: 64) { tally_prefetch(start + offset) }
                    }
                    return
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The positions of many keys at once (-1 for a key that is not there), the same as
    /// `index(forKey:)` for each: the slot of the key `PrefetchLookahead.slot` places ahead and the
    /// entry of the one `PrefetchLookahead.entry` places ahead are fetched while the current one is
    /// probed, so a walk of one table's keys through another (the diff's) does not wait on
    /// each cache miss in turn.
    public func positions(of keys: some Collection<Key>) -> [Int32] {
        let hashes = keys.map { $0.tableHash(seed) }
        var result = [Int32](repeating: -1, count: hashes.count)
        var key = keys.startIndex
        for i in hashes.indices {
            if i + PrefetchLookahead.slot < hashes.count { prefetch(hash: hashes[i + PrefetchLookahead.slot], entry: false) }
            if i + PrefetchLookahead.entry < hashes.count { prefetch(hash: hashes[i + PrefetchLookahead.entry], entry: true) }
            if case .found(let position, _) = find(keys[key], hashes[i]) { result[i] = Int32(position) }
            key = keys.index(after: key)
        }
        return result
    }

    // MARK: The index

    @usableFromInline
    enum Probe {
        /// The key's position in `values` and the slot that holds it.
        case found(Int, slot: Int)
        /// The empty slot where the key would go.
        case absent(slot: Int)
    }

    @inlinable
    static func fingerprint(_ hash: UInt64) -> UInt64 { hash >> 32 }

    @inlinable
    func find(_ key: Key, _ hash: UInt64) -> Probe {
        let fingerprint = Self.fingerprint(hash)
        return slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else { return .absent(slot: -1) }
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: fingerprint) & mask
            while true {
                let slot = slots[i]
                if slot == 0 { return .absent(slot: i) }
                if slot >> 32 == fingerprint {
                    let position = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                    if keys[position] == key { return .found(position, slot: i) }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Slots for `n` keys: a power of two, at most three quarters full.
    static func slotCount(for n: Int) -> Int {
        var count = 8
        while count - count / 4 < n { count *= 2 }
        return count
    }

    @usableFromInline @discardableResult
    mutating func append(_ key: Key, _ value: Value, hash: UInt64, at slot: Int) -> Int {
        precondition(values.count < Int(UInt32.max) - 1, "KeyedTable is full")
        let position = values.count
        keys.append(key); values.append(value)
        let entry = Self.fingerprint(hash) << 32 | UInt64(position + 1)
        if slot >= 0 && values.count <= slots.count - slots.count / 4 {
            slots[slot] = entry
        } else {
            rebuild(slotCount: Self.slotCount(for: values.count))
            place(entry)
        }
        return position
    }

    /// Puts `entry` in the first empty slot from its home.
    private mutating func place(_ entry: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: entry >> 32) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = entry
    }

    /// A new index of `slotCount` slots holding the old one's entries (the fingerprint gives
    /// each slot's home, so no key is hashed again).
    private mutating func rebuild(slotCount: Int) {
        let old = slots
        slots = ContiguousArray(repeating: 0, count: slotCount)
        for entry in old where entry != 0 { place(entry) }
    }

    /// Removal: the last entry takes the removed one's place in `values`, and the slot
    /// empties with a backward shift (no tombstones: probes stay short).
    private mutating func remove(position: Int, slot: Int) {
        let last = values.count - 1
        if position != last {
            // The slot of the last entry now points at `position`.
            let lastSlot: Int
            switch find(keys[last], keys[last].tableHash(seed)) {
            case .found(_, let s): lastSlot = s
            case .absent: preconditionFailure("KeyedTable lost an entry")
            }
            slots[lastSlot] = slots[lastSlot] & ~0xFFFF_FFFF | UInt64(position + 1)
            keys[position] = keys[last]; values[position] = values[last]
        }
        keys.removeLast(); values.removeLast()
        let mask = slots.count - 1
        var hole = slot
        var j = slot
        while true {
            j = (j + 1) & mask
            let entry = slots[j]
            if entry == 0 { break }
            let home = Int(truncatingIfNeeded: entry >> 32) & mask
            // The entry at j may move back to the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if !stays { slots[hole] = entry; hole = j }
        }
        slots[hole] = 0
    }
}

/// How far ahead of a lookup the slot (`slot`) and then the entry (`entry`) of a later one
/// are fetched: `KeyedTable.positions(of:)` and `Truth.apply(contentsOf:)`.
public enum PrefetchLookahead {
    public static let slot = 8, entry = 4
}

extension KeyedTable: Equatable where Value: Equatable {
    /// Equal entries, whatever the insertion order.
    public static func == (lhs: KeyedTable, rhs: KeyedTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }
}

/// One copy of each distinct text: equal texts (by code points) share one string.
/// Replay and checkpoints intern customer emails this way (a String longer than 15 bytes
/// is a heap allocation of its own; a repeat customer's orders then share one). A
/// `KeyedTable` rather than a `Set<ExactString>`: the set SipHash'ed each email and, at
/// 10M events, took about 3% of replay's samples.
public struct Interner: Sendable {
    private var table = KeyedTable<ExactString, Void>()

    public init() {}

    public var count: Int { table.count }

    /// Fetches the slot, then the entry, of the text with `hash` (see `KeyedTable.prefetch`).
    func prefetch(hash: UInt64, entry: Bool) { table.prefetch(hash: hash, entry: entry) }

    /// The copy of `text` this interner holds, added first if need be.
    public mutating func intern(_ text: String) -> String {
        let key = ExactString(text)
        let (position, _) = table.insertIfAbsent(key) { () }
        return table.keys[position].value
    }
}
