#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallySQLite

/// Writes a `StoreSnapshot` as a canonical SQLite store (demo scenarios, tests).
public enum StoreWriter {
    /// The canonical schema (`store-schema.sql`, contract version 1).
    public static let schema = """
    CREATE TABLE products (sku TEXT PRIMARY KEY, price INTEGER NOT NULL, currency TEXT NOT NULL, compare_at INTEGER);
    CREATE TABLE inventory_levels (sku TEXT NOT NULL, location TEXT NOT NULL, available INTEGER NOT NULL, PRIMARY KEY (sku, location));
    CREATE TABLE discounts (code TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('percentage', 'fixed_amount', 'free_shipping')), value INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'disabled')), starts_at TEXT, ends_at TEXT, usage_limit INTEGER);
    CREATE TABLE orders (order_id TEXT PRIMARY KEY, placed_at TEXT NOT NULL, location TEXT NOT NULL, currency TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'cancelled')), total INTEGER NOT NULL, customer_email TEXT);
    CREATE TABLE order_lines (order_id TEXT NOT NULL REFERENCES orders (order_id), line_id TEXT NOT NULL, sku TEXT NOT NULL,
      qty INTEGER NOT NULL, unit_price INTEGER NOT NULL, discount INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (order_id, line_id));
    CREATE TABLE fulfillments (fulfillment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, location TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('success', 'cancelled')), carrier TEXT, tracking_number TEXT, created_at TEXT NOT NULL);
    CREATE TABLE fulfillment_lines (fulfillment_id TEXT NOT NULL REFERENCES fulfillments (fulfillment_id), line_id TEXT NOT NULL,
      qty INTEGER NOT NULL, PRIMARY KEY (fulfillment_id, line_id));
    CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, amount INTEGER NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE refund_lines (refund_id TEXT NOT NULL REFERENCES refunds (refund_id), line_id TEXT NOT NULL, qty INTEGER NOT NULL,
      restock INTEGER NOT NULL CHECK (restock IN (0, 1)), PRIMARY KEY (refund_id, line_id));
    """

    /// Writes `store` to a new file at `path` (replacing one that is there), through a temp file and a rename.
    public static func write(_ store: StoreSnapshot, to path: String) throws(StoreError) {
        let temp = path + ".tmp"
        unlink(temp)
        do throws(SQLiteError) {
            let db = try Connection(path: temp, mode: .readWriteCreate)
            try db.execute("PRAGMA journal_mode=DELETE; BEGIN;")
            try db.execute(schema)
            let p = try db.prepare("INSERT INTO products VALUES (?, ?, ?, ?)")
            for sku in store.products.keys.sorted() {
                let v = store.products[sku]!
                p.reset(); p.bind(sku.rawValue, at: 1); p.bind(v.price, at: 2); p.bind(v.currency, at: 3); p.bind(v.compareAt, at: 4); try p.step()
            }
            let inv = try db.prepare("INSERT INTO inventory_levels VALUES (?, ?, ?)")
            for key in store.inventory.keys.sorted() {
                inv.reset(); inv.bind(key.sku.rawValue, at: 1); inv.bind(key.location.rawValue, at: 2); inv.bind(store.inventory[key]!, at: 3); try inv.step()
            }
            let d = try db.prepare("INSERT INTO discounts VALUES (?, ?, ?, ?, ?, ?, ?)")
            for code in store.discounts.keys.sorted() {
                let v = store.discounts[code]!
                d.reset(); d.bind(code.rawValue, at: 1); d.bind(v.kind, at: 2); d.bind(v.value, at: 3); d.bind(v.status, at: 4)
                d.bind(v.startsAt?.rfc3339, at: 5); d.bind(v.endsAt?.rfc3339, at: 6); d.bind(v.usageLimit, at: 7); try d.step()
            }
            let o = try db.prepare("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)")
            let ol = try db.prepare("INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)")
            for id in store.orders.keys.sorted() {
                let v = store.orders[id]!
                o.reset(); o.bind(id.rawValue, at: 1); o.bind(v.placedAt, at: 2); o.bind(v.location, at: 3); o.bind(v.currency, at: 4)
                o.bind(v.status, at: 5); o.bind(v.total, at: 6); o.bind(v.customerEmail, at: 7); try o.step()
                for l in v.lines {
                    ol.reset(); ol.bind(id.rawValue, at: 1); ol.bind(l.lineID.rawValue, at: 2); ol.bind(l.sku.rawValue, at: 3)
                    ol.bind(l.qty, at: 4); ol.bind(l.unitPrice, at: 5); ol.bind(l.discount, at: 6); try ol.step()
                }
            }
            let f = try db.prepare("INSERT INTO fulfillments VALUES (?, ?, ?, ?, ?, ?, ?)")
            let fl = try db.prepare("INSERT INTO fulfillment_lines VALUES (?, ?, ?)")
            for id in store.fulfillments.keys.sorted() {
                let v = store.fulfillments[id]!
                f.reset(); f.bind(id.rawValue, at: 1); f.bind(v.orderID, at: 2); f.bind(v.location, at: 3); f.bind(v.status, at: 4)
                f.bind(v.carrier, at: 5); f.bind(v.trackingNumber, at: 6); f.bind(v.createdAt, at: 7); try f.step()
                for l in v.lines { fl.reset(); fl.bind(id.rawValue, at: 1); fl.bind(l.lineID.rawValue, at: 2); fl.bind(l.qty, at: 3); try fl.step() }
            }
            let r = try db.prepare("INSERT INTO refunds VALUES (?, ?, ?, ?)")
            let rl = try db.prepare("INSERT INTO refund_lines VALUES (?, ?, ?, ?)")
            for id in store.refunds.keys.sorted() {
                let v = store.refunds[id]!
                r.reset(); r.bind(id.rawValue, at: 1); r.bind(v.orderID, at: 2); r.bind(v.amount, at: 3); r.bind(v.createdAt, at: 4); try r.step()
                for l in v.lines {
                    rl.reset(); rl.bind(id.rawValue, at: 1); rl.bind(l.lineID.rawValue, at: 2); rl.bind(l.qty, at: 3); rl.bind(l.restock ? 1 : 0, at: 4); try rl.step()
                }
            }
            try db.execute("COMMIT")
        } catch {
            unlink(temp)
            throw .writeFailed(path: path, detail: error.description)
        }
        guard rename(temp, path) == 0 else { throw .writeFailed(path: path, detail: String(cString: strerror(errno))) }
    }
}
