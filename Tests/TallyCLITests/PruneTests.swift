import Foundation
import Testing
import TallyTestSupport

/// `tally prune` and `--archives` reads, on the dispute fixture recorded over three months
/// (seq 1–8 in September, 9–16 in October, 17–23 in November).
extension ArchiveTests {
    func pruned() throws -> String {
        let journal = try journal()
        #expect(try archive(journal, "2026-Q3").status == 0)
        #expect(try archive(journal, "2026-10").status == 0)
        let run = try runTally(["prune", "--journal", journal, "--before", "2026-11-01", "--archives", dir.file("arch")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("pruned seq 1–16: 16 events recorded before 2026-11-01T00:00:00Z"), "\(run.stdout)")
        return journal
    }

    @Test("archive → verify → prune → verify → lookup and evidence through the archives")
    func pruneRoundTrip() throws {
        let journal = try pruned()
        let verify = try runTally(["verify", "--journal", journal, "--format", "json"])
        let report = try #require(parseJSONObject(verify.stdout))
        #expect(verify.status == 0 && report["intact"] as? Bool == true && report["events"] as? Int == 7, "\(verify.stdout)")
        #expect((report["pruned"] as? [String: Any])?["through_seq"] as? Int == 16)
        let chain = try runTally(["verify", "--archives", dir.file("arch"), "--journal", journal])
        #expect(chain.status == 0 && chain.stdout.contains("the archives and the journal form one chain"), "\(chain.stdout)")
        let stats = try #require(parseJSONObject(try runTally(["stats", "--journal", journal, "--format", "json"]).stdout))
        #expect((stats["pruned"] as? [String: Any])?["events"] as? Int == 16 && stats["events"] as? Int == 7)

        // Order 5001 was placed in September: its history needs the archives.
        let without = try runTally(["lookup", "--journal", journal, "--order", "5001"])
        #expect(without.status == 2 && without.stderr.contains("pass --archives DIR"), "\(without.stderr)")
        let with = try runTally(["lookup", "--journal", journal, "--order", "5001", "--archives", dir.file("arch"), "--format", "json"])
        #expect(with.status == 0, "\(with.stderr)")
        let whole = try self.journal("whole.journal")
        let unpruned = try runTally(["lookup", "--journal", whole, "--order", "5001", "--format", "json"])
        #expect(with.stdout.replacingOccurrences(of: journal, with: "J") == unpruned.stdout.replacingOccurrences(of: whole, with: "J"))
        let lookup = try #require(parseJSONObject(with.stdout))
        #expect((lookup["integrity"] as? [String: Any])?["verified"] as? Bool == true)
        // An order placed after the cut needs nothing more (a note on stderr says what was pruned).
        let recent = try runTally(["lookup", "--journal", journal, "--order", "5003"])
        #expect(recent.status == 0 && recent.stderr.contains("were pruned"), "\(recent.stderr)")

        let pack = dir.file("pack")
        let evidence = try runTally(["evidence", "--journal", journal, "--order", "5001", "--output", pack, "--archives", dir.file("arch")])
        #expect(evidence.status == 0, "\(evidence.stderr)")
        let check = try runTally(["evidence", "--journal", journal, "--verify", pack, "--archives", dir.file("arch")])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        dir.remove()
    }

    @Test("prune refuses what the policy keeps, what no archive holds and a broken archive, and removes nothing then")
    func pruneRefusals() throws {
        let journal = try journal()
        let config = dir.write("[retention]\nkeep = \"400d\"\narchives = \"\(dir.file("arch"))\"\n", to: "tally.toml")
        let policy = try runTally(["prune", "--journal", journal, "--config", config, "--before", "2026-11-01"], environment: ["TALLY_CLOCK": "2027-06-01T00:00:00Z"])
        #expect(policy.status == 1 && policy.stderr.contains("the retention policy keeps 400 days live"), "\(policy.stderr)")
        let noDate = try runTally(["prune", "--journal", journal, "--archives", dir.file("arch")])
        #expect(noDate.status == 2 && noDate.stderr.contains("give --before DATE"))
        #expect(try archive(journal, "2026-Q3").status == 0)
        let missing = try runTally(["prune", "--journal", journal, "--before", "2026-11-01", "--archives", dir.file("arch")])
        #expect(missing.status == 1 && missing.stderr.contains("no archive holds seq 9–16"), "\(missing.stderr)")
        #expect(try archive(journal, "2026-10").status == 0)
        let file = dir.file("arch/tally-archive-2026-10.sqlite")
        chmod(file, 0o644)
        try sqlite(file, "UPDATE events SET source = 'forged' WHERE seq = 12;")
        let broken = try runTally(["prune", "--journal", journal, "--before", "2026-11-01", "--archives", dir.file("arch")])
        #expect(broken.status == 1 && broken.stderr.contains("tally-archive-2026-10.sqlite does not verify"), "\(broken.stderr)")
        let intact = try #require(parseJSONObject(try runTally(["verify", "--journal", journal, "--format", "json"]).stdout))
        #expect(intact["events"] as? Int == 23 && intact["pruned"] is NSNull)
        // The policy's own cut (now minus 400 days, from the config's archives folder): nothing that old.
        let nothing = try runTally(["prune", "--journal", journal, "--config", config], environment: ["TALLY_CLOCK": "2027-06-01T00:00:00Z"])
        #expect(nothing.status == 0 && nothing.stdout.contains("nothing to prune"), "\(nothing.stdout) \(nothing.stderr)")
        dir.remove()
    }

    @Test("a late event across the cut: reconcile says it needs the archives, and with them matches the unpruned journal")
    func pruneLateEvent() throws {
        let journal = try pruned()
        let unpruned = try self.journal("whole.journal")
        let late = #"{"id":"late-1","type":"price.changed","occurred_at":"2026-11-01T00:00:00Z","source":"webshop","data":{"sku":"TEE","price":1900,"currency":"USD"}}"#
        for j in [journal, unpruned] {
            #expect(try runTally(["append", "--journal", j, "-"], stdin: late + "\n", environment: ["TALLY_CLOCK": "2026-11-03T00:00:00Z"]).status == 0)
        }
        let store = fixturesPath + "/reconcile/orders/store"
        let without = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json"])
        #expect(without.status == 2 && without.stderr.contains("appended after the cut, occurred at 2026-11-04T10:00:00Z, before the last pruned event") && without.stderr.contains("--archives DIR"), "\(without.stderr)")
        let with = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json", "--archives", dir.file("arch")])
        let expected = try runTally(["reconcile", "--journal", unpruned, "--store", store, "--format", "json"])
        #expect(with.status == expected.status, "\(with.stderr)")
        #expect(with.stdout.replacingOccurrences(of: journal, with: "J") == expected.stdout.replacingOccurrences(of: unpruned, with: "J"))

        // Appends go on (their checkpoint waits, with a note); `checkpoint --archives` writes
        // one past the late events, and reconcile then needs the archives no more.
        let config = dir.write("[checkpoints]\nevery = 1\n", to: "every.toml")
        let more = #"{"id":"late-2","type":"price.changed","occurred_at":"2026-11-20T00:00:00Z","source":"webshop","data":{"sku":"MUG","price":1600,"currency":"USD"}}"#
        let append = try runTally(["append", "--journal", journal, "--config", config, "-"], stdin: more + "\n")
        #expect(append.status == 0 && append.stderr.contains("no checkpoint written") && append.stdout.contains("appended 1"), "\(append.stdout) \(append.stderr)")
        #expect(try runTally(["append", "--journal", unpruned, "-"], stdin: more + "\n").status == 0)
        let refused = try runTally(["checkpoint", "--journal", journal])
        #expect(refused.status == 2 && refused.stderr.contains("tally checkpoint --archives DIR"), "\(refused.stderr)")
        let written = try runTally(["checkpoint", "--journal", journal, "--archives", dir.file("arch")])
        #expect(written.status == 0 && written.stdout.contains("checkpoint written at seq 25"), "\(written.stdout) \(written.stderr)")
        let after = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json"])
        let afterExpected = try runTally(["reconcile", "--journal", unpruned, "--store", store, "--format", "json"])
        #expect(after.status == afterExpected.status, "\(after.stderr)")
        #expect(after.stdout.replacingOccurrences(of: journal, with: "J") == afterExpected.stdout.replacingOccurrences(of: unpruned, with: "J"))
        dir.remove()
    }
}
