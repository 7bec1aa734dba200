import Foundation
import Testing
import TallyCore
import TallyJournal
@testable import TallySQLite
import TallyTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("The index warmer finds a B-tree's leaf pages in key order, as SQLite's own dbstat lists them")
struct IndexWarmerTests {
    let dir = TempDirectory("index-warmer")

    /// dbstat's leaf pages of `name`, in tree order (its `path` column: "/000/01a/..." sorts so).
    func dbstatLeaves(_ connection: Connection, _ name: String) throws -> [UInt32] {
        let rows = try connection.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path")
        rows.bind(name, at: 1)
        var pages: [UInt32] = []
        while try rows.step() { pages.append(UInt32(rows.int64(0))) }
        return pages
    }

    func depth(_ connection: Connection, _ name: String) throws -> Int {
        let rows = try connection.prepare("SELECT max(length(path) - length(replace(path, '/', ''))) FROM dbstat WHERE name = ? AND pagetype = 'leaf'")
        rows.bind(name, at: 1)
        _ = try rows.step()
        return Int(rows.int64(0))
    }

    func rootPage(_ connection: Connection, _ name: String) throws -> Int64 {
        let rows = try connection.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?")
        rows.bind(name, at: 1)
        _ = try rows.step()
        return rows.int64(0)
    }

    func leaves(_ path: String, root: Int64) throws -> [UInt32] {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        return try BTreeFile(fd: fd).leafPages(root: root, stopping: { false })
    }

    /// A file with a table and an index on random 60-character keys inserted in random order,
    /// so the index's pages are not in key order in the file.
    func makeFile(rows: Int) throws -> String {
        let path = dir.file("keys-\(rows).db")
        let connection = try Connection(path: path, mode: .readWriteCreate)
        try connection.execute("CREATE TABLE t (k TEXT NOT NULL, v TEXT); CREATE INDEX t_k ON t (k); BEGIN;")
        let insert = try connection.prepare("INSERT INTO t (k, v) VALUES (?, ?)")
        var random = SeededRandom(seed: 7)
        for i in 0..<rows {
            insert.reset()
            insert.bind(String(repeating: "k", count: 44) + String(random.next(), radix: 16), at: 1)
            insert.bind("value \(i)", at: 2)
            try insert.step()
        }
        try connection.execute("COMMIT")
        return path
    }

    @Test("a three-level index and its table: the leaves, in key order, are dbstat's")
    func multiLevel() throws {
        let path = try makeFile(rows: 60_000)
        let connection = try Connection(path: path, mode: .readOnly)
        #expect(try depth(connection, "t_k") >= 3)
        let expected = try dbstatLeaves(connection, "t_k")
        #expect(expected.count > 300)
        #expect(try leaves(path, root: rootPage(connection, "t_k")) == expected)
        #expect(try leaves(path, root: rootPage(connection, "t")) == dbstatLeaves(connection, "t"))
        // sqlite_master: a tree whose root is page 1 (its header after the file's 100 bytes) and a leaf.
        #expect(try leaves(path, root: 1) == [1])
    }

    @Test("the journal's replay index: every leaf is asked for, from a fraction on, within a budget")
    func journalReplayIndex() throws {
        let path = dir.file("warm.journal")
        let journal = try Journal.create(at: path)
        var history = SyntheticHistory(seed: 11, skuCount: 500, idStyle: .sequential)
        let lines = (0..<20_000).map { _ in history.next() }
        try append(journal, lines.joined(separator: "\n"), batchSize: 5_000)
        journal.checkpoint()
        let connection = try Connection(path: path, mode: .readOnly)
        let root = try rootPage(connection, "events_replay")
        let expected = try dbstatLeaves(connection, "events_replay")
        #expect(expected.count > 50)
        #expect(try leaves(path, root: root) == expected)

        let n = expected.count
        #expect(IndexWarmer(path: path, rootPage: root, checkCache: false).wait() == .advised(pages: n, leaves: n))
        #expect(IndexWarmer(path: path, rootPage: root, fromFraction: 0.5, checkCache: false).wait() == .advised(pages: n - n / 2, leaves: n))
        #expect(IndexWarmer(path: path, rootPage: root, budgetBytes: 3 * 4096, checkCache: false).wait() == .advised(pages: 3, leaves: n))
        // Just written, the file is in the page cache: nothing to do.
        #expect(IndexWarmer(path: path, rootPage: root).wait() == .alreadyCached(leaves: n))
        // Replay gives the same truth whatever the warmer does (it only reads ahead).
        let warmer = IndexWarmer(path: path, rootPage: root, checkCache: false)
        let replayed = try journal.replay(useCheckpoints: false)
        _ = warmer.stop()
        #expect(replayed.applied == 20_000)
    }

    @Test("a file it cannot walk: it gives up and says why, without throwing")
    func givesUp() throws {
        let notSQLite = dir.file("not.db")
        #expect(FileManager.default.createFile(atPath: notSQLite, contents: Data(repeating: 0x41, count: 8192)))
        #expect(IndexWarmer(path: notSQLite, rootPage: 2).wait() == .gaveUp("not an SQLite database file"))
        #expect(IndexWarmer(path: dir.file("missing.db"), rootPage: 2).wait() != .running)
        let path = try makeFile(rows: 100)
        #expect(IndexWarmer(path: path, rootPage: 1_000_000).wait() == .gaveUp("root page 1000000 is outside the file"))
        // A root that is not a B-tree page: the table's root page with its type byte zeroed.
        let root = try rootPage(Connection(path: path, mode: .readOnly), "t")
        let fd = open(path, O_WRONLY)
        var zero: UInt8 = 0
        #expect(pwrite(fd, &zero, 1, off_t((root - 1) * 4096)) == 1)
        close(fd)
        #expect(IndexWarmer(path: path, rootPage: root, checkCache: false).wait() == .gaveUp("page \(root) is not a B-tree page (type 0)"))
        // stop() twice, after it finished: the same answer both times.
        let warmer = IndexWarmer(path: path, rootPage: 2, checkCache: false)
        #expect(warmer.stop() == warmer.stop())
    }

    @Test("damaged interior pages (random bytes overwritten, 300 times): it gives up or reads ahead other pages, never traps or hangs")
    func damagedInteriorPages() throws {
        let path = try makeFile(rows: 20_000)
        let connection = try Connection(path: path, mode: .readOnly)
        let root = try rootPage(connection, "t_k")
        let interior = try connection.prepare("SELECT pageno FROM dbstat WHERE name = 't_k' AND pagetype = 'internal'")
        var pages: [Int64] = []
        while try interior.step() { pages.append(interior.int64(0)) }
        #expect(pages.count >= 2)
        let original = try #require(FileManager.default.contents(atPath: path))
        var random = SeededRandom(seed: 99)
        var gaveUp = 0
        for round in 0..<300 {
            var bytes = [UInt8](original)
            for _ in 0..<(1 + random.below(6)) {
                let page = Int(pages[random.below(pages.count)])
                // Mostly the header and cell pointers (the first 200 bytes), sometimes anywhere.
                let at = (page - 1) * 4096 + (random.chance(70) ? random.below(200) : random.below(4096))
                bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
            let copy = dir.file("damaged-\(round % 4).db")
            #expect(FileManager.default.createFile(atPath: copy, contents: Data(bytes)))
            switch IndexWarmer(path: copy, rootPage: root, checkCache: false).wait() {
            case .gaveUp: gaveUp += 1
            case .advised: break
            case let other: Issue.record("round \(round): \(other)")
            }
        }
        #expect(gaveUp > 0)
    }
}
