import Foundation
import Testing
import TallyTestSupport

@Suite("tally reconcile, snapshot, restored and demo (the binary)")
struct ReconcileCLITests {
    let dir = TempDirectory("reconcile-cli")

    func journalWith(_ scenario: String) throws -> String {
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/reconcile/\(scenario)/events.ndjson"])
        return journal
    }

    @Test("--fail-on sets the exit status: 1 when a finding is at or above it, else 0")
    func failOn() throws {
        let journal = try journalWith("stock")
        let store = fixturesPath + "/reconcile/stock/store"
        #expect(try runTally(["reconcile", "--journal", journal, "--store", store]).status == 1)
        #expect(try runTally(["reconcile", "--journal", journal, "--store", store, "--fail-on", "critical"]).status == 1)
        #expect(try runTally(["reconcile", "--journal", journal, "--store", store, "--fail-on", "none"]).status == 0)
        // A store that agrees with truth but for one untracked inventory row: only a warning.
        let clean = dir.file("clean")
        try FileManager.default.createDirectory(atPath: clean, withIntermediateDirectories: true)
        _ = dir.write("sku,location,available\nA,main,8\nB,main,7\nC,main,2\nD,main,4\nE,main,1\n", to: "clean/inventory_levels.csv")
        _ = dir.write("order_id,placed_at,location,currency,status,total\nO1,x,main,USD,cancelled,800\n", to: "clean/orders.csv")
        _ = dir.write("order_id,line_id,sku,qty,unit_price\nO1,1,A,5,100\nO1,2,B,2,100\nO1,3,Z,1,100\n", to: "clean/order_lines.csv")
        _ = dir.write("fulfillment_id,order_id,location,status,created_at\nF1,O1,main,success,x\n", to: "clean/fulfillments.csv")
        _ = dir.write("refund_id,order_id,amount,created_at\nR1,O1,100,x\n", to: "clean/refunds.csv")
        let warningOnly = try runTally(["reconcile", "--journal", journal, "--store", clean, "--format", "json"])
        #expect(warningOnly.status == 0, "\(warningOnly.stdout)")
        #expect(try runTally(["reconcile", "--journal", journal, "--store", clean, "--fail-on", "warning"]).status == 1)
        dir.remove()
    }

    @Test("bad stores and bad flags exit 2 naming the file, table, row and column")
    func badInput() throws {
        let journal = try journalWith("stock")
        let notAStore = try runTally(["reconcile", "--journal", journal, "--store", fixturesPath + "/events/valid.ndjson"])
        #expect(notAStore.status == 2)
        #expect(notAStore.stderr.contains("not an SQLite database"))
        let missing = try runTally(["reconcile", "--journal", journal, "--store", dir.file("nothing-here")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nothing-here: cannot read the store"))
        // A CSV with a bad cell.
        try FileManager.default.createDirectory(atPath: dir.file("bad"), withIntermediateDirectories: true)
        _ = dir.write("\u{FEFF}sku,location,available\nA,main,8\nB,main,seven\n", to: "bad/inventory_levels.csv")
        let badCell = try runTally(["reconcile", "--journal", journal, "--store", dir.file("bad")])
        #expect(badCell.status == 2)
        #expect(badCell.stderr.contains("bad/inventory_levels.csv:3: column available: must be an integer, got \"seven\""))
        // A CSV missing a required column.
        _ = dir.write("sku,available\nA,8\n", to: "bad/inventory_levels.csv")
        let badColumn = try runTally(["reconcile", "--journal", journal, "--store", dir.file("bad")])
        #expect(badColumn.status == 2)
        #expect(badColumn.stderr.contains("table inventory_levels has no column location"))
        // An SQLite store missing a table.
        let db = dir.file("partial.db")
        try sqlite(db, "CREATE TABLE products (sku TEXT PRIMARY KEY, price INTEGER NOT NULL, currency TEXT NOT NULL, compare_at INTEGER);")
        let badTable = try runTally(["reconcile", "--journal", journal, "--store", db])
        #expect(badTable.status == 2)
        #expect(badTable.stderr.contains("partial.db: the store has no table inventory_levels"))
        let unknownSnapshot = try runTally(["reconcile", "--journal", journal, "--store", fixturesPath + "/reconcile/stock/store", "--snapshot", "nope"])
        #expect(unknownSnapshot.status == 2)
        #expect(unknownSnapshot.stderr.contains("no snapshot.taken with snapshot_id \"nope\""))
        let badTime = try runTally(["reconcile", "--journal", journal, "--store", fixturesPath + "/reconcile/stock/store", "--as-of", "yesterday"])
        #expect(badTime.status == 2)
        let badFormat = try runTally(["reconcile", "--journal", journal, "--store", fixturesPath + "/reconcile/stock/store", "--format", "pdf"])
        #expect(badFormat.status == 2)
        dir.remove()
    }

    @Test("demo writes a scenario whose reconcile finds every kind of damage a restore does; text, Markdown and HTML match golden files")
    func demo() throws {
        let run = try runTally(["demo", "--dir", dir.file("demo")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("SUMMARY: 20 findings — 11 critical, 8 high, 1 warning"))
        let journal = dir.file("demo/tally.journal"), store = dir.file("demo/store.db")
        #expect(try runTally(["verify", "--journal", journal]).status == 0)
        let json = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json"])
        #expect(json.status == 1)
        let object = try #require(parseJSONObject(json.stdout))
        let kinds = Set(((object["findings"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        for kind in ["oversell", "double_shipment", "lost_order", "lost_fulfillment", "lost_refund", "order_status_drift",
                     "order_conflict", "inventory_drift", "price_drift", "discount_revived", "unjournaled_product"] {
            #expect(kinds.contains(kind), "demo lacks \(kind)")
        }
        let golden = fixturesPath + "/golden/demo"
        for format in ["text", "markdown", "html", "json"] {
            let out = try runTally(["reconcile", "--journal", "tally.journal", "--store", "store.db", "--format", format], directory: dir.file("demo"))
            let ext = ["text": "txt", "markdown": "md", "html": "html", "json": "json"][format]!
            if let problem = checkGolden(out.stdout, path: "\(golden)/reconcile.\(ext)") { Issue.record(Comment(rawValue: problem)) }
        }
        // --output writes the file and prints nothing.
        let toFile = try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "html", "--output", dir.file("r.html")])
        #expect(toFile.stdout.isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.file("r.html")))
        dir.remove()
    }

    @Test("snapshot records the store digest and copies the store; reconcile names the matching snapshot; restored records the restore")
    func markers() throws {
        _ = try runTally(["demo", "--dir", dir.file("demo")])
        let journal = dir.file("demo/tally.journal"), store = dir.file("demo/store.db")
        try FileManager.default.createDirectory(atPath: dir.file("backups"), withIntermediateDirectories: true)
        let snap = try runTally(["snapshot", "--journal", journal, "--store", store, "--id", "manual-1", "--at", "2026-11-19T19:00:00Z", "--copy-to", dir.file("backups")])
        #expect(snap.status == 0, "\(snap.stderr)")
        #expect(snap.stdout.contains("snapshot manual-1 recorded at seq 53"))
        #expect(FileManager.default.fileExists(atPath: dir.file("backups/manual-1.db")))
        // The copy has the same content, so the same digest.
        let text = try runTally(["reconcile", "--journal", journal, "--store", dir.file("backups/manual-1.db"), "--snapshot", "manual-1"])
        #expect(text.stdout.contains("The store's content is exactly snapshot manual-1."))
        let restored = try runTally(["restored", "--journal", journal, "--snapshot", "manual-1", "--at", "2026-11-19T20:00:00Z"])
        #expect(restored.status == 0)
        let json = try #require(parseJSONObject(try runTally(["reconcile", "--journal", journal, "--store", store, "--format", "json"]).stdout))
        #expect((json["snapshot"] as? [String: Any])?["snapshot_id"] as? String == "manual-1")
        #expect((json["restore"] as? [String: Any])?["occurred_at"] as? String == "2026-11-19T20:00:00Z")
        let unknown = try runTally(["restored", "--journal", journal, "--snapshot", "nope"])
        #expect(unknown.status == 2)
        dir.remove()
    }
}

@Suite("tally repair (the binary)")
struct RepairCLITests {
    @Test("the plan lists SQL and what needs a person; --apply backs up, repairs, and a second --apply finds nothing")
    func repairDemo() throws {
        let dir = TempDirectory("repair")
        defer { dir.remove() }
        _ = try runTally(["demo", "--dir", dir.path])
        let plan = try runTally(["repair", "--store", "store.db"], directory: dir.path)
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("(dry run: add --apply to run it)"))
        #expect(plan.stdout.contains("UPDATE orders SET status = 'cancelled' WHERE order_id = '1012';"))
        #expect(plan.stdout.contains("DELETE FROM discounts WHERE code = 'WELCOME10';"))
        #expect(plan.stdout.contains("Needs a person (6, never changed automatically):"))
        #expect(plan.stdout.contains("  - order_drift order_id=1013:"), "a conflicting order is never rewritten")
        let json = try #require(parseJSONObject(try runTally(["repair", "--store", "store.db", "--format", "json"], directory: dir.path).stdout))
        #expect((json["steps"] as? [Any])?.count == 14)
        let applied = try runTally(["repair", "--store", "store.db", "--apply"], directory: dir.path)
        #expect(applied.status == 0)
        #expect(applied.stderr.contains("applied 14 repairs"))
        #expect(FileManager.default.fileExists(atPath: dir.file("store.db.before-repair")))
        let after = try #require(parseJSONObject(try runTally(["reconcile", "--store", "store.db", "--format", "json"], directory: dir.path).stdout))
        let kinds = Set(((after["findings"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        #expect(kinds == ["double_shipment", "lost_fulfillment", "order_conflict", "order_drift", "oversell", "unjournaled_product"])
        let again = try runTally(["repair", "--store", "store.db", "--apply"], directory: dir.path)
        #expect(again.stdout.contains("Nothing to repair automatically."))
        #expect(again.stderr.contains("nothing to apply"))
        // The untouched copy still reconciles as before.
        let old = try #require(parseJSONObject(try runTally(["reconcile", "--store", "store.db.before-repair", "--format", "json"], directory: dir.path).stdout))
        #expect((old["findings"] as? [Any])?.count == 20)
    }

    @Test("a CSV store can be planned but not applied")
    func csvStore() throws {
        let dir = TempDirectory("repair-csv")
        defer { dir.remove() }
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/reconcile/stock/events.ndjson"])
        let store = fixturesPath + "/reconcile/stock/store"
        let plan = try runTally(["repair", "--journal", journal, "--store", store])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("VALUES ('D', 'main', 4) ON CONFLICT"))
        let apply = try runTally(["repair", "--journal", journal, "--store", store, "--apply"])
        #expect(apply.status == 2)
        #expect(apply.stderr.contains("repair --apply needs an SQLite store"))
    }
}

@Suite("tally reconcile: identifiers by code points (the binary)")
struct ReconcileCodePointTests {
    let dir = TempDirectory("reconcile-code-points")

    @Test("a store with both spellings of a SKU, each at its journaled price, reconciles clean")
    func twoSpellings() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        let events = dir.write([(composed, 100), (decomposed, 200)].enumerated().map { i, p in
            "{\"id\":\"p\(i)\",\"type\":\"price.changed\",\"occurred_at\":\"2026-11-20T10:00:0\(i)Z\",\"data\":{\"sku\":\"\(p.0)\",\"price\":\(p.1),\"currency\":\"USD\"}}"
        }.joined(separator: "\n") + "\n", to: "events.ndjson")
        #expect(try runTally(["append", "--journal", journal, events]).status == 0)
        try FileManager.default.createDirectory(atPath: dir.file("store"), withIntermediateDirectories: true)
        // Rows in the other order than the journal's: merged into one SKU, truth would say 200
        // (the later event) and the store 100 (the later row): a price_drift.
        _ = dir.write("sku,price,currency\n\(decomposed),200,USD\n\(composed),100,USD\n", to: "store/products.csv")
        let result = try runTally(["reconcile", "--journal", journal, "--store", dir.file("store"), "--format", "json", "--fail-on", "warning"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\"findings\": []"))
        dir.remove()
    }

    @Test("a store's text compares by code points: a currency with the Kelvin sign is not KWD")
    func storeText() throws {
        let journal = dir.file("t.journal")
        _ = try runTally(["init", "--journal", journal])
        let events = dir.write(#"{"id":"p","type":"price.changed","occurred_at":"2026-11-20T10:00:00Z","data":{"sku":"A","price":100,"currency":"KWD"}}"# + "\n", to: "events.ndjson")
        #expect(try runTally(["append", "--journal", journal, events]).status == 0)
        try FileManager.default.createDirectory(atPath: dir.file("store"), withIntermediateDirectories: true)
        // U+212A KELVIN SIGN is canonically equivalent to K: Swift's == would call these equal.
        _ = dir.write("sku,price,currency\nA,100,\u{212A}WD\n", to: "store/products.csv")
        let result = try runTally(["reconcile", "--journal", journal, "--store", dir.file("store"), "--format", "json", "--fail-on", "none"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"kind\": \"price_drift\""), "\(result.stdout)")
        dir.remove()
    }
}
