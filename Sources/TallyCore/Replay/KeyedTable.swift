/// A table of values by key, stored as a dense array with a key → position index.
///
/// Truth's orders, fulfillments and refunds live here rather than in a `Dictionary`
/// of the values: a dictionary holds every value in each of its buckets (a third to a
/// half of them empty), so at 400,000 orders (2^20 buckets of 160 bytes) the orders
/// alone took 168 MB; here the values take their own size once and the index 20 bytes
/// a bucket (about 85 MB). Iteration follows insertion order (deterministic).
public struct KeyedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable, Sequence {
    private var positions: [Key: Int32] = [:]
    public private(set) var keys: ContiguousArray<Key> = []
    /// The values, in insertion order (mutable in place by position inside the core).
    public internal(set) var values: ContiguousArray<Value> = []

    public init() {}

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    public mutating func reserveCapacity(_ n: Int) {
        positions.reserveCapacity(n)
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    /// The position of `key` in `values`.
    public func index(forKey key: Key) -> Int? { positions[key].map(Int.init) }

    /// Changes the value of `key` in place (no copy of it); false when there is none.
    @discardableResult
    public mutating func update(_ key: Key, _ body: (inout Value) -> Void) -> Bool {
        guard let position = positions[key] else { return false }
        body(&values[Int(position)])
        return true
    }

    /// Adds `key` with the value `make()` unless it is there: one hash probe for both the
    /// check and the insert. Returns the position of the key's value and whether it was added.
    @discardableResult
    public mutating func insertIfAbsent(_ key: Key, _ make: () -> Value) -> (position: Int, inserted: Bool) {
        let next = Int32(values.count)
        var position = next
        // A subscript with a default inserts the default on a miss, in the same probe.
        Self.read(&positions[key, default: next], into: &position)
        guard position == next else { return (Int(position), false) }
        precondition(values.count < Int(Int32.max), "KeyedTable is full")
        keys.append(key); values.append(make())
        return (Int(position), true)
    }

    private static func read(_ slot: inout Int32, into position: inout Int32) { position = slot }

    public subscript(key: Key) -> Value? {
        get { positions[key].map { values[Int($0)] } }
        set {
            if let position = positions[key] {
                if let newValue { values[Int(position)] = newValue; return }
                // Removal: the last entry takes the removed one's place.
                let i = Int(position)
                let last = values.count - 1
                if i != last {
                    keys[i] = keys[last]; values[i] = values[last]
                    positions[keys[i]] = Int32(i)
                }
                keys.removeLast(); values.removeLast()
                positions[key] = nil
            } else if let newValue {
                precondition(values.count < Int(Int32.max), "KeyedTable is full")
                positions[key] = Int32(values.count)
                keys.append(key); values.append(newValue)
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
}

extension KeyedTable: Equatable where Value: Equatable {
    /// Equal entries, whatever the insertion order.
    public static func == (lhs: KeyedTable, rhs: KeyedTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }
}
