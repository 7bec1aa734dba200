import Foundation
import Testing
import TallyCore
import TallyJournal
import TallyStore
import TallyTestSupport

@Suite("Store readers: CSV folders and SQLite files (contract §5, §10)")
struct StoreReaderTests {
    let dir = TempDirectory("store")

    func folder(_ files: [String: String]) throws -> String {
        let path = dir.file("csv")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { _ = dir.write(text, to: "csv/\(name).csv") }
        return path
    }

    @Test("quoted cells keep commas, quotes and line breaks; CRLF ends rows; a BOM is skipped; empty is NULL; missing files are empty tables")
    func csvParsing() throws {
        let path = try folder([
            "orders": "\u{FEFF}order_id,placed_at,location,currency,status,total,customer_email\r\n\"A,1\",2026-11-20T10:00:00Z,main,USD,open,100,\"say \"\"hi\"\"\nthere\"\r\nB,x,main,USD,cancelled,5,\r\n",
            "order_lines": "order_id,line_id,sku,qty,unit_price\n\"A,1\",1,S,2,50\n",
        ])
        let store = try StoreReader.read(path)
        #expect(store.orders.count == 2)
        let a = try #require(store.orders[OrderID("A,1")])
        #expect(a.customerEmail == "say \"hi\"\nthere")
        #expect(a.lines == [OrderLine(lineID: LineID("1"), sku: SKU("S"), qty: 2, unitPrice: 50, discount: 0)])
        #expect(store.orders[OrderID("B")]?.customerEmail == nil)
        #expect(store.orders[OrderID("B")]?.status == "cancelled")
        #expect(store.products.isEmpty && store.refunds.isEmpty)
        dir.remove()
    }

    @Test("bad CSV input names file, line and column", arguments: [
        ("inventory_levels", "sku,location,available\nA,main\n", "inventory_levels.csv:2: column (row): has 2 cells, the header has 3"),
        ("inventory_levels", "sku,location,available\nA,main,1.5\n", "inventory_levels.csv:2: column available: must be an integer, got \"1.5\""),
        ("inventory_levels", "sku,location,available\nA,,3\n", "inventory_levels.csv:2: column location: must not be empty (NOT NULL)"),
        ("orders", "order_id,placed_at,location,currency,status,total\n1,x,main,USD,shipped,1\n", "orders.csv:2: column status: must be one of open, cancelled, got \"shipped\""),
        ("discounts", "code,kind,value,status,starts_at\nA,percentage,1,active,soon\n", "discounts.csv:2: column starts_at: must be an RFC 3339 timestamp, got \"soon\""),
        ("refund_lines", "refund_id,line_id,qty,restock\nR,1,1,2\n", "refund_lines.csv:2: column restock: must be 0 or 1, got 2"),
        ("products", "sku,price\nA,1\n", "table products has no column currency"),
        ("products", "sku,price,currency\n\"A,1,USD\n", "a quoted cell is not closed"),
        ("products", "", "a header row is required"),
    ])
    func csvErrors(_ table: String, _ text: String, _ message: String) throws {
        let path = try folder([table: text])
        do {
            _ = try StoreReader.read(path)
            Issue.record("accepted a bad \(table).csv")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
        dir.remove()
    }

    @Test("SQLite stores: values of the wrong type are errors naming table, row and column; the schema is checked first")
    func sqliteErrors() throws {
        let path = dir.file("s.db")
        try StoreWriter.write(StoreSnapshot(), to: path)
        let store = try StoreReader.read(path)
        #expect(store == StoreSnapshot())
        // A lax store that put text where an integer belongs.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO products VALUES ('A','ten','USD',NULL)\"); c.commit()", path]
        try p.run(); p.waitUntilExit()
        do {
            _ = try StoreReader.read(path)
            Issue.record("accepted text in products.price")
        } catch {
            #expect(error.description.contains("products rowid 1: column price: must be an integer, got \"ten\""), "\(error.description)")
        }
        dir.remove()
    }

    @Test("the store digest ignores row order and changes with content")
    func digest() throws {
        var a = StoreSnapshot()
        a.products[SKU("X")] = .init(price: 1, currency: "USD", compareAt: nil)
        a.products[SKU("Y")] = .init(price: 2, currency: "USD", compareAt: nil)
        let path1 = dir.file("1.db"), path2 = dir.file("2.db")
        try StoreWriter.write(a, to: path1)
        var b = a
        b.products[SKU("Y")]!.price = 3
        try StoreWriter.write(b, to: path2)
        #expect(StoreReader.digest(try StoreReader.read(path1)) == StoreReader.digest(a))
        #expect(StoreReader.digest(a) != StoreReader.digest(b))
        #expect(StoreReader.digest(a).hasPrefix("sha256:"))
        #expect(try StoreReader.digest(path: path1) == StoreReader.digest(a))
        dir.remove()
    }

    @Test("an SQLite store read as facts (in key order, never whole) gives the full read's findings and digest, orphan rows and all", arguments: simulatorSeeds)
    func facts(seed: UInt64) throws {
        let incident = SimulatedIncident.make(seed: seed)
        let path = dir.file("facts-\(seed).db")
        try StoreWriter.write(incident.store, to: path)
        // Rows out of key order, non-ASCII keys, and child rows whose parent is missing.
        try sqlite(path, """
            INSERT INTO orders VALUES ('é-1', '2026-11-20T10:00:00Z', 'main', 'USD', 'open', 500, NULL);
            INSERT INTO orders VALUES ('0-first', '2026-11-20T10:00:00Z', 'main', 'USD', 'cancelled', 0, 'x@example.com');
            INSERT INTO order_lines VALUES ('é-1', 'b', 'SKU-1', 1, 300, 0), ('é-1', 'a', 'SKU-2', 1, 200, 5), ('ghost', '1', 'SKU-1', 1, 1, 0);
            INSERT INTO fulfillment_lines VALUES ('ghost-f', '1', 1);
            INSERT INTO refund_lines VALUES ('ghost-r', '1', 1, 1);
            """)
        let full = try StoreReader.read(path)
        let read = try StoreReader.readFacts(path, digest: true)
        #expect(read.digest == StoreReader.digest(full))
        #expect(read.facts.orders.count == full.orders.count && read.facts.fulfillments.count == full.fulfillments.count)
        for (id, order) in full.orders {
            let facts = try #require(read.facts.orders[id])
            #expect(facts.status == order.status && facts.total == order.total && read.facts.lines(of: facts) == order.lines.sorted { $0.lineID.rawValue < $1.lineID.rawValue })
        }
        let journal = try Journal.create(at: dir.file("facts-\(seed).journal"))
        for chunk in incident.deliveries { try append(journal, chunk.joined(separator: "\n"), batchSize: 37) }
        let markers = try journal.allMarkers()
        let phases = try ResolvedMarkers.resolve(snapshots: markers.snapshots, restores: markers.restores, snapshotArgument: nil, restoredAt: nil).phases
        let truth = try journal.replay()
        let fromFacts = Reconciler.findings(truth: truth, store: read.facts, markers: phases)
        #expect(fromFacts == Reconciler.findings(truth: truth, store: full, markers: phases))
        #expect(fromFacts.contains { $0.kind == .unjournaledOrder })
        #expect(try StoreReader.readFacts(path, digest: false).digest == nil)
    }
    /// A store with the canonical tables and columns but none of the schema's types or
    /// constraints (a lax export), holding order 1, fulfillment F and refund R, then `extra`.
    func laxStore(_ name: String, _ extra: String) throws -> String {
        let path = dir.file(name)
        try sqlite(path, """
            CREATE TABLE products (sku, price, currency, compare_at);
            CREATE TABLE inventory_levels (sku, location, available);
            CREATE TABLE discounts (code, kind, value, status, starts_at, ends_at, usage_limit);
            CREATE TABLE orders (order_id, placed_at, location, currency, status, total, customer_email);
            CREATE TABLE order_lines (order_id, line_id, sku, qty, unit_price, discount);
            CREATE TABLE fulfillments (fulfillment_id, order_id, location, status, carrier, tracking_number, created_at);
            CREATE TABLE fulfillment_lines (fulfillment_id, line_id, qty);
            CREATE TABLE refunds (refund_id, order_id, amount, created_at);
            CREATE TABLE refund_lines (refund_id, line_id, qty, restock);
            INSERT INTO orders VALUES ('1', '2026-11-20T10:00:00Z', 'main', 'USD', 'open', 100, NULL);
            INSERT INTO fulfillments VALUES ('F', '1', 'main', 'success', NULL, NULL, '2026-11-20T11:00:00Z');
            INSERT INTO refunds VALUES ('R', '1', 10, '2026-11-20T12:00:00Z');
            \(extra)
            """)
        return path
    }

    @Test("reading facts checks every cell of orders, fulfillments, refunds and their lines as the full read does: the same error", arguments: [
        ("INSERT INTO orders VALUES (NULL, 't', 'main', 'USD', 'open', 1, NULL)", "column order_id: must not be empty"),
        ("INSERT INTO orders VALUES ('2', NULL, 'main', 'USD', 'open', 1, NULL)", "column placed_at: must not be empty"),
        ("INSERT INTO orders VALUES ('2', X'00', 'main', 'USD', 'open', 1, NULL)", "column placed_at: must be text"),
        ("INSERT INTO orders VALUES ('2', 't', 1.5, 'USD', 'open', 1, NULL)", "column location: must be text"),
        ("INSERT INTO orders VALUES ('2', 't', 'main', 'USD', 'shipped', 1, NULL)", "column status: must be one of open, cancelled"),
        ("INSERT INTO orders VALUES ('2', 't', 'main', 'USD', 'open', 'ten', NULL)", "column total: must be an integer"),
        ("INSERT INTO orders VALUES ('2', 't', 'main', 'USD', 'open', 1, X'01')", "column customer_email: must be text"),
        ("INSERT INTO order_lines VALUES ('1', '1', NULL, 1, 1, 0)", "column sku: must not be empty"),
        ("INSERT INTO order_lines VALUES ('ghost', '1', 'S', 'x', 1, 0)", "column qty: must be an integer"),
        ("INSERT INTO order_lines VALUES ('1', '1', 'S', 1, 1, 2.5)", "column discount: must be an integer"),
        ("INSERT INTO fulfillments VALUES ('G', '1', 'main', 'lost', NULL, NULL, 't')", "column status: must be one of success, cancelled"),
        ("INSERT INTO fulfillments VALUES ('G', '1', 'main', 'success', X'02', NULL, 't')", "column carrier: must be text"),
        ("INSERT INTO fulfillments VALUES ('G', '1', 'main', 'success', NULL, NULL, NULL)", "column created_at: must not be empty"),
        ("INSERT INTO fulfillment_lines VALUES ('F', NULL, 1)", "column line_id: must not be empty"),
        ("INSERT INTO fulfillment_lines VALUES ('ghost', '1', 'x')", "column qty: must be an integer"),
        ("INSERT INTO refunds VALUES ('S', '1', NULL, 't')", "column amount: must not be empty"),
        ("INSERT INTO refunds VALUES ('S', '1', 1, X'03')", "column created_at: must be text"),
        ("INSERT INTO refund_lines VALUES ('R', '1', 1, 2)", "column restock: must be 0 or 1, got 2"),
        ("INSERT INTO refund_lines VALUES ('ghost', '1', 1.5, 1)", "column qty: must be an integer"),
    ])
    func factsErrors(_ sql: String, _ message: String) throws {
        let path = try laxStore("lax.db", sql)
        var messages: [String] = []
        do { _ = try StoreReader.read(path); Issue.record("the full read accepted \(sql)") } catch { messages.append(error.description) }
        for digest in [true, false] {
            do { _ = try StoreReader.readFacts(path, digest: digest); Issue.record("the facts read accepted \(sql)") } catch { messages.append(error.description) }
        }
        #expect(messages.count == 3 && Set(messages).count == 1, "\(messages)")
        #expect(messages.first?.contains(message) == true, "\(messages)")
        dir.remove()
    }

    @Test("reading facts hashes what the full read hashes: integers in text columns, invalid UTF-8, non-ASCII, NULLs, orphan lines")
    func factsDigestCells() throws {
        let path = try laxStore("cells.db", """
            INSERT INTO orders VALUES ('2', 20261120, 7, 'USD', 'cancelled', '25', CAST(X'41C3' AS TEXT));
            INSERT INTO orders VALUES ('3', 'ünïcode', 'main', 'EUR', 'open', 5, 'é@example.com');
            INSERT INTO order_lines VALUES ('2', 'b', 'S-1', 1, 10, NULL), ('2', 'a', 'S-2', '2', 5, 1), ('ghost', 'a', 'S', 1, 1, 0), ('3', 1, 'S-3', 1, 5, 0);
            INSERT INTO fulfillments VALUES ('G', '2', 'main', 'cancelled', 42, CAST(X'FF' AS TEXT), '2026-11-21T00:00:00Z');
            INSERT INTO fulfillment_lines VALUES ('F', '1', 1), ('G', 'a', 1), ('ghost', '1', 1);
            INSERT INTO refund_lines VALUES ('R', '1', 1, 0), ('ghost', '1', 1, 1);
            """)
        let full = try StoreReader.read(path)
        let hashed = try StoreReader.readFacts(path, digest: true)
        let plain = try StoreReader.readFacts(path, digest: false)
        #expect(hashed.digest == StoreReader.digest(full))
        #expect(plain.digest == nil)
        for facts in [hashed.facts, plain.facts] {
            #expect(facts.orders.count == 3 && facts.fulfillments.count == 2 && facts.refunds.count == 1)
            for (id, order) in full.orders {
                let read = try #require(facts.orders[id])
                #expect(read.status == order.status && read.total == order.total)
                #expect(facts.lines(of: read) == order.lines.sorted { $0.lineID.rawValue.utf8.lexicographicallyPrecedes($1.lineID.rawValue.utf8) })
            }
            #expect(facts.fulfillments[FulfillmentID("G")] == "cancelled")
        }
        dir.remove()
    }
}

@Suite("Store digest: the bytes it hashes do not change between versions")
struct StoreDigestGoldenTests {
    let dir = TempDirectory("digest-golden")

    @Test("a fixed store has a fixed digest (snapshots recorded by earlier versions must still match)")
    func golden() throws {
        let path = dir.file("golden.db")
        try StoreWriter.write(StoreSnapshot(), to: path)
        try sqlite(path, """
            INSERT INTO products VALUES ('SKU-1', 1999, 'USD', NULL), ('SKU-2', -5, 'EUR', 2500);
            INSERT INTO inventory_levels VALUES ('SKU-1', 'main', 12), ('SKU-2', 'east', -3);
            INSERT INTO discounts VALUES ('WELCOME10', 'percentage', 10, 'active', '2026-11-01T00:00:00Z', NULL, 100);
            INSERT INTO orders VALUES ('1001', '2026-11-20T10:00:00Z', 'main', 'USD', 'open', 3998, 'ann@example.com'),
                                      ('1002', '2026-11-20T11:00:00Z', 'main', 'USD', 'cancelled', 0, NULL);
            INSERT INTO order_lines VALUES ('1001', '1', 'SKU-1', 2, 1999, 0), ('1002', '1', 'SKU-2', 1, 9223372036854775807, -9223372036854775808);
            INSERT INTO fulfillments VALUES ('F1', '1001', 'main', 'success', 'UPS', '1Z999', '2026-11-21T09:00:00Z');
            INSERT INTO fulfillment_lines VALUES ('F1', '1', 2);
            INSERT INTO refunds VALUES ('R1', '1001', 500, '2026-11-22T09:00:00Z');
            INSERT INTO refund_lines VALUES ('R1', '1', 1, 1);
            """)
        let expected = "sha256:d5d25a3eb05ee123b6acd46e7e4dae1df701aeb5449c0ce8191e21430df1cf2b"
        #expect(try StoreReader.readFacts(path, digest: true).digest == expected)
        let full = StoreReader.digest(try StoreReader.read(path))
        #expect(full == expected, "\(full)")
        dir.remove()
    }

    @Test("a store whose material passes the digest's buffer several times, with a row bigger than the buffer, keeps its digest")
    func goldenLarge() throws {
        let path = dir.file("large.db")
        try StoreWriter.write(StoreSnapshot(), to: path)
        // 6,000 products (about 150 KB of material: the buffer is handed to SHA-256 every
        // 64 KiB) and an order whose e-mail alone is 200,000 bytes (the buffer grows).
        try sqlite(path, """
            INSERT INTO products VALUES ('SKU-0', 0, 'USD', NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5999)
              INSERT INTO products SELECT 'SKU-' || i, i * 37 - 90000, 'USD', CASE WHEN i % 3 = 0 THEN NULL ELSE i END FROM n;
            INSERT INTO orders VALUES ('1', '2026-11-20T10:00:00Z', 'main', 'USD', 'open', 10, replace(hex(zeroblob(100000)), '00', 'é'));
            INSERT INTO order_lines VALUES ('1', '1', 'SKU-1', 1, 10, 0);
            """)
        // Recorded with the digest writer that appended to an Array and hashed each row.
        let expected = "sha256:c625e80ed5ffece4ce2b0b2b3f404a4782c357018e43a9ccb2bd710d883aa0d7"
        #expect(try StoreReader.readFacts(path, digest: true).digest == expected)
        let full = StoreReader.digest(try StoreReader.read(path))
        #expect(full == expected, "\(full)")
        dir.remove()
    }
}
