import Foundation
import Testing
import TallyTestSupport

@Suite("tally baseline (issue 7)")
struct BaselineTests {
    let dir = TempDirectory("baseline")

    @Test("a baseline of each fixture store reconciles clean against that store (but for the store's own double shipments)",
          arguments: reconcileScenarios)
    func clean(_ scenario: String) throws {
        let store = fixturesPath + "/reconcile/\(scenario)/store"
        let journal = dir.file("\(scenario).journal")
        let run = try runTally(["baseline", "--journal", journal, "--store", store, "--at", "2026-11-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json", "--fail-on", "none"])
        let kinds = try #require((parseJSONObject(report.stdout)?["summary"] as? [String: Any])?["by_kind"] as? [String: Int])
        #expect(kinds.keys.allSatisfy { $0 == "double_shipment" }, "\(scenario): \(kinds)")
        dir.remove()
    }

    @Test("the demo's restored SQLite store: clean; a second baseline is refused; --dry-run appends nothing")
    func demoStore() throws {
        _ = try runTally(["demo"], directory: dir.path)
        let store = dir.file("tally-demo/store.db")
        let journal = dir.file("b.journal")
        let dry = try runTally(["baseline", "--journal", journal, "--store", store, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would append 40 events"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: journal))
        let run = try runTally(["baseline", "--journal", journal, "--store", store])
        #expect(run.status == 0 && run.stdout.contains("appended 40"), "\(run.stdout) \(run.stderr)")
        #expect(try runTally(["reconcile", "--journal", journal, "--store", store, "--fail-on", "warning"]).status == 0)
        let again = try runTally(["baseline", "--journal", journal, "--store", store])
        #expect(again.status == 2 && again.stderr.contains("already has 40 events"))
        #expect(try runTally(["verify", "--journal", journal]).status == 0)
        // The baseline's orders are there for lookups too.
        #expect(try runTally(["lookup", "--journal", journal, "--order", "1001"]).status == 0)
        dir.remove()
    }

    @Test("store rows that break the contract are rejected by name and kept; the rest lands")
    func badRows() throws {
        let store = dir.file("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        _ = dir.write("sku,price,currency\nA,100,USD\nB,100,usd\n", to: "store/products.csv")
        _ = dir.write("order_id,placed_at,location,currency,status,total\nO1,2026-10-01T00:00:00Z,main,USD,open,100\n", to: "store/orders.csv")
        let journal = dir.file("b.journal")
        let run = try runTally(["baseline", "--journal", journal, "--store", store])
        #expect(run.status == 1)
        #expect(run.stderr.contains("products/B") && run.stderr.contains("currency"), "\(run.stderr)")
        #expect(run.stderr.contains("orders/O1") && run.stderr.contains("lines"), "\(run.stderr)")
        #expect(run.stdout.contains("appended 1"), "\(run.stdout)")
        let quarantine = try runTally(["quarantine", "--journal", journal])
        #expect(quarantine.stdout.contains("products/B"))
        dir.remove()
    }
}
