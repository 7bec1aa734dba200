#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallySQLite

/// Renders repair operations as SQL against the canonical schema, and applies a
/// plan to an SQLite store: a copy aside first (online backup API), then every
/// statement in one transaction. The SQL printed is exactly the SQL that runs.
public enum StoreRepair {
    static func quote(_ s: String?) -> String {
        guard let s else { return "NULL" }
        var out = "'"
        for c in s.unicodeScalars { if c == "'" { out += "''" } else { out.unicodeScalars.append(c) } }
        return out + "'"
    }

    static func number(_ v: Int64?) -> String { v.map { String($0) } ?? "NULL" }

    /// The SQL statements of one operation.
    public static func sql(_ op: RepairOperation) -> [String] {
        switch op {
        case .insertOrder(let o):
            return ["INSERT INTO orders (order_id, placed_at, location, currency, status, total, customer_email) VALUES (\(quote(o.orderID.rawValue)), \(quote(o.placed.occurredAt.rfc3339)), \(quote(o.location.rawValue)), \(quote(o.currency)), \(quote(o.status.rawValue)), \(o.total), \(quote(o.customerEmail)))"]
                + lineInserts(o.orderID, o.lines)
        case .setOrderStatus(let id, let status):
            return ["UPDATE orders SET status = \(quote(status.rawValue)) WHERE order_id = \(quote(id.rawValue))"]
        case .replaceOrderLines(let id, let lines, let total):
            return ["UPDATE orders SET total = \(total) WHERE order_id = \(quote(id.rawValue))",
                    "DELETE FROM order_lines WHERE order_id = \(quote(id.rawValue))"] + lineInserts(id, lines)
        case .insertFulfillment(let f):
            var statements = ["INSERT INTO fulfillments (fulfillment_id, order_id, location, status, carrier, tracking_number, created_at) VALUES (\(quote(f.fulfillmentID.rawValue)), \(quote(f.orderID.rawValue)), \(quote(f.location.rawValue)), \(quote(f.status.rawValue)), \(quote(f.carrier)), \(quote(f.trackingNumber)), \(quote(f.created.occurredAt.rfc3339)))"]
            var qty: [(LineID, Int64)] = []
            for l in f.lines {
                if let i = qty.firstIndex(where: { $0.0 == l.lineID }) { qty[i].1 += l.qty } else { qty.append((l.lineID, l.qty)) }
            }
            for (line, q) in qty {
                statements.append("INSERT INTO fulfillment_lines (fulfillment_id, line_id, qty) VALUES (\(quote(f.fulfillmentID.rawValue)), \(quote(line.rawValue)), \(q))")
            }
            return statements
        case .setFulfillmentStatus(let id, let status):
            return ["UPDATE fulfillments SET status = \(quote(status.rawValue)) WHERE fulfillment_id = \(quote(id.rawValue))"]
        case .insertRefund(let r):
            var statements = ["INSERT INTO refunds (refund_id, order_id, amount, created_at) VALUES (\(quote(r.refundID.rawValue)), \(quote(r.orderID.rawValue)), \(r.amount), \(quote(r.created.occurredAt.rfc3339)))"]
            var merged: [(LineID, Int64, Bool)] = []
            for l in r.lines {
                if let i = merged.firstIndex(where: { $0.0 == l.lineID }) { merged[i].1 += l.qty; merged[i].2 = merged[i].2 || l.restock }
                else { merged.append((l.lineID, l.qty, l.restock)) }
            }
            for (line, q, restock) in merged {
                statements.append("INSERT INTO refund_lines (refund_id, line_id, qty, restock) VALUES (\(quote(r.refundID.rawValue)), \(quote(line.rawValue)), \(q), \(restock ? 1 : 0))")
            }
            return statements
        case .setInventory(let key, let available):
            return ["INSERT INTO inventory_levels (sku, location, available) VALUES (\(quote(key.sku.rawValue)), \(quote(key.location.rawValue)), \(available)) ON CONFLICT (sku, location) DO UPDATE SET available = excluded.available"]
        case .upsertProduct(let sku, let p):
            return ["INSERT INTO products (sku, price, currency, compare_at) VALUES (\(quote(sku.rawValue)), \(p.price), \(quote(p.currency)), \(number(p.compareAt))) ON CONFLICT (sku) DO UPDATE SET price = excluded.price, currency = excluded.currency, compare_at = excluded.compare_at"]
        case .upsertDiscount(let code, let d, let status):
            return ["INSERT INTO discounts (code, kind, value, status, starts_at, ends_at, usage_limit) VALUES (\(quote(code.rawValue)), \(quote(d.kind.rawValue)), \(d.value), \(quote(status.name)), \(quote(d.startsAt?.rfc3339)), \(quote(d.endsAt?.rfc3339)), \(number(d.usageLimit))) ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, value = excluded.value, status = excluded.status, starts_at = excluded.starts_at, ends_at = excluded.ends_at, usage_limit = excluded.usage_limit"]
        case .deleteDiscount(let code):
            return ["DELETE FROM discounts WHERE code = \(quote(code.rawValue))"]
        }
    }

    static func lineInserts(_ id: OrderID, _ lines: [OrderLine]) -> [String] {
        lines.map { l in
            "INSERT INTO order_lines (order_id, line_id, sku, qty, unit_price, discount) VALUES (\(quote(id.rawValue)), \(quote(l.lineID.rawValue)), \(quote(l.sku.rawValue)), \(l.qty), \(l.unitPrice), \(l.discount))"
        }
    }

    /// Copies the store to `backupPath`, then runs every statement of `plan` in one transaction.
    /// Returns the number of statements run.
    public static func apply(_ plan: RepairPlan, to path: String, backupPath: String) throws(StoreError) -> Int {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw .writeFailed(path: path, detail: "repair --apply needs an SQLite store; a CSV folder can only be planned")
        }
        do throws(SQLiteError) {
            let db = try Connection(path: path, mode: .readWrite)
            db.setBusyTimeout(milliseconds: 30_000)
            try db.backup(to: backupPath)
            let statements = plan.steps.flatMap { $0.operations.flatMap(sql) }
            try db.execute("BEGIN IMMEDIATE")
            do throws(SQLiteError) {
                for statement in statements { try db.execute(statement) }
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
            return statements.count
        } catch {
            throw .writeFailed(path: path, detail: error.description)
        }
    }
}
