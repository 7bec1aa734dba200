import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyTestSupport

@Suite("Journal: no operation leaves a statement open (an open statement is a read transaction that keeps the WAL from starting over)")
struct OpenStatementTests {
    @Test("after appends, the SKU index catch-up, lookups, evidence, deliveries and status reads, no statement is left stepping")
    func noneLeftOpen() throws {
        let dir = TempDirectory("open-statements"); defer { dir.remove() }
        let journal = try Journal.create(at: dir.file("t.journal"))
        let lines = try String(contentsOfFile: fixturesPath + "/events/valid.ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
        let delivery = Delivery(source: "shopify", key: "w-1", topic: "orders/create", headers: "{}", body: Array("{}".utf8), result: .mapped)
        var checked: [String] = []
        func expectNoneOpen(_ step: String) {
            checked.append(step)
            #expect(journal.activeStatements.isEmpty, "after \(step): \(journal.activeStatements)")
        }
        _ = try journal.append(lines.enumerated().map { item($0.element, $0.offset + 1) }); expectNoneOpen("append")
        _ = try journal.append([item(lines[0])]); expectNoneOpen("append of a duplicate")
        _ = try journal.appendGroup([GroupRequest(delivery: delivery, items: [item(priceLine("g1"))])]); expectNoneOpen("appendGroup")
        _ = try journal.appendGroup([GroupRequest(delivery: delivery, items: [item(priceLine("g2"))])]); expectNoneOpen("appendGroup of a delivery seen before")
        try journal.indexOrderSKUs(); expectNoneOpen("indexOrderSKUs")
        try journal.indexOrderSKUs(); expectNoneOpen("indexOrderSKUs with nothing new")
        _ = try journal.orderHistory(OrderID("1001")); expectNoneOpen("orderHistory")
        _ = try journal.orders(email: "ana@example.com"); expectNoneOpen("orders(email:)")
        _ = try journal.skuHistory(SKU("TEE-BLK-M"), from: nil, to: nil); expectNoneOpen("skuHistory")
        _ = try journal.currentPrice(SKU("TEE-BLK-M")); expectNoneOpen("currentPrice")
        _ = try journal.contains(eventID: "ev-0004"); expectNoneOpen("contains(eventID:)")
        _ = try journal.chainEntries([1, 2, 3]); expectNoneOpen("chainEntries")
        _ = try journal.events(seqs: [1, 2]); expectNoneOpen("events(seqs:)")
        _ = try journal.anchor(at: 16); expectNoneOpen("anchor(at:)")
        _ = try journal.deliveries(); expectNoneOpen("deliveries")
        _ = try journal.lastEventBySource(); expectNoneOpen("lastEventBySource")
        _ = try journal.pruneAnchor(); expectNoneOpen("pruneAnchor")
        _ = try journal.replay(); expectNoneOpen("replay")
        _ = try journal.verify(); expectNoneOpen("verify")
        #expect(checked.count == 19)
    }

    @Test("a writer whose reads leave nothing open lets the WAL start over after a checkpoint: the next commits reuse the file")
    func walStartsOver() throws {
        let dir = TempDirectory("wal-restart"); defer { dir.remove() }
        let path = dir.file("t.journal")
        let writer = try Journal.create(at: path)
        writer.disableAutomaticCheckpoints()
        for n in 0..<200 {
            _ = try writer.appendGroup([GroupRequest(items: [item(priceLine("w\(n)"))])])
            try writer.indexOrderSKUs()
        }
        let grown = writer.walBytes
        #expect(grown > 200 * 4096)
        try Journal.open(at: path).checkpoint()
        writer.checkpoint()
        for n in 0..<20 { _ = try writer.appendGroup([GroupRequest(items: [item(priceLine("x\(n)"))])]) }
        // Started over: the 20 commits overwrote the start of the file instead of extending it.
        #expect(writer.walBytes == grown)
        #expect(try writer.verify().isIntact)
    }

    @Test("a WAL grown with zeros up front: commits land, and a crash image (files copied while open) recovers every committed event")
    func preallocatedWAL() throws {
        let dir = TempDirectory("wal-prealloc"); defer { dir.remove() }
        let path = dir.file("t.journal")
        let journal = try Journal.create(at: path)
        _ = try journal.append([item(priceLine("before"))])
        let before = journal.walBytes
        try journal.preallocateWAL(bytes: 4 << 20)
        #expect(journal.walBytes == 4 << 20 && before < 4 << 20)
        for n in 0..<5 { _ = try journal.appendGroup([GroupRequest(items: [item(priceLine("p\(n)"))])]) }
        #expect(journal.walBytes == 4 << 20)
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: dir.file("crash.journal") + suffix)
        }
        let recovered = try Journal.open(at: dir.file("crash.journal"), readOnly: false)
        #expect(try recovered.head().seq == 6)
        #expect(try recovered.verify().isIntact)
    }
}
