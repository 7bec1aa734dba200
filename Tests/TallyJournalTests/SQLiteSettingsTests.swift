import Foundation
import Testing
import TallyCore
@testable import TallyJournal
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
        let outcomes = try journal.append([.event(PreparedEvent(event), raw: Array(line.utf8), input: "t", line: 1)])
        #expect(outcomes == [.appended(Seq(1))])
        #expect(Connection.libraryMemoryUsed == 0)
    }
}

@Suite("Batched appends checkpoint from a second connection")
struct BackgroundCheckpointTests {
    @Test("the events land in the main file (not only the WAL) by the end of the run, verify passes, and the writer's own checkpoints come back")
    func checkpointsElsewhere() throws {
        let dir = TempDirectory("background-checkpoints"); defer { dir.remove() }
        let path = dir.file("t.journal")
        let journal = try Journal.create(at: path)
        var history = SyntheticHistory(seed: 11, skuCount: 30)
        let text = (0..<6000).map { _ in history.next() }.joined(separator: "\n")
        func fileBytes(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p)[.size]) as? Int) ?? 0 }
        let before = fileBytes(path)
        let summary = try append(journal, text, batchSize: 500)
        #expect(summary.appended == 6000)
        // The WAL is far below the size at which the writer would checkpoint by itself, so only
        // the second connection can have copied the events into the main file.
        #expect(journal.walBytes < Journal.walWorkingBytes)
        #expect(fileBytes(path) > before + 1_000_000, "main file \(fileBytes(path)) bytes, \(before) before")
        #expect(try journal.verify().isIntact)
        // The writer's automatic checkpoints are back once the run is over.
        #expect(try journal.connection.scalar("PRAGMA wal_autocheckpoint") == .integer(Int64(Schema.walAutocheckpointPages)))
        #expect(try Journal.open(at: path, readOnly: true).head().seq == 6000)
    }
}
