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

@Suite("tally ingest prices, discounts and inventory (issue 7)")
struct CatalogIngestTests {
    let dir = TempDirectory("ingest")

    func journal() throws -> String {
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/lookup/dispute/events.ndjson"])
        return journal
    }

    func json(_ run: TallyRun) throws -> [String: Any] { try #require(parseJSONObject(run.stdout), "\(run.stdout) \(run.stderr)") }

    @Test("a price list: only changed prices become events; bad rows are rejected by file, row and column and kept; twice adds nothing")
    func prices() throws {
        let journal = try journal()
        let file = fixturesPath + "/ingest/prices.csv"
        let first = try runTally(["ingest", "prices", "--journal", journal, file, "--format", "json"])
        #expect(first.status == 1)
        let summary = try json(first)
        #expect(summary["appended"] as? Int == 2)   // MUG (new price) and CAP (new SKU); TEE is already 2500
        #expect(summary["unchanged"] as? Int == 1)
        let messages = (summary["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages == [
            "prices.csv:5: column price: must be an integer, got \"12.50\"",
            "prices.csv:6: column changed_at: must be an RFC 3339 timestamp such as 2026-11-20T10:15:00Z, got \"yesterday\"",
            "prices.csv:7: has 2 cells, the header has 5",
        ])
        let quarantine = try runTally(["quarantine", "--journal", journal])
        #expect(quarantine.stdout.contains("BAD,12.50,USD"))
        let again = try json(try runTally(["ingest", "prices", "--journal", journal, file, "--format", "json"]))
        #expect(again["appended"] as? Int == 0)
        #expect(again["unchanged"] as? Int == 3)
        let lookup = try runTally(["lookup", "--journal", journal, "--sku", "MUG", "--format", "json"])
        #expect(lookup.stdout.contains("\"price\": 1300"))
        dir.remove()
    }

    @Test("Shopify's product export: columns by header name, money in major units, --currency")
    func shopifyProducts() throws {
        let journal = try journal()
        let file = fixturesPath + "/ingest/products-shopify.csv"
        let noCurrency = try runTally(["ingest", "prices", "--journal", journal, file])
        #expect(noCurrency.status == 1 && noCurrency.stderr.contains("pass --currency"))
        let run = try json(try runTally(["ingest", "prices", "--journal", journal, file, "--currency", "USD", "--format", "json"]))
        #expect(run["appended"] as? Int == 2)  // MUG 14.5 → 1450 with compare-at 1500, HAT 7 → 700; TEE 25.00 = 2500 already
        let messages = (run["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages == ["products-shopify.csv:5: column Variant Price: must be an amount such as 19.99 (at most 2 decimals), got \"seven\""])
        let sku = try runTally(["lookup", "--journal", journal, "--sku", "HAT", "--format", "json"])
        #expect(sku.stdout.contains("\"price\": 700"))
        dir.remove()
    }

    @Test("a discount list: new and changed codes upserted; --full deletes what the list lacks, unless rows were rejected")
    func discounts() throws {
        let journal = try journal()
        let clean = dir.write("code,kind,value,status\nNEW5,fixed_amount,500,active\n", to: "d.csv")
        let partial = try json(try runTally(["ingest", "discounts", "--journal", journal, clean, "--format", "json"]))
        #expect(partial["appended"] as? Int == 1)
        let full = try json(try runTally(["ingest", "discounts", "--journal", journal, clean, "--full", "--format", "json"]))
        #expect((full["derived"] as? [String: Int])?["discount.deleted"] == 1)   // SAVE10
        let withErrors = try runTally(["ingest", "discounts", "--journal", journal, fixturesPath + "/ingest/discounts.csv", "--full"])
        #expect(withErrors.status == 1)
        #expect(withErrors.stderr.contains("discounts.csv:4: discount.upserted: data.value must be 0 for kind free_shipping"))
        #expect(withErrors.stdout.contains("no code was deleted"))
        dir.remove()
    }

    @Test("an inventory count: drift per SKU and location against truth; --dry-run appends nothing")
    func inventory() throws {
        let journal = try journal()
        let file = fixturesPath + "/ingest/inventory.csv"
        let dry = try runTally(["ingest", "inventory", "--journal", journal, file, "--dry-run"])
        #expect(dry.status == 1 && dry.stdout.contains("nothing was appended"))
        #expect(dry.stdout.contains("TEE @ main: file 5, journal 7 (-2)") && dry.stdout.contains("CAP @ main: file 12, journal not tracked"), "\(dry.stdout)")
        #expect(dry.stdout.contains("1 SKU never priced in the journal (unknown to the catalog): CAP"), "\(dry.stdout)")
        let stats = try runTally(["stats", "--journal", journal, "--format", "json"])
        #expect((parseJSONObject(stats.stdout)?["events"] as? Int) == 23)
        let run = try json(try runTally(["ingest", "inventory", "--journal", journal, file, "--reason", "count", "--format", "json"]))
        #expect(run["appended"] as? Int == 2)
        let drift = try #require(run["drift"] as? [[String: Any]])
        #expect(drift.count == 2 && drift.contains { $0["sku"] as? String == "TEE" && $0["drift"] as? Int == -2 })
        let sku = try runTally(["lookup", "--journal", journal, "--sku", "TEE", "--format", "json"])
        #expect(sku.stdout.contains("\"available\": 5"))
        #expect(try runTally(["ingest", "inventory", "--journal", journal, dir.file("missing.csv")]).status == 2)
        dir.remove()
    }
}

@Suite("tally ingest orders (issue 7)")
struct OrdersIngestTests {
    let dir = TempDirectory("ingest-orders")

    func journal() throws -> String {
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        return journal
    }

    func ingest(_ journal: String, _ file: String, _ extra: [String] = []) throws -> (TallyRun, [String: Any]) {
        let run = try runTally(["ingest", "orders", "--journal", journal, fixturesPath + "/ingest/" + file, "--format", "json"] + extra)
        return (run, try #require(parseJSONObject(run.stdout), "\(run.stdout) \(run.stderr)"))
    }

    func messages(_ summary: [String: Any]) -> [String] {
        (summary["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test("canonical CSV tables: new orders, cancellations, fulfillments and refunds; a bad row rejects its order whole; twice adds nothing")
    func canonicalFolder() throws {
        let journal = try journal()
        let (first, summary) = try ingest(journal, "orders-day1")
        #expect(first.status == 1)
        #expect(summary["derived"] as? [String: Int] == ["order.placed": 3, "order.cancelled": 1, "fulfillment.created": 2,
                                                        "fulfillment.cancelled": 1, "order.refunded": 1])
        #expect(messages(summary) == [
            "order_lines.csv:5: column qty: must be an integer, got \"x\"",
            "fulfillments.csv:4: order 9999 is not in orders.csv",
            "orders.csv:5: order 7004 was not ingested: its row at order_lines.csv:5 was rejected",
        ])
        let (_, again) = try ingest(journal, "orders-day1")
        #expect(again["appended"] as? Int == 0 && again["duplicates"] as? Int == 0)
        // Truth has them: a lookup shows the shipment with its tracking number.
        let lookup = try runTally(["lookup", "--journal", journal, "--order", "7001", "--format", "json"])
        #expect(lookup.stdout.contains("1Z7001") && lookup.stdout.contains("R7001"))
        dir.remove()
    }

    @Test("overlapping exports: yesterday's orders are not repeated, an edited order is reported and not overwritten")
    func overlapping() throws {
        let journal = try journal()
        _ = try ingest(journal, "orders-day1")
        let (run, summary) = try ingest(journal, "orders-day2")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(summary["derived"] as? [String: Int] == ["order.placed": 2, "order.cancelled": 1, "order.refunded": 1])
        let edits = try #require(summary["order_edits"] as? [[String: Any]])
        #expect(edits.count == 1)
        #expect(edits.first?["order_id"] as? String == "7001")
        #expect(edits.first?["detail"] as? String == "line 1: qty 2 → 3")
        // The journal keeps the first version of 7001.
        let lookup = try runTally(["lookup", "--journal", journal, "--order", "7001", "--format", "json"])
        #expect(lookup.stdout.contains("\"qty\": 2") && !lookup.stdout.contains("\"qty\": 3"))
        // 7003 is now cancelled, at the export's cancelled_at.
        let cancelled = try runTally(["lookup", "--journal", journal, "--order", "7003", "--format", "json"])
        #expect(cancelled.stdout.contains("\"status\": \"cancelled\"") && cancelled.stdout.contains("2026-11-21T09:00:00Z"))
        dir.remove()
    }

    @Test("NDJSON: one order a line with its children; bad lines rejected by line and field")
    func ndjson() throws {
        let journal = try journal()
        let (run, summary) = try ingest(journal, "orders.ndjson")
        #expect(run.status == 1)
        #expect(summary["appended"] as? Int == 5)
        #expect(messages(summary) == [
            "orders.ndjson:2: lines[0].qty must be an integer, got 1.5",
            "orders.ndjson:4: not valid JSON: invalid JSON at byte 1: unexpected 'n', expected a value",
        ])
        let lookup = try runTally(["lookup", "--journal", journal, "--tracking", "JD8001", "--format", "json"])
        #expect(lookup.status == 0 && lookup.stdout.contains("\"order_id\": \"8001\""))
        dir.remove()
    }

    @Test("Shopify's orders export: rows grouped by order, columns by name, money in major units, Shopify dates; twice adds nothing")
    func shopify() throws {
        let journal = try journal()
        let (run, summary) = try ingest(journal, "orders-shopify.csv", ["--location", "web"])
        #expect(run.status == 1)
        #expect(summary["derived"] as? [String: Int] == ["order.placed": 2, "order.cancelled": 1, "fulfillment.created": 1, "order.refunded": 1])
        #expect(messages(summary) == ["orders-shopify.csv:5: column Created at: must be a date such as 2026-11-20 10:15:00 -0500, got \"yesterday\""])
        let order = try #require(parseJSONObject(try runTally(["lookup", "--journal", journal, "--order", "5550001", "--format", "json"]).stdout))
        let o = try #require(order["order"] as? [String: Any])
        #expect(o["total"] as? Int == 5000 && o["placed_at"] as? String == "2026-11-23T09:00:00-05:00" && o["location"] as? String == "web")
        #expect((o["lines"] as? [[String: Any]])?.map { $0["unit_price"] as? Int } == [2000, 500])
        #expect((order["refunds"] as? [[String: Any]])?.first?["amount"] as? Int == 1000)
        let voided = try runTally(["lookup", "--journal", journal, "--order", "5550002", "--format", "json"])
        #expect(voided.stdout.contains("\"status\": \"cancelled\"") && voided.stdout.contains("\"discount\": 100"))
        let (_, again) = try ingest(journal, "orders-shopify.csv", ["--location", "web"])
        #expect(again["appended"] as? Int == 0)
        dir.remove()
    }

    @Test("--dry-run appends nothing; a missing export exits 2")
    func dryRun() throws {
        let journal = try journal()
        let run = try runTally(["ingest", "orders", "--journal", journal, fixturesPath + "/ingest/orders-day2", "--dry-run"])
        #expect(run.status == 0 && run.stdout.contains("nothing was appended"), "\(run.stdout)")
        #expect((parseJSONObject(try runTally(["stats", "--journal", journal, "--format", "json"]).stdout)?["events"] as? Int) == 0)
        #expect(try runTally(["ingest", "orders", "--journal", journal, dir.file("nope")]).status == 2)
        dir.remove()
    }
}

@Suite("tally ingest orders: undated events")
struct UndatedIngestTests {
    let dir = TempDirectory("ingest-undated")

    @Test("a refund the export gives no time for is never placed before its order (it would be an orphan)")
    func refundAfterOrder() throws {
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        let run = try runTally(["ingest", "orders", "--journal", journal, fixturesPath + "/ingest/orders-shopify.csv",
                                "--location", "web", "--at", "2026-11-01T00:00:00Z"])
        #expect(run.status == 1, "\(run.stderr)")
        let order = try #require(parseJSONObject(try runTally(["lookup", "--journal", journal, "--order", "5550001", "--format", "json"]).stdout))
        #expect((order["refunds"] as? [[String: Any]])?.first?["amount"] as? Int == 1000)
        #expect((order["ignored_events"] as? [Any])?.isEmpty == true)
        let again = try runTally(["ingest", "orders", "--journal", journal, fixturesPath + "/ingest/orders-shopify.csv",
                                  "--location", "web", "--format", "json"])
        #expect(parseJSONObject(again.stdout)?["appended"] as? Int == 0)
        dir.remove()
    }
}
