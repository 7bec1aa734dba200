import TallyCore
import TallySQLite

extension Journal {
    /// Calls `body` with every event in event-time order (ascending `occurred_at`,
    /// ties by seq), reading typed columns, never JSON. A row whose columns do not
    /// form a payload (a tampered journal) is an error naming its seq.
    public func forEachEventInTimeOrder(_ body: (JournaledEvent) throws -> Void) throws {
        let rows = try wrap { () throws(SQLiteError) in
            try connection.prepare("SELECT \(EventRecord.selectList) FROM events ORDER BY occurred_us, seq")
        }
        while try wrap({ () throws(SQLiteError) in try rows.step() }) {
            let record = EventRecord(row: rows)
            guard let event = record.event() else {
                throw JournalError.notAJournal(path: path, detail: "seq \(rows.int64(0)) has columns that do not form a \(record.type) event; run `tally verify`")
            }
            try body(JournaledEvent(seq: Seq(rows.int64(0)), recordedAt: Timestamp(microseconds: rows.int64(1)), event: event))
        }
    }

    /// Every event, in seq order (tests and exports).
    public func allEvents() throws -> [JournaledEvent] {
        var result: [JournaledEvent] = []
        let rows = try wrap { () throws(SQLiteError) in try connection.prepare("SELECT \(EventRecord.selectList) FROM events ORDER BY seq") }
        while try wrap({ () throws(SQLiteError) in try rows.step() }) {
            guard let event = EventRecord(row: rows).event() else { continue }
            result.append(JournaledEvent(seq: Seq(rows.int64(0)), recordedAt: Timestamp(microseconds: rows.int64(1)), event: event))
        }
        return result
    }

    /// Runs raw SQL against the journal file: only for tests that tamper with it on purpose.
    public func unsafeExecuteForTesting(_ sql: String) throws {
        try wrap { () throws(SQLiteError) in try connection.execute(sql) }
    }
}
