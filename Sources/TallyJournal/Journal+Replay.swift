import TallyCore
import TallySQLite

extension Journal {
    /// Events handed from the reading thread to the replaying one at a time.
    static let replayBatchSize = 4096

    /// Truth by replaying the journal (contract §4), or truth as of `asOf`:
    /// only events with `occurred_at` ≤ `asOf`. Reads the binary replay record, never JSON.
    /// Starts from the newest usable checkpoint (`useCheckpoints`), replaying only the
    /// events after its position: the result is the same as a replay from the first event.
    ///
    /// Two threads: one steps SQLite and decodes each row's `replay` record (on a
    /// read-only connection of its own), the other applies them to `Truth`.
    public func replay(asOf: Timestamp? = nil, useCheckpoints: Bool = true) throws -> Truth {
        let start = useCheckpoints ? try wrap { () throws(SQLiteError) in try usableCheckpoint(asOf: asOf) } : nil
        lastReplayCheckpoint = start?.info
        enum Chunk: Sendable {
            case events([ReplayEvent])
            case end
            case failed(any Error)
        }
        let handoff = Handoff<Chunk>(depth: 4)
        let path = self.path
        let startPosition = start?.info.position
        let asOfMicros = asOf?.microseconds
        handoff.startProducer { handoff in
            do {
                let connection = try Connection(path: path, mode: .readOnly)
                connection.setBusyTimeout(milliseconds: Journal.busyTimeoutMilliseconds)
                try connection.execute("PRAGMA cache_size=-\(Schema.scanCacheKibibytes)")
                var conditions: [String] = []
                if start != nil { conditions.append("occurred_us >= ?1 AND NOT (occurred_us = ?1 AND seq <= ?2)") }
                if asOfMicros != nil { conditions.append("occurred_us <= ?3") }
                let sql = "SELECT seq, id, type, occurred_us, replay FROM events"
                    + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY occurred_us, seq"
                let rows = try connection.prepare(sql)
                if let position = startPosition {
                    rows.bind(position.occurredAt.microseconds, at: 1); rows.bind(position.seq.rawValue, at: 2)
                }
                if let asOfMicros { rows.bind(asOfMicros, at: 3) }
                var batch: [ReplayEvent] = []
                batch.reserveCapacity(Journal.replayBatchSize)
                while try rows.step() {
                    let seq = rows.int64(0)
                    let typeCode = rows.int64(2)
                    let payload = EventType(code: Int(typeCode)).flatMap { type in
                        rows.withRawBytes(4) { bytes in bytes.flatMap { ReplayRecord.decode(type: type, $0) } }
                    }
                    guard let payload else {
                        throw JournalError.notAJournal(path: path, detail: "seq \(seq) has a replay record that does not decode; run `tally verify`")
                    }
                    batch.append(ReplayEvent(seq: Seq(seq), occurredAt: Timestamp(microseconds: rows.int64(3)),
                                             id: EventID(rows.text(1)), payload: payload))
                    if batch.count == Journal.replayBatchSize {
                        guard handoff.put(.events(batch)) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { handoff.put(.events(batch)) }
                handoff.put(.end)
            } catch let error as SQLiteError {
                handoff.put(.failed(JournalError.sqlite(path: path, error)))
            } catch {
                handoff.put(.failed(error))
            }
        }
        defer { handoff.cancelAndWait() }
        var truth = start?.truth ?? Truth()
        // Sized up front when the journal keeps its counts (as of a time, an upper bound).
        if start == nil, let counts = try? typeCounts() {
            truth.reserve(orders: Int(counts[.orderPlaced] ?? 0), fulfillments: Int(counts[.fulfillmentCreated] ?? 0),
                          refunds: Int(counts[.orderRefunded] ?? 0))
        }
        while true {
            switch handoff.take() {
            case .events(let events):
                for event in events { truth.apply(event) }
            case .end:
                return truth
            case .failed(let error):
                throw error
            }
        }
    }
}
