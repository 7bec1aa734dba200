/// A run of events on its way from replay's reading thread to the applying one, in storage
/// that is used again for the next run (see `Truth.apply(emptying:)`).
///
/// Why not an `[ReplayEvent]`: handed to the other thread, an array is shared, so the reader
/// got a new buffer for every run (and the kernel new pages for it), and the applier copied
/// each event out of it (retaining its strings and arrays) and then released them all again
/// when it dropped the array. Here each event is moved in once and moved out once.
///
/// Owned by one thread at a time: the reader fills it, hands it over, and gets it back empty.
/// So the mutable properties opt out of the runtime's exclusivity checks (a class's stored
/// `var` is checked on every access otherwise: 2.5% of a 10M-event reconcile's samples).
public final class ReplayBatch: @unchecked Sendable {
    public let capacity: Int
    /// The events, initialized from 0 up to `count`.
    let events: UnsafeMutablePointer<ReplayEvent>
    @exclusivity(unchecked) public private(set) var count = 0
    /// For each event, the end (exclusive, in `stockHashes`) of the `TableHash` values of the
    /// (SKU, location) keys its lines take units from: an order placement's, none for others.
    /// Computed where the batch is filled, so the applier fetches those entries ahead without
    /// reading the lines (or hashing them) itself.
    let stockEnds: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) var stockHashes: [UInt64] = []

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        events = .allocate(capacity: capacity)
        stockEnds = .allocate(capacity: capacity)
    }

    deinit {
        events.deinitialize(count: count)
        events.deallocate()
        stockEnds.deallocate()
    }

    public var isFull: Bool { count == capacity }
    public var isEmpty: Bool { count == 0 }

    /// Adds an event (its lookup hashes as they are). The batch must not be full.
    public func append(_ event: consuming ReplayEvent) {
        precondition(count < capacity, "ReplayBatch is full")
        (events + count).initialize(to: event)
        if case .orderPlaced(let p) = events[count].payload {
            let seed = TableHash.seed
            for line in p.lines { stockHashes.append(StockKey(line.sku, p.location).tableHash(seed)) }
        }
        stockEnds[count] = Int32(stockHashes.count)
        count += 1
    }

    /// The stock hashes of the event at `i`.
    func stockHashes(of i: Int) -> Range<Int> {
        (i == 0 ? 0 : Int(stockEnds[i - 1]))..<Int(stockEnds[i])
    }

    /// Moves the event at `i` out; `i` must be below `count`, and moved once. `markEmpty`
    /// must follow once every event is moved out.
    func take(_ i: Int) -> ReplayEvent { (events + i).move() }

    /// Forgets the events after `take` moved every one out: the storage is ready for the next run.
    func markEmpty() {
        count = 0
        stockHashes.removeAll(keepingCapacity: true)
    }
}
