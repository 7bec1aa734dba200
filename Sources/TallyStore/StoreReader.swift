#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyDigest

/// Opens a store: an SQLite file in the canonical schema, or a folder of CSV files.
public enum StoreReader {
    public static func read(_ path: String) throws(StoreError) -> StoreSnapshot {
        try isFolder(path) ? CSVStoreReader.read(path) : SQLiteStoreReader.read(path)
    }

    /// A CSV folder (true) or an SQLite file (false).
    static func isFolder(_ path: String) throws(StoreError) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// What reconcile compares of a store, and the store's digest when `digest` is set.
    /// An SQLite store is read table by table in key order and never held whole; a CSV
    /// folder is read in full first.
    public static func readFacts(_ path: String, digest: Bool) throws(StoreError) -> (facts: StoreFacts, digest: String?) {
        if try isFolder(path) {
            let snapshot = try CSVStoreReader.read(path)
            return (StoreFacts(snapshot), digest ? self.digest(snapshot) : nil)
        }
        return try SQLiteStoreReader.readFacts(path, digest: digest)
    }

    /// The digest of the store at `path` (what `tally snapshot` records and reconcile matches).
    public static func digest(path: String) throws(StoreError) -> String {
        try readFacts(path, digest: true).digest ?? ""
    }

    /// A digest of the store's content: SHA-256 over every table's rows in primary-key order
    /// (UTF-8 byte order, as SQLite's BINARY collation sorts), table by table, child rows
    /// without a parent left out. The same rows give the same digest whatever their order.
    public static func digest(_ store: StoreSnapshot) -> String {
        var w = StoreDigestWriter()
        func sorted<K>(_ keys: some Sequence<K>, _ text: (K) -> String) -> [K] {
            keys.sorted { text($0).utf8.lexicographicallyPrecedes(text($1).utf8) }
        }
        w.table("products")
        for sku in sorted(store.products.keys, \.rawValue) { w.add(.product(sku, store.products[sku]!)) }
        w.table("inventory_levels")
        let stock = store.inventory.keys.sorted {
            $0.sku == $1.sku ? $0.location.rawValue.utf8.lexicographicallyPrecedes($1.location.rawValue.utf8)
                             : $0.sku.rawValue.utf8.lexicographicallyPrecedes($1.sku.rawValue.utf8)
        }
        for key in stock { w.add(.inventory(key, store.inventory[key]!)) }
        w.table("discounts")
        for code in sorted(store.discounts.keys, \.rawValue) { w.add(.discount(code, store.discounts[code]!)) }
        let orders = sorted(store.orders.keys, \.rawValue)
        w.table("orders")
        for id in orders { w.add(.order(id, store.orders[id]!)) }
        w.table("order_lines")
        for id in orders { for l in sorted(store.orders[id]!.lines, \.lineID.rawValue) { w.add(.orderLine(id, l)) } }
        let fulfillments = sorted(store.fulfillments.keys, \.rawValue)
        w.table("fulfillments")
        for id in fulfillments { w.add(.fulfillment(id, store.fulfillments[id]!)) }
        w.table("fulfillment_lines")
        for id in fulfillments { for l in sorted(store.fulfillments[id]!.lines, \.lineID.rawValue) { w.add(.fulfillmentLine(id, l)) } }
        let refunds = sorted(store.refunds.keys, \.rawValue)
        w.table("refunds")
        for id in refunds { w.add(.refund(id, store.refunds[id]!)) }
        w.table("refund_lines")
        for id in refunds { for l in sorted(store.refunds[id]!.lines, \.lineID.rawValue) { w.add(.refundLine(id, l)) } }
        return w.finish()
    }
}

/// Hashes store records one row at a time (see `StoreReader.digest`): each field is a tag
/// byte, its text and 0x1F; each row ends with 0x1E.
///
/// The material goes into a `ByteBuffer` and to SHA-256 about 64 KiB at a time (the digest of
/// the concatenation is the same however it is split), not one libcrypto call a row.
/// Not copyable: it owns its buffer.
struct StoreDigestWriter: ~Copyable {
    let hasher = SHA256Hasher()
    private var out = ByteBuffer(capacity: StoreDigestWriter.flushBytes + (4 << 10))

    init() { hasher.begin() }

    static let flushBytes = 1 << 16

    mutating func field(_ s: String?) {
        guard var s else { out.append(0x00); out.append(0x1F); return }
        out.append(0x01)
        // A native string's UTF-8 is contiguous: copied in one go, not scalar by scalar.
        s.withUTF8 { out.append(UnsafeRawBufferPointer($0)) }
        out.append(0x1F)
    }

    /// A text field from its UTF-8 bytes: the same bytes `field(String)` hashes when they are
    /// ASCII; anything else goes through a String, which repairs invalid UTF-8 as reading does.
    mutating func field(utf8 text: UnsafeRawBufferPointer) {
        guard text.allSatisfy({ $0 < 0x80 }) else { field(String(decoding: text, as: UTF8.self)); return }
        out.append(0x01); out.append(text); out.append(0x1F)
    }

    /// An integer as its decimal text (`String(v)`'s bytes), written without making the String.
    mutating func int(_ v: Int64?) {
        guard let v else { field(nil); return }
        out.append(atMost: DecimalText.maxBytes + 2) { p in  // tag, the digits, separator
            p.storeBytes(of: 0x01, toByteOffset: 0, as: UInt8.self)
            let at = 1 + DecimalText.write(v, to: p + 1)
            p.storeBytes(of: 0x1F, toByteOffset: at, as: UInt8.self)
            return at + 1
        }
    }

    /// Ends a row.
    mutating func row() {
        out.append(0x1E)
        if out.count >= StoreDigestWriter.flushBytes { flush() }
    }

    private mutating func flush() {
        hasher.update(out.bytes)
        out.count = 0
    }

    mutating func table(_ name: String) { field(name); row() }

    mutating func add(_ record: StoreRecord) {
        switch record {
        case .product(let sku, let p): field(sku.rawValue); int(p.price); field(p.currency); int(p.compareAt)
        case .inventory(let key, let available): field(key.sku.rawValue); field(key.location.rawValue); int(available)
        case .discount(let code, let d):
            field(code.rawValue); field(d.kind); int(d.value); field(d.status)
            int(d.startsAt?.microseconds); int(d.endsAt?.microseconds); int(d.usageLimit)
        case .order(let id, let o):
            field(id.rawValue); field(o.placedAt); field(o.location); field(o.currency); field(o.status); int(o.total); field(o.customerEmail)
        case .orderLine(let id, let l):
            field(id.rawValue); field(l.lineID.rawValue); field(l.sku.rawValue); int(l.qty); int(l.unitPrice); int(l.discount)
        case .fulfillment(let id, let f):
            field(id.rawValue); field(f.orderID); field(f.location); field(f.status); field(f.carrier); field(f.trackingNumber); field(f.createdAt)
        case .fulfillmentLine(let id, let l): field(id.rawValue); field(l.lineID.rawValue); int(l.qty)
        case .refund(let id, let r): field(id.rawValue); field(r.orderID); int(r.amount); field(r.createdAt)
        case .refundLine(let id, let l): field(id.rawValue); field(l.lineID.rawValue); int(l.qty); int(l.restock ? 1 : 0)
        }
        row()
    }

    mutating func finish() -> String {
        flush()
        return "sha256:" + SHA256Hasher.hex(hasher.finish())
    }
}
