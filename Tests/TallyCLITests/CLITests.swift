import Foundation
import Testing
import TallyTestSupport

@Suite("tally binary: init, append, verify, stats, quarantine")
struct CLITests {
    let dir = TempDirectory("cli")
    var journal: String { dir.file("t.journal") }

    @Test("init creates a journal and leaves an existing one as it is")
    func initCommand() throws {
        let first = try runTally(["init", "--journal", journal])
        #expect(first.status == 0)
        #expect(first.stdout == "journal ready at \(journal) (empty)\n")
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"])
        let again = try runTally(["init", "--journal", journal])
        #expect(again.stdout == "journal ready at \(journal) (13 events; left as it was)\n")
        dir.remove()
    }

    @Test("append prints the summary; a second run finds only duplicates")
    func appendText() throws {
        _ = try runTally(["init", "--journal", journal])
        let run = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"])
        #expect(run.status == 0)
        #expect(run.stdout == "appended 13, duplicates 0, rejected 0\n")
        #expect(run.stderr == "")
        let again = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"])
        #expect(again.stdout == "appended 0, duplicates 13, rejected 0\n")
        dir.remove()
    }

    @Test("append --format json lists every rejection and exits 1")
    func appendJSON() throws {
        _ = try runTally(["init", "--journal", journal])
        let input = fixturesPath + "/events/mixed.ndjson"
        let run = try runTally(["append", "--journal", journal, "--format", "json", input])
        #expect(run.status == 1)
        let object = try #require(parseJSONObject(run.stdout))
        #expect(object["appended"] as? Int == 2)
        #expect(object["duplicates"] as? Int == 1)
        #expect(object["rejected"] as? Int == 6)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.map { $0["line"] as? Int } == [2, 3, 4, 6, 8, 9])
        #expect(errors[0]["id"] as? String == "m-2")
        #expect(errors[0]["message"] as? String == "\(input):2: order.placed: data.lines[1].qty must be an integer ≥ 1, got -2")
        #expect(errors[4]["id"] is NSNull)
        dir.remove()
    }

    @Test("append reads standard input with -")
    func appendStdin() throws {
        _ = try runTally(["init", "--journal", journal])
        let text = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8)
        let run = try runTally(["append", "--journal", journal, "-"], stdin: text)
        #expect(run.stdout == "appended 13, duplicates 0, rejected 0\n")
        dir.remove()
    }

    @Test("append writes the checkpoint due every [checkpoints] every events; --no-checkpoint leaves it for later")
    func appendCheckpoint() throws {
        let config = dir.write("[checkpoints]\nevery = 10\n", to: "every.toml")
        let valid = fixturesPath + "/events/valid.ndjson"
        func listed(_ journal: String) throws -> [[String: Any]] {
            let list = try runTally(["checkpoint", "--journal", journal, "--list", "--format", "json"])
            #expect(list.status == 0, "\(list.stderr)")
            return try #require((try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8))) as? [[String: Any]], "\(list.stdout)")
        }
        _ = try runTally(["init", "--journal", journal])
        let due = try runTally(["append", "--journal", journal, "--config", config, valid])
        #expect(due.status == 0 && due.stderr.contains("tally: checkpoint written at seq 13"), "\(due.stderr)")
        #expect(try listed(journal).map { $0["head_seq"] as? Int } == [13])

        let lean = dir.file("lean.journal")
        _ = try runTally(["init", "--journal", lean])
        let skipped = try runTally(["append", "--journal", lean, "--config", config, "--no-checkpoint", valid])
        #expect(skipped.status == 0 && skipped.stdout == "appended 13, duplicates 0, rejected 0\n" && skipped.stderr == "", "\(skipped.stderr)")
        #expect(try listed(lean).isEmpty)
        #expect(try runTally(["checkpoint", "--journal", lean]).status == 0)
        #expect(try listed(lean).map { $0["head_seq"] as? Int } == [13])

        // A due checkpoint whose replay would hold more than append_memory_mb is left for
        // `tally checkpoint`, with a note; the append itself is whole.
        let tight = dir.write("[checkpoints]\nevery = 10\nappend_memory_mb = 30\n", to: "tight.toml")
        let bounded = dir.file("bounded.journal")
        _ = try runTally(["init", "--journal", bounded])
        let noted = try runTally(["append", "--journal", bounded, "--config", tight, valid])
        #expect(noted.status == 0 && noted.stdout == "appended 13, duplicates 0, rejected 0\n", "\(noted.stderr)")
        #expect(noted.stderr.contains("tally: note: the checkpoint due every 10 events (13 since the last) is not written: its replay would hold about 30 MiB (orders 2, fulfillments 1, refunds 1), more than [checkpoints] append_memory_mb = 30 lets an append use; `tally checkpoint` writes it"), "\(noted.stderr)")
        #expect(try listed(bounded).isEmpty)
        #expect(try runTally(["checkpoint", "--journal", bounded]).status == 0)
        #expect(try listed(bounded).map { $0["head_seq"] as? Int } == [13])
        let bad = dir.write("[checkpoints]\nappend_memory_mb = -1\n", to: "bad.toml")
        let refused = try runTally(["append", "--journal", bounded, "--config", bad, valid])
        #expect(refused.status == 2 && refused.stderr.contains("append_memory_mb must be a number of MiB"), "\(refused.stderr)")
        #expect(try runTally(["stats", "--journal", bounded, "--format", "json"]).stdout.contains("\"events\": 13,"))
        dir.remove()
    }

    @Test("the journal comes from TALLY_JOURNAL or ./tally.journal when --journal is left out")
    func journalResolution() throws {
        let viaEnv = try runTally(["init"], environment: ["TALLY_JOURNAL": journal])
        #expect(viaEnv.status == 0)
        #expect(FileManager.default.fileExists(atPath: journal))
        _ = try runTally(["init"], directory: dir.path)
        #expect(FileManager.default.fileExists(atPath: dir.file("tally.journal")))
        let stats = try runTally(["stats", "--format", "json"], directory: dir.path)
        #expect(stats.status == 0)
        let none = TempDirectory("empty")
        let missing = try runTally(["stats"], directory: none.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no journal given"))
        none.remove()
        dir.remove()
    }

    @Test("bad usage and unreadable input exit 2 with a clear message")
    func usageErrors() throws {
        _ = try runTally(["init", "--journal", journal])
        let badFlag = try runTally(["append", "--journal", journal, "--bogus", "x"])
        #expect(badFlag.status == 2)
        #expect(badFlag.stderr.contains("--bogus"))
        let unreadable = try runTally(["append", "--journal", journal, dir.file("nope.ndjson")])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr.contains("nope.ndjson: cannot read: No such file or directory"))
        let noJournal = try runTally(["verify", "--journal", dir.file("missing.journal")])
        #expect(noJournal.status == 2)
        #expect(noJournal.stderr.contains("no journal here"))
        let notJournal = try runTally(["verify", "--journal", fixturesPath + "/events/valid.ndjson"])
        #expect(notJournal.status == 2)
        #expect(notJournal.stderr.contains("not a Tally journal"))
        let badBatch = try runTally(["append", "--journal", journal, "--batch-size", "0", "x"])
        #expect(badBatch.status == 2)
        let noFolder = try runTally(["init", "--journal", dir.file("no-such-folder/t.journal")])
        #expect(noFolder.status == 2)
        #expect(noFolder.stderr.contains("t.journal: cannot create a journal here: the folder \(dir.file("no-such-folder")) does not exist"), "\(noFolder.stderr)")
        let fileAsFolder = try runTally(["init", "--journal", journal + "/t.journal"])
        #expect(fileAsFolder.status == 2)
        #expect(fileAsFolder.stderr.contains("cannot create a journal here: \(journal) is not a folder"), "\(fileAsFolder.stderr)")
        dir.remove()
    }

    @Test("verify exits 0 on an intact journal and 1 naming the first bad seq")
    func verify() throws {
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"])
        let ok = try runTally(["verify", "--journal", journal])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("journal intact: 13 events, seq 1–13, hash chain verified\nhead:        seq 13 "))
        #expect(!ok.stdout.contains("last anchor"))   // 13 events: the first anchor is at seq 16
        let okJSON = try #require(parseJSONObject(try runTally(["verify", "--journal", journal, "--format", "json"]).stdout))
        #expect((okJSON["head_hash"] as? String)?.count == 64)
        try sqlite(journal, "DROP TRIGGER events_no_update; UPDATE events SET amount = 1 WHERE seq = 8;")
        let broken = try runTally(["verify", "--journal", journal, "--format", "json"])
        #expect(broken.status == 1)
        let object = try #require(parseJSONObject(broken.stdout))
        #expect(object["first_bad_seq"] as? Int == 8)
        #expect(object["intact"] as? Bool == false)
        dir.remove()
    }

    @Test("stats --format json has the contract's fields")
    func stats() throws {
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/mixed.ndjson"])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"])
        let run = try runTally(["stats", "--journal", journal, "--format", "json"])
        #expect(run.status == 0)
        let object = try #require(parseJSONObject(run.stdout))
        #expect(object["events"] as? Int == 15)
        #expect(object["quarantined"] as? Int == 6)
        #expect(object["first_occurred_at"] as? String == "2026-11-01T08:00:00Z")
        #expect(object["last_occurred_at"] as? String == "2026-11-04T16:00:00Z")
        let byType = try #require(object["by_type"] as? [String: Int])
        #expect(byType["order.placed"] == 2 && byType["price.changed"] == 2 && byType["inventory.set"] == 2)
        #expect((object["last_snapshot"] as? [String: Any])?["snapshot_id"] as? String == "nightly-2026-11-04")
        let text = try runTally(["stats", "--journal", journal])
        #expect(text.stdout.contains("quarantined    6"))
        dir.remove()
    }

    @Test("quarantine lists rejected lines with reason and raw text")
    func quarantine() throws {
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/mixed.ndjson"])
        let run = try runTally(["quarantine", "--journal", journal, "--format", "json"])
        #expect(run.status == 0)
        let entries = try #require((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [[String: Any]])
        #expect(entries.count == 6)
        #expect(entries[4]["raw"] as? String == "not json at all")
        #expect(entries[4]["line"] as? Int == 8)
        let text = try runTally(["quarantine", "--journal", journal])
        #expect(text.stdout.contains("raw (15 bytes): not json at all"))
        dir.remove()
    }
}

/// One integer from a query on an SQLite file (python3's sqlite3, as `sqlite` uses).
func scalar(_ path: String, _ sql: String) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3,sys; print(int(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0]))", path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let value = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw CocoaError(.fileReadUnknown)
    }
    return value
}
