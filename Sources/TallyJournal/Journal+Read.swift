import TallyCore
import TallySQLite

extension Journal {
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
