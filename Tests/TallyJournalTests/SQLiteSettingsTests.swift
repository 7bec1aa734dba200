import Testing
import TallyCore
import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("SQLite library settings")
struct SQLiteSettingsTests {
    @Test("memory statistics are off (they take a global mutex on every SQLite allocation): SQLite counts 0 bytes after a journal is created and appended to")
    func memoryStatisticsOff() throws {
        let dir = TempDirectory("sqlite-settings"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        let line = #"{"id":"p1","type":"price.changed","occurred_at":"2026-11-20T10:15:00Z","data":{"sku":"A","price":100,"currency":"EUR"}}"#
        guard case .success(let event) = EventDecoder.decode(line) else { Issue.record("fixture line invalid"); return }
        let outcomes = try journal.append([.event(event, raw: Array(line.utf8), input: "t", line: 1)])
        #expect(outcomes == [.appended(Seq(1))])
        #expect(Connection.libraryMemoryUsed == 0)
    }
}
