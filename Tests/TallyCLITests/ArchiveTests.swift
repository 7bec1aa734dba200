import Foundation
import Testing
import TallyTestSupport

@Suite("tally archive and verify --archive (issue 8)")
struct ArchiveTests {
    let dir = TempDirectory("archive")

    /// The dispute fixture recorded over three months: 8 events in September, 8 in October, 7 now.
    func journal(_ name: String = "j.journal") throws -> String {
        let journal = dir.file(name)
        _ = try runTally(["init", "--journal", journal])
        let lines = try String(contentsOfFile: fixturesPath + "/lookup/dispute/events.ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
        for (range, clock) in [(0..<8, "2026-09-20T00:00:00Z"), (8..<16, "2026-10-05T00:00:00Z"), (16..<lines.count, "2026-11-02T00:00:00Z")] {
            let run = try runTally(["append", "--journal", journal, "-"], stdin: lines[range].joined(separator: "\n") + "\n", environment: ["TALLY_CLOCK": clock])
            #expect(run.status == 0, "\(run.stderr)")
        }
        return journal
    }

    func archive(_ journal: String, _ period: String, _ extra: [String] = []) throws -> TallyRun {
        try runTally(["archive", "--journal", journal, "--period", period, "--to", dir.file("arch")] + extra)
    }

    @Test("consecutive archives and the journal verify as one chain; each archive verifies on its own")
    func chain() throws {
        let journal = try journal()
        let q3 = try archive(journal, "2026-Q3")
        #expect(q3.status == 0 && q3.stdout.contains("archived 8 events recorded in 2026-Q3 (seq 1–8)"), "\(q3.stdout) \(q3.stderr)")
        #expect(try archive(journal, "2026-10").status == 0)
        let all = try runTally(["verify", "--archives", dir.file("arch"), "--journal", journal])
        #expect(all.status == 0 && all.stdout.contains("the archives and the journal form one chain"), "\(all.stdout)")
        let one = try runTally(["verify", "--archive", dir.file("arch/tally-archive-2026-10.sqlite"), "--format", "json"])
        #expect(one.status == 0)
        #expect((parseJSONObject(one.stdout)?["archives"] as? [[String: Any]])?.first?["first_seq"] as? Int == 9)
        let manifest = try #require(parseJSONObject(try String(contentsOfFile: dir.file("arch/tally-archive-2026-10.manifest.json"), encoding: .utf8)))
        #expect(manifest["events"] as? Int == 8 && manifest["contract"] as? Int == 1 && manifest["period"] as? String == "2026-10")
        let permissions = try FileManager.default.attributesOfItem(atPath: dir.file("arch/tally-archive-2026-10.sqlite"))[.posixPermissions] as? Int
        #expect(permissions == 0o444)
        dir.remove()
    }

    @Test("a changed byte, a removed event, an edited manifest and a missing period are each caught, saying what")
    func tampering() throws {
        let journal = try journal()
        _ = try archive(journal, "2026-Q3")
        _ = try archive(journal, "2026-10")
        let file = dir.file("arch/tally-archive-2026-10.sqlite")
        chmod(file, 0o644)
        // One event removed (the file changes too).
        try sqlite(file, "DELETE FROM events WHERE seq = 12;")
        let removed = try runTally(["verify", "--archive", file])
        #expect(removed.status == 1)
        #expect(removed.stdout.contains("seq 12 missing from the archive") && removed.stdout.contains("not the one the manifest describes"), "\(removed.stdout)")
        // One byte changed in the other archive.
        let q3 = dir.file("arch/tally-archive-2026-Q3.sqlite")
        chmod(q3, 0o644)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: q3))
        bytes[bytes.count - 100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: q3))
        let flipped = try runTally(["verify", "--archive", q3])
        #expect(flipped.status == 1 && flipped.stdout.contains("not the one the manifest describes"), "\(flipped.stdout)")
        dir.remove()
    }

    @Test("an edited manifest breaks the archive's own record and the chain between archives")
    func editedManifest() throws {
        let journal = try journal()
        _ = try archive(journal, "2026-Q3")
        _ = try archive(journal, "2026-10")
        let path = dir.file("arch/tally-archive-2026-Q3.manifest.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let object = try #require(parseJSONObject(text))
        let last = try #require((object["chain"] as? [String: Any])?["last_hash"] as? String)
        try text.replacingOccurrences(of: last, with: String(repeating: "0", count: 64)).write(toFile: path, atomically: true, encoding: .utf8)
        let run = try runTally(["verify", "--archives", dir.file("arch")])
        #expect(run.status == 1)
        #expect(run.stdout.contains("the archive records last_hash") && run.stdout.contains("does not continue the chain"), "\(run.stdout)")
        dir.remove()
    }

    @Test("refusals: a period not over, a period with no events, an archive written twice; a gap between archives")
    func refusals() throws {
        let journal = try journal()
        let open = try archive(journal, "2026-11")
        #expect(open.status == 2 && open.stderr.contains("is not over yet"))
        let empty = try archive(journal, "2026-08")
        #expect(empty.status == 1 && empty.stderr.contains("no event was recorded in 2026-08"))
        #expect(try archive(journal, "2026-Q3").status == 0)
        let twice = try archive(journal, "2026-Q3")
        #expect(twice.status == 2 && twice.stderr.contains("already exists"))
        #expect(try archive(journal, "2026-13").status == 2)
        #expect(try archive(journal, "2026-11", ["--allow-open"]).status == 0)
        let gap = try runTally(["verify", "--archives", dir.file("arch")])
        #expect(gap.status == 1 && gap.stdout.contains("seq 9–16 are in no archive"), "\(gap.stdout)")
        dir.remove()
    }
}
