import Foundation
import Testing
import TallyCore
import TallyTestSupport

/// The journal's clock fills `recorded_at`, and the chain hashes cover it: the
/// expected files hold placeholders for both.
func normalisedLookup(_ text: String) -> String {
    func walk(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(members: object.members.map { member in
                switch member.key {
                case "recorded_at": return (member.key, .string("<recorded_at>"))
                case "hash": return (member.key, .string("<hash>"))
                default: return (member.key, walk(member.value))
                }
            }))
        case .array(let items): return .array(items.map(walk))
        default: return value
        }
    }
    guard let value = try? JSONParser.parse(text) else { return "not JSON:\n" + text }
    return JSONWriter.encode(walk(value)) + "\n"
}

let lookupScenarios: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesPath + "/lookup")) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted()
}()

@Suite("tally lookup (contract §8, §10)")
struct LookupTests {
    let dir = TempDirectory("lookup")

    func journal(_ scenario: String, name: String? = nil) throws -> String {
        let journal = dir.file("\(name ?? scenario).journal")
        _ = try runTally(["init", "--journal", journal])
        let appended = try runTally(["append", "--journal", journal, fixturesPath + "/lookup/\(scenario)/events.ndjson"])
        #expect(appended.status == 0, "\(appended.stderr)")
        return journal
    }

    @Test("every query of a scenario matches its expected JSON", arguments: lookupScenarios)
    func scenario(_ name: String) throws {
        let folder = fixturesPath + "/lookup/" + name
        let journal = try journal(name)
        let queries = try String(contentsOfFile: folder + "/queries", encoding: .utf8).split(separator: "\n")
        for query in queries {
            let words = query.split(separator: " ").map(String.init)
            let run = try runTally(["lookup", "--journal", journal, "--format", "json"] + words.dropFirst())
            #expect(run.status == 0, "\(query): \(run.stderr)")
            if let problem = checkGolden(normalisedLookup(run.stdout), path: folder + "/expected/\(words[0]).json") {
                Issue.record(Comment(rawValue: problem))
            }
        }
        dir.remove()
    }

    @Test("the timeline is in event time whatever the delivery order; list prices are those before the order, not after")
    func eventTimeAndPrices() throws {
        let journal = try journal("dispute")
        let run = try runTally(["lookup", "--journal", journal, "--order", "5001", "--format", "json"])
        let object = try #require(parseJSONObject(run.stdout))
        let timeline = try #require(object["timeline"] as? [[String: Any]])
        // seq 12 (F-1 cancelled) was appended after the refund (seq 11) but happened before it.
        #expect(timeline.map { $0["seq"] as? Int } == [8, 23, 15, 10, 12, 13, 11, 14, 21])
        let prices = try #require(object["prices_at_order"] as? [[String: Any]])
        // TEE went from 2000 to 2500 between the placement and the first fulfillment.
        #expect(prices.first?["list"] as? Int == 2000)
        #expect(prices.first?["charged"] as? Int == 1800)
        let discounts = try #require(object["discounts_at_order"] as? [[String: Any]])
        #expect(discounts.map { $0["code"] as? String } == ["SAVE10", "OLD", "NEVER"])
        #expect(discounts[1]["status"] as? String == "deleted")
        #expect(discounts[2]["status"] is NSNull)
        #expect((object["integrity"] as? [String: Any])?["verified"] as? Bool == true)
        dir.remove()
    }

    @Test("text, Markdown and HTML show the timeline, tracking and the integrity check")
    func peopleFormats() throws {
        let journal = try journal("dispute")
        for format in ["text", "markdown", "html"] {
            let run = try runTally(["lookup", "--journal", journal, "--order", "5001", "--format", format])
            #expect(run.status == 0)
            for needle in ["1ZTRACK2", "FedEx", "R-1", "SAVE10", "verified: 13 events", "conflicts with the first placement"] {
                #expect(run.stdout.contains(needle), "\(format) lacks \(needle)")
            }
        }
        let html = try runTally(["lookup", "--journal", journal, "--email", "ann@example.com", "--format", "html", "--output", dir.file("a.html")])
        #expect(html.status == 0)
        let written = try String(contentsOfFile: dir.file("a.html"), encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>") && written.contains("Order 5002") && !written.contains("http"))
        dir.remove()
    }

    @Test("an order lost from the store by a restore is still there in full: the lookup reads only the journal")
    func lostOrder() throws {
        let demo = try runTally(["demo"], directory: dir.path)
        #expect(demo.status == 0, "\(demo.stderr)")
        let report = try runTally(["reconcile", "--journal", dir.file("tally-demo/tally.journal"), "--store", dir.file("tally-demo/store.db"), "--format", "json"])
        let findings = try #require(parseJSONObject(report.stdout)?["findings"] as? [[String: Any]])
        let lost = try #require(findings.first { $0["kind"] as? String == "lost_order" })
        let orderID = try #require((lost["key"] as? [String: Any])?["order_id"] as? String)
        let run = try runTally(["lookup", "--journal", dir.file("tally-demo/tally.journal"), "--order", orderID, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(parseJSONObject(run.stdout))
        #expect((object["order"] as? [String: Any])?["order_id"] as? String == orderID)
        #expect(!((object["timeline"] as? [Any]) ?? []).isEmpty)
        dir.remove()
    }

    @Test("a tampered journal: integrity.verified is false, the output and standard error name the seq")
    func tampered() throws {
        let journal = try journal("dispute")
        try sqlite(journal, "DROP TRIGGER events_no_update; UPDATE events SET tracking_number = '1ZFORGED' WHERE seq = 13;")
        let run = try runTally(["lookup", "--journal", journal, "--order", "5001", "--format", "json"])
        #expect(run.status == 0)
        let integrity = try #require(parseJSONObject(run.stdout)?["integrity"] as? [String: Any])
        #expect(integrity["verified"] as? Bool == false)
        #expect(integrity["first_bad_seq"] as? Int == 13)
        #expect(run.stderr.contains("seq 13"))
        let text = try runTally(["lookup", "--journal", journal, "--order", "5001"])
        #expect(text.stdout.contains("tamper check failed") && text.stdout.contains("seq 13"))
        // An edit outside the order's events, between them and the head, breaks the chain they rely on.
        let other = try self.journal("dispute", name: "other")
        try sqlite(other, "DROP TRIGGER events_no_update; UPDATE events SET data = replace(data, '1500', '1400') WHERE seq = 22;")
        let far = try runTally(["lookup", "--journal", other, "--order", "5002", "--format", "json"])
        #expect((parseJSONObject(far.stdout)?["integrity"] as? [String: Any])?["first_bad_seq"] as? Int == 22)
        dir.remove()
    }

    @Test("unknown order, email, tracking number and SKU exit 1 with a clear message; bad usage exits 2")
    func unknown() throws {
        let journal = try journal("dispute")
        let cases: [([String], String)] = [
            (["--order", "4040"], "order 4040 is unknown: no event in the journal names it"),
            (["--order", "9999"], "order 9999 is unknown: 1 event names it, but none placed it"),
            (["--email", "nobody@example.com"], "no order in the journal was placed with customer email nobody@example.com"),
            (["--tracking", "1ZNOPE"], "no fulfillment in the journal has tracking number 1ZNOPE"),
            (["--sku", "NOPE"], "SKU NOPE is unknown"),
        ]
        for (args, message) in cases {
            let run = try runTally(["lookup", "--journal", journal] + args)
            #expect(run.status == 1, "\(args)")
            #expect(run.stderr.contains(message), "\(args): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        for args in [["--order", "1", "--email", "a"], [], ["--order", "1", "--from", "2026-11-01T00:00:00Z"],
                     ["--sku", "MUG", "--from", "yesterday"], ["--sku", "MUG", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]] {
            #expect(try runTally(["lookup", "--journal", journal] + args).status == 2, "\(args)")
        }
        #expect(try runTally(["lookup", "--journal", dir.file("missing.journal"), "--order", "1"]).status == 2)
        dir.remove()
    }
}

@Suite("tally evidence (dispute packs)")
struct EvidenceTests {
    let dir = TempDirectory("evidence")

    func packed(_ name: String = "t") throws -> (journal: String, pack: String) {
        let journal = dir.file("\(name).journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/lookup/dispute/events.ndjson"])
        let pack = dir.file("\(name)-pack")
        let run = try runTally(["evidence", "--journal", journal, "--order", "5001", "--output", pack])
        #expect(run.status == 0, "\(run.stderr)")
        return (journal, pack)
    }

    @Test("a pack holds the report, the raw events and a manifest; it verifies against the journal and offline")
    func writeAndVerify() throws {
        let (journal, pack) = try packed()
        for name in ["report.html", "report.md", "lookup.json", "events.ndjson", "manifest.json"] {
            #expect(FileManager.default.fileExists(atPath: pack + "/" + name), "\(name)")
        }
        let report = try String(contentsOfFile: pack + "/report.md", encoding: .utf8)
        for needle in ["Product description", "Price and discounts at purchase", "Shipping: carrier, tracking number and date",
                       "1ZTRACK2", "Refund and cancellation history", "ann@example.com"] {
            #expect(report.contains(needle), "report.md lacks \(needle)")
        }
        let events = try String(contentsOfFile: pack + "/events.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(events.count == 13)
        let manifest = try #require(parseJSONObject(try String(contentsOfFile: pack + "/manifest.json", encoding: .utf8)))
        #expect((manifest["events"] as? [Any])?.count == 13)
        #expect((manifest["files"] as? [Any])?.count == 4)
        let online = try runTally(["evidence", "--journal", journal, "--verify", pack])
        #expect(online.status == 0 && online.stdout.contains("verified"), "\(online.stderr)")
        let offline = try runTally(["evidence", "--verify", pack, "--offline"])
        #expect(offline.status == 0, "\(offline.stderr)")
        // The folder must be new or empty.
        #expect(try runTally(["evidence", "--journal", journal, "--order", "5001", "--output", pack]).status == 2)
        #expect(try runTally(["evidence", "--journal", journal, "--order", "4040", "--output", dir.file("p2")]).status == 1)
        dir.remove()
    }

    @Test("an edited event, or a rewritten journal, fails the check naming the seq; a broken journal gets no new pack")
    func tamper() throws {
        let (_, pack) = try packed()
        // The event and the manifest's file hash edited together: the chain entry still catches it.
        let eventsPath = pack + "/events.ndjson"
        let edited = try String(contentsOfFile: eventsPath, encoding: .utf8).replacingOccurrences(of: "1ZTRACK2", with: "1ZFORGED")
        try edited.write(toFile: eventsPath, atomically: true, encoding: .utf8)
        let offline = try runTally(["evidence", "--verify", pack, "--offline"])
        #expect(offline.status == 1)
        #expect(offline.stderr.contains("events.ndjson was changed") && offline.stderr.contains("(seq 13) does not hash to its chain entry"))

        let (journal2, pack2) = try packed("second")
        try sqlite(journal2, "DROP TRIGGER events_no_update; UPDATE events SET carrier = 'DHL' WHERE seq = 13;")
        let online = try runTally(["evidence", "--journal", journal2, "--verify", pack2])
        #expect(online.status == 1)
        #expect(online.stderr.contains("seq 13"), "\(online.stderr)")
        // A journal that fails its tamper check gets no new pack.
        let refused = try runTally(["evidence", "--journal", journal2, "--order", "5001", "--output", dir.file("p3")])
        #expect(refused.status == 1 && refused.stderr.contains("tamper check failed"))
        dir.remove()
    }
}

@Suite("Chain anchors, the SKU index and the lookup tables")
struct AnchorTests {
    let dir = TempDirectory("anchors")

    func syntheticJournal(_ events: Int) throws -> String {
        var history = SyntheticHistory(seed: 7, skuCount: 20)
        let lines = (0..<events).map { _ in history.next() }.joined(separator: "\n") + "\n"
        let journal = dir.file("s.journal")
        _ = try runTally(["init", "--journal", journal])
        let run = try runTally(["append", "--journal", journal, "-"], stdin: lines)
        #expect(run.status == 0, "\(run.stderr)")
        return journal
    }

    @Test("an anchor every 16 seqs; a lookup's check stops at the next anchor; verify catches an edited anchor")
    func anchors() throws {
        let journal = try syntheticJournal(300)
        let lookup = try runTally(["lookup", "--journal", journal, "--order", "1", "--format", "json"])
        #expect(lookup.status == 0, "\(lookup.stderr)")
        let integrity = try #require(parseJSONObject(lookup.stdout)?["integrity"] as? [String: Any])
        let spans = try #require(integrity["spans"] as? [[String: Any]])
        #expect(!spans.isEmpty)
        for span in spans where span["end"] as? String == "anchor" {
            #expect((span["through"] as? Int ?? 0) % 16 == 0)
            #expect((span["through"] as? Int ?? 0) - (span["from"] as? Int ?? 0) < 16)
        }
        #expect(try runTally(["verify", "--journal", journal]).status == 0)
        try sqlite(journal, "DROP TRIGGER anchors_no_update; UPDATE anchors SET hash = zeroblob(32) WHERE seq = 128;")
        let verify = try runTally(["verify", "--journal", journal])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("128") || verify.stderr.contains("128"), "\(verify.stdout) \(verify.stderr)")
        dir.remove()
    }

    @Test("the SKU index is brought up to date after appends; without it, lookups scan the placements it lacks")
    func skuIndex() throws {
        let journal = try syntheticJournal(300)
        let before = try runTally(["lookup", "--journal", journal, "--sku", "SKU-1", "--format", "json"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(try scalar(journal, "SELECT count(*) FROM order_skus") > 0)
        #expect(try scalar(journal, "SELECT value FROM journal_meta WHERE key = 'order_skus_seq'") == 300)
        try sqlite(journal, "DELETE FROM order_skus; DELETE FROM journal_meta WHERE key = 'order_skus_seq';")
        let scanned = try runTally(["lookup", "--journal", journal, "--sku", "SKU-1", "--format", "json"])
        #expect(scanned.stdout == before.stdout)
        _ = try runTally(["append", "--journal", journal, "-"], stdin: "")
        #expect(try scalar(journal, "SELECT value FROM journal_meta WHERE key = 'order_skus_seq'") == 300)
        let rebuilt = try runTally(["lookup", "--journal", journal, "--sku", "SKU-1", "--format", "json"])
        #expect(rebuilt.stdout == before.stdout)
        dir.remove()
    }

    /// Every kind of lookup the lookup tables serve, on the first order, email and tracking number
    /// of `syntheticJournal`, as JSON.
    func lookups(_ journal: String) throws -> [String] {
        var history = SyntheticHistory(seed: 7, skuCount: 20)
        let events = (0..<300).compactMap { _ in parseJSONObject(history.next()) }
        let data = events.compactMap { $0["data"] as? [String: Any] }
        let email = try #require(data.lazy.compactMap { $0["customer_email"] as? String }.first)
        let tracking = try #require(data.lazy.compactMap { $0["tracking_number"] as? String }.first)
        var outputs: [String] = []
        for query in [["--email", email], ["--tracking", tracking], ["--sku", "SKU-1"], ["--sku", "SKU-2", "--to", "2026-11-01T06:00:00Z"], ["--order", "1"], ["--order", "7"]] {
            let run = try runTally(["lookup", "--journal", journal, "--format", "json"] + query)
            #expect(run.status == 0, "\(query): \(run.stderr)")
            outputs.append(run.stdout)
        }
        return outputs
    }

    @Test("lookups by SKU, email and tracking read the lookup tables and the events appended since; a later append brings the tables up to date")
    func lookupTables() throws {
        let journal = try syntheticJournal(300)
        let expected = try lookups(journal)
        #expect(try scalar(journal, "SELECT value FROM journal_meta WHERE key = 'lookups_seq'") == 300)
        #expect(try scalar(journal, "SELECT count(*) FROM lookup_skus") == scalar(journal, "SELECT count(*) FROM events WHERE sku IS NOT NULL"))
        #expect(try scalar(journal, "SELECT count(*) FROM lookup_emails") == scalar(journal, "SELECT count(*) FROM events WHERE customer_email IS NOT NULL"))
        #expect(try scalar(journal, "SELECT count(*) FROM lookup_trackings") == scalar(journal, "SELECT count(*) FROM events WHERE tracking_number IS NOT NULL"))
        #expect(try scalar(journal, "SELECT count(*) FROM sqlite_master WHERE name IN ('events_by_sku_type', 'events_by_email', 'events_by_tracking')") == 0)
        // As after a crash between the last commit and the catch-up: the tables reach seq 120 only.
        try sqlite(journal, """
            DELETE FROM lookup_skus WHERE seq > 120; DELETE FROM lookup_emails WHERE seq > 120; DELETE FROM lookup_trackings WHERE seq > 120;
            UPDATE journal_meta SET value = '120' WHERE key = 'lookups_seq';
            """)
        #expect(try lookups(journal) == expected)
        _ = try runTally(["append", "--journal", journal, "-"], stdin: "")
        #expect(try scalar(journal, "SELECT value FROM journal_meta WHERE key = 'lookups_seq'") == 300)
        #expect(try scalar(journal, "SELECT count(*) FROM lookup_skus") == scalar(journal, "SELECT count(*) FROM events WHERE sku IS NOT NULL"))
        #expect(try lookups(journal) == expected)
        dir.remove()
    }

    @Test("a journal written before the lookup tables: read-only lookups use its indexes; its first writer builds the tables and drops the indexes, with a notice")
    func lookupTablesUpgrade() throws {
        let journal = try syntheticJournal(300)
        let expected = try lookups(journal)
        try sqlite(journal, """
            DROP TABLE lookup_skus; DROP TABLE lookup_emails; DROP TABLE lookup_trackings;
            DELETE FROM journal_meta WHERE key = 'lookups_seq';
            CREATE INDEX events_by_sku_type ON events (sku, type, occurred_us) WHERE sku IS NOT NULL;
            CREATE INDEX events_by_email ON events (customer_email) WHERE customer_email IS NOT NULL;
            CREATE INDEX events_by_tracking ON events (tracking_number) WHERE tracking_number IS NOT NULL;
            """)
        #expect(try lookups(journal) == expected)
        #expect(try scalar(journal, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'lookup_%'") == 0, "a lookup changes nothing")
        let writer = try runTally(["append", "--journal", journal, "-"], stdin: "")
        #expect(writer.status == 0 && writer.stderr.contains("building the lookup tables"), "\(writer.stderr)")
        #expect(try scalar(journal, "SELECT count(*) FROM sqlite_master WHERE name IN ('events_by_sku_type', 'events_by_email', 'events_by_tracking')") == 0)
        #expect(try scalar(journal, "SELECT count(*) FROM lookup_emails") == scalar(journal, "SELECT count(*) FROM events WHERE customer_email IS NOT NULL"))
        #expect(try lookups(journal) == expected)
        let again = try runTally(["append", "--journal", journal, "-"], stdin: "")
        #expect(!again.stderr.contains("building the lookup tables"))
        dir.remove()
    }
}
