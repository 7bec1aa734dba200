import Foundation
import Testing
import TallyCore
@testable import TallyJournal
import TallySQLite
import TallyTestSupport

@Suite("The lookup tables' catch-up")
struct LookupTablesTests {
    let dir = TempDirectory("lookup-tables")

    @Test("it reaches the head, adds nothing when run again, and gives the connection its page cache back")
    func catchUp() throws {
        let journal = try Journal.create(at: dir.file("j.journal"))
        let incident = SimulatedIncident.make(seed: 5)
        _ = try append(journal, incident.history.joined(separator: "\n"))
        let cache = try journal.connection.scalar("PRAGMA cache_size")
        #expect(cache == .integer(-Int64(Schema.cacheKibibytes)))
        #expect(try journal.lookupsSeq() == 0, "append leaves the tables to the end of the command")
        try journal.indexLookups()
        let head = try journal.head().seq
        #expect(try journal.lookupsSeq() == head)
        #expect(try journal.connection.scalar("PRAGMA cache_size") == cache)
        let rows = try journal.connection.scalar("SELECT (SELECT count(*) FROM lookup_skus) + (SELECT count(*) FROM lookup_emails) + (SELECT count(*) FROM lookup_trackings)")
        let keyed = try journal.connection.scalar("SELECT count(sku) + count(customer_email) + count(tracking_number) FROM events")
        #expect(rows == keyed)
        try journal.indexLookups()
        #expect(try journal.connection.scalar("SELECT (SELECT count(*) FROM lookup_skus) + (SELECT count(*) FROM lookup_emails) + (SELECT count(*) FROM lookup_trackings)") == rows)
        dir.remove()
    }

    @Test("one scan fills every derived table with exactly the rows the plain SQL statements select, whatever the chunk size")
    func sameRowsAsSQL() throws {
        var history = SyntheticHistory(seed: 17, skuCount: 60)
        var lines = (0..<3000).map { _ in history.next() }
        // Keys whose bytes order differently from Swift's string order, long shared prefixes,
        // an empty tracking number, the same email twice in one order's life.
        lines.append(#"{"id":"t1","type":"order.placed","occurred_at":"2026-11-20T10:00:00Z","data":{"order_id":"t1","location":"m","currency":"EUR","total":1,"customer_email":"é@x","lines":[{"line_id":"1","sku":"e\u0301","qty":1,"unit_price":1},{"line_id":"2","sku":"é","qty":1,"unit_price":0},{"line_id":"3","sku":"é","qty":2,"unit_price":0}]}}"#)
        lines.append(#"{"id":"t2","type":"fulfillment.created","occurred_at":"2026-11-20T10:00:01Z","data":{"fulfillment_id":"t2","order_id":"t1","location":"m","lines":[{"line_id":"1","qty":1}],"tracking_number":""}}"#)
        lines.append(#"{"id":"t3","type":"inventory.set","occurred_at":"2026-11-20T10:00:02Z","data":{"sku":"SKU-LONG-PREFIX-000000000001","location":"m","available":1,"reason":"count"}}"#)
        lines.append(#"{"id":"t4","type":"inventory.set","occurred_at":"2026-11-20T10:00:02Z","data":{"sku":"SKU-LONG-PREFIX-000000000000","location":"m","available":1,"reason":"count"}}"#)
        func tables(_ name: String, chunkRows: Int, split: Bool) throws -> [[String]] {
            let journal = try Journal.create(at: dir.file(name))
            if split {
                // Two appends, with a catch-up of only order_skus between: the marks differ.
                _ = try append(journal, lines.prefix(1500).joined(separator: "\n"))
                try journal.indexOrderSKUs(chunkRows: chunkRows)
                _ = try append(journal, lines.dropFirst(1500).joined(separator: "\n"))
            } else {
                _ = try append(journal, lines.joined(separator: "\n"))
            }
            try journal.indexDerivedTables(chunkRows: chunkRows)
            let head = try journal.head().seq
            #expect(try journal.lookupsSeq() == head)
            #expect(try journal.orderSKUsSeq() == head)
            func rows(_ sql: String) throws -> [String] {
                var out: [String] = []
                let s = try journal.connection.prepare(sql)
                while try s.step() { out.append((0..<s.columnCount).map { s.text($0) }.joined(separator: "|")) }
                return out
            }
            var result: [[String]] = []
            for (table, _, _, fill) in Schema.lookupTables {
                let stored = try rows("SELECT * FROM \(table) ORDER BY 1, 2, 3")
                // The plain statement's SELECT, over every event.
                let select = fill.replacingOccurrences(of: "INSERT OR IGNORE INTO \(table) ", with: "SELECT DISTINCT * FROM (")
                    .replacingOccurrences(of: "?1", with: "0").replacingOccurrences(of: "?2", with: String(head)) + ") ORDER BY 1, 2, 3"
                #expect(stored == (try rows(select)), "\(table)")
                #expect(!stored.isEmpty)
                result.append(stored)
            }
            let skus = try rows("SELECT * FROM order_skus ORDER BY 1, 2, 3")
            let expected = try rows("""
                SELECT DISTINCT l.value ->> 'sku', e.occurred_us, e.seq FROM events e, json_each(e.data, '$.lines') l
                WHERE e.type = \(EventType.orderPlaced.code) ORDER BY 1, 2, 3
                """)
            #expect(skus == expected)
            result.append(skus)
            return result
        }
        let whole = try tables("whole.journal", chunkRows: 1 << 20, split: false)
        #expect(try tables("small.journal", chunkRows: 7, split: false) == whole)
        #expect(try tables("split.journal", chunkRows: 100, split: true) == whole)
        dir.remove()
    }
}
