import TallyCore
import TallyDigest
import TallySQLite

/// One input line on its way into the journal: a valid event, or a rejection.
public enum AppendItem: Sendable {
    case event(Event, raw: [UInt8], input: String, line: Int)
    case rejected(Rejection, raw: [UInt8], rawBytes: Int)
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
            try connection.execute("BEGIN IMMEDIATE")
            do throws(SQLiteError) {
                let outcomes = try appendInTransaction(items)
                try connection.execute("COMMIT")
                return outcomes
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private func appendInTransaction(_ items: [AppendItem]) throws(SQLiteError) -> [AppendOutcome] {
        let headStatement = try cached("SELECT seq, hash, recorded_us FROM events ORDER BY seq DESC LIMIT 1")
        defer { headStatement.reset() }
        var seq: Int64 = 0
        var previousHash: [UInt8] = []
        var recordedUs = clock.now().microseconds
        if try headStatement.step() {
            seq = headStatement.int64(0)
            previousHash = headStatement.blob(1)
            // recorded_at never goes backwards, even if the wall clock does.
            recordedUs = max(recordedUs, headStatement.int64(2))
        }
        let find = try cached("SELECT seq, id, type, occurred_us, source, data FROM events WHERE id_key = ?")
        defer { find.reset() }
        let insert = try cached(Schema.insertEvent)
        let quarantine = try cached(
            "INSERT INTO quarantine (received_us, input, line, event_id, reason, raw, raw_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)")
        func keep(_ rejection: Rejection, raw: [UInt8], rawBytes: Int) throws(SQLiteError) {
            quarantine.reset()
            quarantine.bind(recordedUs, at: 1); quarantine.bind(rejection.input, at: 2)
            quarantine.bind(Int64(rejection.line), at: 3); quarantine.bind(rejection.eventID, at: 4)
            quarantine.bind(rejection.message, at: 5); quarantine.bind(blob: raw, at: 6); quarantine.bind(Int64(rawBytes), at: 7)
            try quarantine.step()
        }

        var outcomes: [AppendOutcome] = []
        outcomes.reserveCapacity(items.count)
        var appendedAny = false
        var material = HashMaterial()
        for item in items {
            switch item {
            case .rejected(let rejection, let raw, let rawBytes):
                try keep(rejection, raw: raw, rawBytes: rawBytes)
                outcomes.append(.rejected(rejection))
            case .event(let event, let raw, let input, let line):
                let record = EventRecord(event)
                if let existing = try findExisting(record, using: find) {
                    if existing.sameContent {
                        outcomes.append(.duplicate(Seq(existing.seq)))
                    } else {
                        let rejection = Rejection(
                            input: input, line: line, eventID: record.id,
                            message: "\(input):\(line): \(event.type.rawValue): conflict: id \(CanonicalJSON.quoted(record.id)) is already in the journal at seq \(existing.seq) with different content; the first is kept")
                        try keep(rejection, raw: raw, rawBytes: raw.count)
                        outcomes.append(.rejected(rejection))
                    }
                    continue
                }
                seq += 1
                record.writeHashMaterial(seq: seq, recordedUs: recordedUs, into: &material)
                let hash = hasher.digest(previousHash, material.bytes)
                insert.reset()
                insert.bind(seq, at: 1)
                insert.bind(recordedUs, at: 2)
                record.bind(to: insert, first: 3)
                insert.bind(blob: hash, at: Int32(EventRecord.columns.count + 3))
                try insert.step()
                if seq % Schema.anchorInterval == 0 {
                    let anchor = try cached("INSERT INTO anchors (seq, hash) VALUES (?, ?)")
                    anchor.reset()
                    anchor.bind(seq, at: 1); anchor.bind(blob: hash, at: 2)
                    try anchor.step()
                }
                previousHash = hash
                appendedAny = true
                outcomes.append(.appended(Seq(seq)))
            }
        }
        if appendedAny {
            // The head, so that verify notices a removed tail.
            let meta = try cached("INSERT OR REPLACE INTO journal_meta (key, value) VALUES ('head_seq', ?), ('head_hash', ?)")
            meta.reset()
            meta.bind(String(seq), at: 1); meta.bind(SHA256Hasher.hex(previousHash), at: 2); try meta.step()
        }
        return outcomes
    }

    private func findExisting(_ record: EventRecord, using find: Statement) throws(SQLiteError) -> (seq: Int64, sameContent: Bool)? {
        find.reset()
        find.bind(idKey(record.id), at: 1)
        while try find.step() {
            guard find.text(1) == record.id else { continue }
            let same = find.int64(2) == record.type && find.int64(3) == record.occurredUs
                && find.text(4) == record.source && find.text(5) == record.data
            return (find.int64(0), same)
        }
        return nil
    }
}
