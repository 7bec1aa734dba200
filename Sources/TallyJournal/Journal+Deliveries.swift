import TallyCore
import TallySQLite

/// What became of a webhook delivery.
public enum DeliveryResult: String, Sendable, Equatable {
    /// Mapped to events (each appended, a duplicate, or rejected).
    case mapped
    /// Could not be mapped: its body is in the quarantine too.
    case quarantined
    /// A topic that is kept as raw evidence only (no event).
    case kept
}

/// One webhook delivery, kept with its raw body.
public struct Delivery: Sendable, Equatable {
    /// "shopify" or "woocommerce".
    public var source: String
    /// What the platform's retries share (Shopify's webhook id; for WooCommerce more than its delivery id).
    public var key: String
    public var topic: String
    /// The platform's headers that were kept, as a JSON object.
    public var headers: String
    public var body: [UInt8]
    public var result: DeliveryResult
    public var message: String?
    public init(source: String, key: String, topic: String, headers: String, body: [UInt8], result: DeliveryResult, message: String? = nil) {
        self.source = source; self.key = key; self.topic = topic; self.headers = headers
        self.body = body; self.result = result; self.message = message
    }
}

/// One request of a group commit: an optional delivery to record, and the items it carries.
public struct GroupRequest: Sendable {
    public var delivery: Delivery?
    public var items: [AppendItem]
    public init(delivery: Delivery? = nil, items: [AppendItem]) { self.delivery = delivery; self.items = items }
}

/// What happened to one request of a group.
public enum GroupOutcome: Sendable, Equatable {
    case appended([AppendOutcome])
    /// The delivery was already recorded and mapped or kept (a platform retry): nothing was
    /// appended again. A retry of a quarantined delivery is mapped again instead.
    case duplicateDelivery(firstReceivedUs: Int64, firstResult: String)
}

/// A recorded delivery as read back.
public struct StoredDelivery: Sendable, Equatable {
    public var id: Int64
    public var source: String
    public var key: String
    public var topic: String
    public var receivedUs: Int64
    public var headers: String
    public var body: [UInt8]
    public var result: String
    public var message: String?
}

extension Journal {
    /// Group commit: appends every request in one durable transaction (one fsync for all),
    /// in order, as if each had been appended alone. Either all of them land or none does.
    public func appendGroup(_ requests: [GroupRequest]) throws(JournalError) -> [GroupOutcome] {
        try wrap { () throws(SQLiteError) in
            try connection.transaction { () throws(SQLiteError) in
                var cursor = try chainCursor()
                var outcomes: [GroupOutcome] = []
                outcomes.reserveCapacity(requests.count)
                for request in requests {
                    if let delivery = request.delivery, let first = try recordedDelivery(source: delivery.source, key: delivery.key) {
                        outcomes.append(.duplicateDelivery(firstReceivedUs: first.receivedUs, firstResult: first.result))
                        continue
                    }
                    outcomes.append(.appended(try appendItems(request.items, cursor: &cursor)))
                    if let delivery = request.delivery { try record(delivery, receivedUs: cursor.recordedUs) }
                }
                try finishChain(cursor)
                return outcomes
            }
        }
    }

    private func recordedDelivery(source: String, key: String) throws(SQLiteError) -> (receivedUs: Int64, result: String)? {
        guard try hasTable("deliveries") else { return nil }
        let s = try cached("SELECT received_us, result FROM deliveries WHERE source = ? AND delivery_key = ? AND result <> 'quarantined' ORDER BY did LIMIT 1")
        defer { s.reset() }
        s.bind(source, at: 1); s.bind(key, at: 2)
        guard try s.step() else { return nil }
        return (s.int64(0), s.text(1))
    }

    private func record(_ delivery: Delivery, receivedUs: Int64) throws(SQLiteError) {
        let s = try cached("""
            INSERT INTO deliveries (source, delivery_key, topic, received_us, headers, body, result, message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        s.bind(delivery.source, at: 1); s.bind(delivery.key, at: 2); s.bind(delivery.topic, at: 3)
        s.bind(receivedUs, at: 4); s.bind(delivery.headers, at: 5); s.bind(blob: delivery.body, at: 6)
        s.bind(delivery.result.rawValue, at: 7); s.bind(delivery.message, at: 8)
        try s.step()
    }

    /// Recorded deliveries, oldest first (`source` and `result` nil for all).
    public func deliveries(source: String? = nil, result: String? = nil, limit: Int = 1_000) throws(JournalError) -> [StoredDelivery] {
        try wrap { () throws(SQLiteError) in
            guard try hasTable("deliveries") else { return [] }
            let s = try connection.prepare("""
                SELECT did, source, delivery_key, topic, received_us, headers, body, result, message FROM deliveries
                WHERE (?1 IS NULL OR source = ?1) AND (?3 IS NULL OR result = ?3) ORDER BY did LIMIT ?2
                """)
            s.bind(source, at: 1); s.bind(Int64(limit), at: 2); s.bind(result, at: 3)
            var out: [StoredDelivery] = []
            while try s.step() {
                out.append(StoredDelivery(
                    id: s.int64(0), source: s.text(1), key: s.text(2), topic: s.text(3), receivedUs: s.int64(4),
                    headers: s.text(5), body: s.blob(6), result: s.text(7), message: s.isNull(8) ? nil : s.text(8)))
            }
            return out
        }
    }
}
