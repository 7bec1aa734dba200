import TallyCore
import TallyDigest
import TallySQLite

/// One input line on its way into the journal: a valid event, or a rejection.
public enum AppendItem: Sendable {
    /// `raw` is the input's text (empty for an event Tally derived: its canonical line stands in).
    case event(PreparedEvent, raw: [UInt8], input: String, line: Int)
    case rejected(Rejection, raw: [UInt8], rawBytes: Int)
}

extension AppendItem {
    /// A JSON value (an array element of a request, a mapped webhook) as an item: validated
    /// from the value, with its compact JSON text as the raw input.
    public static func decoding(_ value: JSONValue, input: String, line: Int) -> AppendItem {
        let raw = Array(JSONWriter.encode(value, pretty: false).utf8)
        switch EventDecoder.decode(value, input: input, line: line) {
        case .success(let event): return .event(PreparedEvent(event), raw: raw, input: input, line: line)
        case .failure(let rejection): return .rejected(rejection, raw: raw, rawBytes: raw.count)
        }
    }
}

/// What happened to one item.
public enum AppendOutcome: Sendable, Equatable {
    case appended(Seq)
    /// Same id and same content as the event at that seq: not appended again.
    case duplicate(Seq)
    /// Kept in the quarantine, never appended.
    case rejected(Rejection)
}

extension Journal {
    /// Appends a batch in one durable transaction: valid events get the next
    /// seqs and extend the hash chain; duplicates are counted; conflicts and
    /// invalid lines go to the quarantine. Either the whole batch lands or none of it.
    public func append(_ items: [AppendItem]) throws(JournalError) -> [AppendOutcome] {
        try wrap { () throws(SQLiteError) in
            try connection.transaction { () throws(SQLiteError) in try appendInTransaction(items) }
        }
    }

    /// Appends, in one durable transaction, the parts `next` hands over until it returns nil:
    /// the same as `append` of all of them at once, without holding them all at once.
    /// `outcomes` gets each part's outcomes. If `next` throws, nothing of the transaction lands.
    func append(parts next: () throws -> [AppendItem]?, outcomes: ([AppendOutcome]) -> Void) throws {
        var failure: (any Error)?
        do {
            try wrap { () throws(SQLiteError) in
                try connection.transaction { () throws(SQLiteError) in
                    var cursor = try chainCursor()
                    while true {
                        let part: [AppendItem]?
                        do { part = try next() } catch {
                            failure = error
                            throw SQLiteError(extendedCode: 4 /* SQLITE_ABORT */, message: "input failed", sql: nil)  // rolls back
                        }
                        guard let part else { break }
                        outcomes(try appendItems(part, cursor: &cursor))
                    }
                    try finishChain(cursor)
                }
            }
        } catch {
            throw failure ?? error
        }
    }

    /// The chain's head as the transaction found it, then as it grows.
    struct ChainCursor {
        var seq: Int64 = 0
        var previousHash: [UInt8] = []
        var recordedUs: Int64
        var appendedAny = false
        /// The largest `id_key` in the journal (nil: none). An event whose key is larger
        /// cannot have its id there yet: it is appended without the idempotency probe.
        /// Time-ordered ids under one prefix (`orderedIDKey`) all take this path.
        var maxIDKey: Int64?
        /// Events appended in this transaction, by type code.
        var appendedByType = [Int](repeating: 0, count: EventType.allCases.count + 1)
    }

    /// Reads the head inside a write transaction.
    func chainCursor() throws(SQLiteError) -> ChainCursor {
        let headStatement = try cached("SELECT seq, hash, recorded_us FROM events ORDER BY seq DESC LIMIT 1")
        defer { headStatement.reset() }
        var cursor = ChainCursor(recordedUs: clock.now().microseconds)
        if try headStatement.step() {
            cursor.seq = headStatement.int64(0)
            cursor.previousHash = headStatement.blob(1)
            // recorded_at never goes backwards, even if the wall clock does.
            cursor.recordedUs = max(cursor.recordedUs, headStatement.int64(2))
        }
        // One seek of the id_key index (inside the write transaction: no other writer moves it).
        let maxKey = try cached("SELECT max(id_key) FROM events")
        defer { maxKey.reset() }
        if try maxKey.step(), !maxKey.isNull(0) { cursor.maxIDKey = maxKey.int64(0) }
        return cursor
    }

    /// Records the new head, so that verify notices a removed tail.
    func finishChain(_ cursor: ChainCursor) throws(SQLiteError) {
        guard cursor.appendedAny else { return }
        let meta = try cached("INSERT OR REPLACE INTO journal_meta (key, value) VALUES ('head_seq', ?), ('head_hash', ?)")
        defer { meta.reset() }
        meta.bind(String(cursor.seq), at: 1); meta.bind(SHA256Hasher.hex(cursor.previousHash), at: 2); try meta.step()
        try addTypeCounts(cursor.appendedByType)
    }

    private func appendInTransaction(_ items: [AppendItem]) throws(SQLiteError) -> [AppendOutcome] {
        var cursor = try chainCursor()
        let outcomes = try appendItems(items, cursor: &cursor)
        try finishChain(cursor)
        return outcomes
    }

    /// Keeps a rejected input in the quarantine.
    func quarantine(_ rejection: Rejection, raw: [UInt8], rawBytes: Int, receivedUs: Int64) throws(SQLiteError) {
        let quarantine = try cached(
            "INSERT INTO quarantine (received_us, input, line, event_id, reason, raw, raw_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)")
        defer { quarantine.reset() }
        quarantine.bind(receivedUs, at: 1); quarantine.bind(rejection.input, at: 2)
        quarantine.bind(Int64(rejection.line), at: 3); quarantine.bind(rejection.eventID, at: 4)
        quarantine.bind(rejection.message, at: 5); quarantine.bind(blob: raw, at: 6); quarantine.bind(Int64(rawBytes), at: 7)
        try quarantine.step()
    }

    /// Appends items after `cursor` inside the caller's transaction.
    func appendItems(_ items: [AppendItem], cursor: inout ChainCursor) throws(SQLiteError) -> [AppendOutcome] {
        let find = try cached("SELECT seq, id, type, occurred_us, source, data FROM events WHERE id_key = ?")
        defer { find.reset() }
        let insert = try cached(Schema.insertEvent)
        defer { insert.reset() }
        var outcomes: [AppendOutcome] = []
        outcomes.reserveCapacity(items.count)
        var material = HashMaterial()
        for item in items {
            switch item {
            case .rejected(let rejection, let raw, let rawBytes):
                try quarantine(rejection, raw: raw, rawBytes: rawBytes, receivedUs: cursor.recordedUs)
                outcomes.append(.rejected(rejection))
            case .event(let prepared, let raw, let input, let line):
                let event = prepared.event
                let idKey = idKeyScheme.key(event.id.rawValue)
                let unseen = cursor.maxIDKey.map { idKey > $0 } ?? true
                if !unseen, let existing = try findExisting(event, idKey: idKey, using: find) {
                    if existing.sameContent {
                        outcomes.append(.duplicate(Seq(existing.seq)))
                    } else {
                        let rejection = Rejection(
                            input: input, line: line, eventID: event.id.rawValue,
                            message: "\(input):\(line): \(event.type.rawValue): conflict: id \(CanonicalJSON.quoted(event.id.rawValue)) is already in the journal at seq \(existing.seq) with different content; the first is kept")
                        let kept = raw.isEmpty ? Array(event.canonicalLine.utf8) : raw
                        try quarantine(rejection, raw: kept, rawBytes: kept.count, receivedUs: cursor.recordedUs)
                        outcomes.append(.rejected(rejection))
                    }
                    continue
                }
                cursor.seq += 1
                let seq = cursor.seq
                // The material is seq and recorded_us, then the prepared columns' material.
                material.start(seq: seq, recordedUs: cursor.recordedUs)
                let hash = hasher.digest(cursor.previousHash, material.bytes, prepared.columns)
                insert.reset()
                insert.bind(seq, at: 1)
                insert.bind(cursor.recordedUs, at: 2)
                insert.bind(blob: hash, at: Int32(EventRecord.columns.count + 3))
                if let error = prepared.insert(using: insert, first: 3, idKey: idKey) { throw error }
                if seq % Schema.anchorInterval == 0 {
                    let anchor = try cached("INSERT INTO anchors (seq, hash) VALUES (?, ?)")
                    defer { anchor.reset() }
                    anchor.bind(seq, at: 1); anchor.bind(blob: hash, at: 2)
                    try anchor.step()
                }
                cursor.previousHash = hash
                cursor.appendedAny = true
                cursor.maxIDKey = max(cursor.maxIDKey ?? idKey, idKey)
                let type = Int(prepared.typeCode)
                if type >= 0 && type < cursor.appendedByType.count { cursor.appendedByType[type] += 1 }
                outcomes.append(.appended(Seq(seq)))
            }
        }
        return outcomes
    }

    private func findExisting(_ event: Event, idKey: Int64, using find: Statement) throws(SQLiteError) -> (seq: Int64, sameContent: Bool)? {
        find.reset()
        find.bind(idKey, at: 1)
        while try find.step() {
            // Strings by code points (contract §2), not by Swift's canonical equivalence.
            guard sameCodePoints(find.text(1), event.id.rawValue) else { continue }
            let same = find.int64(2) == Int64(event.type.code) && find.int64(3) == event.occurredAt.microseconds
                && sameCodePoints(find.text(4), event.source) && sameCodePoints(find.text(5), event.canonicalData)
            return (find.int64(0), same)
        }
        return nil
    }
}
