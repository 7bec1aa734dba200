import TallyCore
import TallySQLite

/// Events by type, kept in `journal_meta` as they are appended (`count.CODE`), so that a
/// replay can size its tables up front without a scan. `type_counts` = `complete` says
/// the counts cover the whole journal; a journal written before they existed gets them
/// from one scan the first time it is opened for writing.
extension Journal {
    func addTypeCounts(_ byType: [Int]) throws(SQLiteError) {
        let add = try cached("""
            INSERT INTO journal_meta (key, value) VALUES (?, ?)
            ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)
            """)
        defer { add.reset() }
        for (code, n) in byType.enumerated() where n > 0 {
            add.reset()
            add.bind("count.\(code)", at: 1); add.bind(String(n), at: 2)
            try add.step()
        }
    }

    /// Counts the events of a journal written before the counts were kept (once, at open for writing).
    func completeTypeCounts() throws(JournalError) {
        try wrap { () throws(SQLiteError) in
            guard try connection.scalar("SELECT value FROM journal_meta WHERE key = 'type_counts'") == nil else { return }
            try connection.transaction { () throws(SQLiteError) in
                if try connection.scalar("SELECT value FROM journal_meta WHERE key = 'type_counts'") == nil {
                    try connection.execute("DELETE FROM journal_meta WHERE key LIKE 'count.%'")
                    try connection.execute("""
                        INSERT INTO journal_meta (key, value) SELECT 'count.' || type, CAST(count(*) AS TEXT) FROM events GROUP BY type;
                        INSERT INTO journal_meta (key, value) VALUES ('type_counts', 'complete');
                        """)
                }
            }
        }
    }

    /// Events by type, when the journal keeps complete counts (nil otherwise).
    public func typeCounts() throws(JournalError) -> [EventType: Int64]? {
        try wrap { () throws(SQLiteError) -> [EventType: Int64]? in
            guard try connection.scalar("SELECT value FROM journal_meta WHERE key = 'type_counts'") == .text("complete") else { return nil }
            let s = try connection.prepare("SELECT key, value FROM journal_meta WHERE key LIKE 'count.%'")
            var out: [EventType: Int64] = [:]
            while try s.step() {
                if let code = Int(s.text(0).dropFirst(6)), let type = EventType(code: code) { out[type] = Int64(s.text(1)) ?? 0 }
            }
            return out
        }
    }
}
