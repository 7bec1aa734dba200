#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest

/// Opens a store: an SQLite file in the canonical schema, or a folder of CSV files.
public enum StoreReader {
    public static func read(_ path: String) throws(StoreError) -> StoreSnapshot {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return try CSVStoreReader.read(path) }
        return try SQLiteStoreReader.read(path)
    }

    /// A digest of the store's content: the same rows give the same digest whatever their order.
    public static func digest(_ store: StoreSnapshot) -> String {
        let hasher = SHA256Hasher()
        hasher.begin()
        var buffer: [UInt8] = []
        func field(_ s: String?) {
            if let s { buffer.append(0x01); buffer.append(contentsOf: s.utf8) } else { buffer.append(0x00) }
            buffer.append(0x1F)
        }
        func int(_ v: Int64?) { field(v.map { String($0) }) }
        func row() {
            buffer.append(0x1E)
            hasher.update(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        func table(_ name: String) { field(name); row() }
        table("products")
        for sku in store.products.keys.sorted() {
            let p = store.products[sku]!
            field(sku.rawValue); int(p.price); field(p.currency); int(p.compareAt); row()
        }
        table("inventory_levels")
        for key in store.inventory.keys.sorted() { field(key.sku.rawValue); field(key.location.rawValue); int(store.inventory[key]); row() }
        table("discounts")
        for code in store.discounts.keys.sorted() {
            let d = store.discounts[code]!
            field(code.rawValue); field(d.kind); int(d.value); field(d.status)
            int(d.startsAt?.microseconds); int(d.endsAt?.microseconds); int(d.usageLimit); row()
        }
        table("orders")
        for id in store.orders.keys.sorted() {
            let o = store.orders[id]!
            field(id.rawValue); field(o.placedAt); field(o.location); field(o.currency); field(o.status); int(o.total); field(o.customerEmail); row()
            for l in o.lines.sorted(by: { $0.lineID < $1.lineID }) {
                field(l.lineID.rawValue); field(l.sku.rawValue); int(l.qty); int(l.unitPrice); int(l.discount); row()
            }
        }
        table("fulfillments")
        for id in store.fulfillments.keys.sorted() {
            let f = store.fulfillments[id]!
            field(id.rawValue); field(f.orderID); field(f.location); field(f.status); field(f.carrier); field(f.trackingNumber); field(f.createdAt); row()
            for l in f.lines.sorted(by: { $0.lineID < $1.lineID }) { field(l.lineID.rawValue); int(l.qty); row() }
        }
        table("refunds")
        for id in store.refunds.keys.sorted() {
            let r = store.refunds[id]!
            field(id.rawValue); field(r.orderID); int(r.amount); field(r.createdAt); row()
            for l in r.lines.sorted(by: { $0.lineID < $1.lineID }) { field(l.lineID.rawValue); int(l.qty); int(l.restock ? 1 : 0); row() }
        }
        return "sha256:" + SHA256Hasher.hex(hasher.finish())
    }
}
