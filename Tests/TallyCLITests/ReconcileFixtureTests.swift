import Foundation
import Testing
import TallyTestSupport

/// The hand-made scenarios under fixtures/reconcile: each folder has the
/// journal's events, a CSV store, the command's extra arguments and the exact JSON expected.
let reconcileScenarios: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesPath + "/reconcile")) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted()
}()

@Suite("Reconcile scenarios (contract §4–§7)")
struct ReconcileFixtureTests {
    @Test("the JSON report matches the expected file exactly", arguments: reconcileScenarios)
    func scenario(_ name: String) throws {
        let folder = fixturesPath + "/reconcile/" + name
        let dir = TempDirectory("scenario")
        defer { dir.remove() }
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        let appended = try runTally(["append", "--journal", journal, folder + "/events.ndjson"])
        #expect(appended.status == 0, "\(appended.stderr)")
        let extra = (try String(contentsOfFile: folder + "/args", encoding: .utf8)).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let run = try runTally(["reconcile", "--journal", journal, "--store", folder + "/store", "--format", "json", "--fail-on", "none"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        if let problem = checkGolden(run.stdout, path: folder + "/expected.json") { Issue.record(Comment(rawValue: problem)) }
        // Byte-identical run after run.
        let again = try runTally(["reconcile", "--journal", journal, "--store", folder + "/store", "--format", "json", "--fail-on", "none"] + extra)
        #expect(again.stdout == run.stdout)
    }
}
