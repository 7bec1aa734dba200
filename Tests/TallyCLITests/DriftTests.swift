import Foundation
import Testing
import TallyTestSupport

@Suite("tally drift (issue 4)")
struct DriftTests {
    let dir = TempDirectory("drift")

    func demo() throws -> (journal: String, store: String) {
        _ = try runTally(["demo"], directory: dir.path)
        return (dir.file("tally-demo/tally.journal"), dir.file("tally-demo/store.db"))
    }

    @Test("drift is ranked by money at stake; the day's activity is counted; each run joins the trend unless --no-record")
    func rankingAndTrend() throws {
        let (journal, store) = try demo()
        let run = try runTally(["drift", "--journal", journal, "--store", store, "--day", "2026-11-19", "--settle", "0", "--format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        let report = try #require(parseJSONObject(run.stdout))
        let ranked = try #require(report["at_stake"] as? [[String: Any]])
        let amounts = ranked.compactMap { $0["amount"] as? Int }
        #expect(amounts == amounts.sorted(by: >) && amounts.first == 11997, "\(amounts)")
        #expect(ranked.first?["kind"] as? String == "order_status_drift")
        let activity = try #require(report["activity"] as? [String: Any])
        #expect(activity["orders"] as? Int == 5 && activity["units_sold"] as? Int == 11 && activity["refunds"] as? Int == 1)
        #expect((activity["events_by_hour"] as? [Int])?.reduce(0, +) == 15)
        #expect((report["trend"] as? [Any])?.count == 1)
        _ = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json"])
        let third = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json", "--no-record"])
        #expect((parseJSONObject(third.stdout)?["trend"] as? [Any])?.count == 2)
        dir.remove()
    }

    @Test("events younger than the settling window are left out of truth: no false alarm for an order still in flight")
    func settle() throws {
        let journal = dir.file("s.journal")
        _ = try runTally(["init", "--journal", journal])
        let store = dir.file("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        _ = dir.write("sku,price,currency\nA,100,USD\n", to: "store/products.csv")
        let events = """
        {"id":"p1","type":"price.changed","occurred_at":"2026-11-27T08:00:00Z","data":{"sku":"A","price":100,"currency":"USD"}}
        {"id":"o1","type":"order.placed","occurred_at":"2026-11-27T11:55:00Z","data":{"order_id":"9","location":"main","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":100}],"total":100}}

        """
        _ = try runTally(["append", "--journal", journal, "-"], stdin: events)
        let clock = ["TALLY_CLOCK": "2026-11-27T12:00:00Z"]
        let settled = try runTally(["drift", "--journal", journal, "--store", store, "--format", "json"], environment: clock)
        #expect(settled.status == 0, "\(settled.stdout)")
        #expect((parseJSONObject(settled.stdout)?["findings"] as? [Any])?.isEmpty == true)
        #expect(parseJSONObject(settled.stdout)?["as_of"] as? String == "2026-11-27T11:45:00Z")
        let unsettled = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json"], environment: clock)
        #expect(unsettled.status == 1)
        #expect(unsettled.stdout.contains("lost_order"))
        let activity = parseJSONObject(unsettled.stdout)?["activity"] as? [String: Any]
        #expect(activity?["orders"] as? Int == 1)
        dir.remove()
    }

    @Test("text, Markdown and self-contained HTML with both charts; bad flags exit 2")
    func formats() throws {
        let (journal, store) = try demo()
        let html = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "html", "--fail-on", "none"])
        #expect(html.status == 0)
        #expect(html.stdout.contains("<svg") && html.stdout.contains("Drift by kind") && html.stdout.contains("Events per hour"))
        #expect(!html.stdout.contains("http://") || html.stdout.components(separatedBy: "http://").count - 1 == html.stdout.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        let md = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "markdown", "--fail-on", "none"])
        #expect(md.stdout.contains("## Drift ranked by money at stake"))
        #expect(try runTally(["drift", "--journal", journal, "--store", store, "--settle", "soon"]).status == 2)
        #expect(try runTally(["drift", "--journal", journal, "--store", store, "--day", "yesterday"]).status == 2)
        #expect(try runTally(["drift", "--journal", journal, "--store", dir.file("nope.db")]).status == 2)
        dir.remove()
    }
}
