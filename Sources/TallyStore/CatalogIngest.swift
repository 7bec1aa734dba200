import TallyCore
import TallyDigest

/// What an ingest derived from a file: the events (and rejected rows, in file order)
/// and what it left out because truth already had it.
public struct IngestResult: Sendable {
    public var events: [DerivedEvent] = []
    public var unchanged = 0
    /// Per SKU and location for inventory files: the file's `available` minus truth's (nil: not tracked).
    public var drift: [(key: StockKey, file: Int64, truth: Int64?)] = []
    /// Things the person running the ingest must know (printed with the summary).
    public var notes: [String] = []
    public init() {}

    public var rejectedRows: Int { events.filter { $0.rejection != nil }.count }
}

/// Events from catalog files (issue 7): price lists, discount lists, inventory counts
/// and sync logs. Only what differs from truth becomes an event. Event ids are derived
/// from the content, so the same file ingested twice yields duplicates, not new events.
public enum CatalogIngest {
    /// `using` lets a hot loop reuse one hasher (making one costs more than hashing a short key).
    static func id(_ kind: String, _ parts: [String], using hasher: SHA256Hasher = SHA256Hasher()) -> String {
        "ingest-\(kind)-" + String(SHA256Hasher.hex(hasher.digest(Array(parts.joined(separator: "\u{1F}").utf8))).prefix(32))
    }

    static func event(_ row: CSVRow, id: String, type: EventType, time: String, source: String, data: [(String, JSONValue)]) -> DerivedEvent {
        event(origin: row.file, line: row.line, id: id, type: type, time: time, source: source, data: data)
    }

    static func event(origin: String, line: Int, id: String, type: EventType, time: String, source: String, data: [(String, JSONValue)]) -> DerivedEvent {
        let value = JSONValue.obj([("id", .string(id)), ("type", .string(type.rawValue)), ("occurred_at", .string(time)),
                                   ("source", .string(source)), ("data", .obj(data))])
        return DerivedEvent(origin: origin, line: line, value: value, type: type)
    }

    /// A note naming SKUs the journal never priced (a typo, or a product the catalog lacks).
    public static func unknownSKUs(_ skus: [SKU]) -> String {
        let shown = skus.prefix(10).map(\.rawValue).joined(separator: ", ")
        return "\(skus.count) SKU\(skus.count == 1 ? "" : "s") never priced in the journal (unknown to the catalog): \(shown)" + (skus.count > 10 ? ", …" : "")
    }

    /// Price lists: `sku`, `price` and `compare_at` in minor units, `currency`, and
    /// optionally `changed_at`; or Shopify's product export (`Variant SKU`, `Variant Price`,
    /// `Variant Compare At Price` in major units, the currency from `defaultCurrency`).
    public static func prices(_ table: CSVTable, truth: Truth, defaultCurrency: String?, at: Timestamp, source: String = "price-list") -> IngestResult {
        let sku = table.column("sku", "variant sku")
        let minor = table.column("price"), decimal = table.column("variant price")
        let compareMinor = table.column("compare_at"), compareDecimal = table.column("variant compare at price")
        let currency = table.column("currency")
        let time = table.column("changed_at", "updated_at", "occurred_at")
        var result = IngestResult()
        var current: [SKU: (Int64, String, Int64?)] = [:]
        for (k, p) in truth.prices { current[k] = (p.price, p.currency, p.compareAt) }
        for row in table.rows {
            do throws(IngestRowError) {
                try row.checkWidth()
                let s = SKU(try row.text(sku))
                let price: Int64
                if let minor { price = try row.int(minor) } else if let p = try row.optionalDecimalMoney(decimal) { price = p } else {
                    throw row.invalid(nil, "has no price (a price or Variant Price column)")
                }
                let compareAt: Int64? = compareMinor != nil ? try row.optionalInt(compareMinor) : try row.optionalDecimalMoney(compareDecimal)
                guard let cur = row.optionalText(currency) ?? defaultCurrency else {
                    throw row.invalid(currency, "no currency: the file has no currency column; pass --currency")
                }
                let (_, text) = try row.optionalTimestamp(time) ?? (at, at.rfc3339)
                if let known = current[s], known.0 == price, known.1 == cur, known.2 == compareAt { result.unchanged += 1; continue }
                current[s] = (price, cur, compareAt)
                var data: [(String, JSONValue)] = [("sku", .string(s.rawValue)), ("price", .int(price)), ("currency", .string(cur))]
                if let compareAt { data.append(("compare_at", .int(compareAt))) }
                result.events.append(event(row, id: id("price", [s.rawValue, String(price), cur, compareAt.map(String.init) ?? "", text]),
                                           type: .priceChanged, time: text, source: source, data: data))
            } catch {
                result.events.append(row.rejected(error))
            }
        }
        return result
    }

    /// Discount lists: `code`, `kind`, `value`, `status`, optional `starts_at`, `ends_at`,
    /// `usage_limit`, `updated_at`. With `full`, a code truth holds (not deleted) that the
    /// list lacks is deleted.
    public static func discounts(_ table: CSVTable, truth: Truth, full: Bool, at: Timestamp, source: String = "discount-list") -> IngestResult {
        let code = table.column("code"), kind = table.column("kind"), value = table.column("value"), status = table.column("status")
        let starts = table.column("starts_at"), ends = table.column("ends_at"), limit = table.column("usage_limit")
        let time = table.column("updated_at", "changed_at", "occurred_at")
        var result = IngestResult()
        var seen = Set<DiscountCode>()
        for row in table.rows {
            do throws(IngestRowError) {
                try row.checkWidth()
                let c = DiscountCode(try row.text(code))
                seen.insert(c)
                let k = try row.text(kind), v = try row.int(value), st = try row.text(status)
                let startsAt = try row.optionalTimestamp(starts), endsAt = try row.optionalTimestamp(ends)
                let usage = try row.optionalInt(limit)
                let (_, text) = try row.optionalTimestamp(time) ?? (at, at.rfc3339)
                if let t = truth.discounts[c], t.status != .deleted, let d = t.definition, d.kind.rawValue == k, d.value == v,
                   d.status.rawValue == st, d.startsAt == startsAt?.0, d.endsAt == endsAt?.0, d.usageLimit == usage {
                    result.unchanged += 1
                    continue
                }
                var data: [(String, JSONValue)] = [("code", .string(c.rawValue)), ("kind", .string(k)), ("value", .int(v)), ("status", .string(st))]
                if let startsAt { data.append(("starts_at", .string(startsAt.1))) }
                if let endsAt { data.append(("ends_at", .string(endsAt.1))) }
                if let usage { data.append(("usage_limit", .int(usage))) }
                result.events.append(event(row, id: id("discount", [c.rawValue, k, String(v), st, startsAt?.1 ?? "", endsAt?.1 ?? "", usage.map(String.init) ?? "", text]),
                                           type: .discountUpserted, time: text, source: source, data: data))
            } catch {
                result.events.append(row.rejected(error))
            }
        }
        if full {
            // A row with an unreadable code leaves the list incomplete: deleting on it would guess.
            if result.events.contains(where: { $0.rejection != nil }) {
                result.notes.append("--full: no code was deleted, because rejected rows leave the list incomplete; fix them and ingest again")
                return result
            }
            for (c, t) in truth.discounts.sorted(by: { codePointLess($0.key.rawValue, $1.key.rawValue) })
            where t.status != .deleted && t.everUpserted && !seen.contains(c) {
                result.events.append(event(origin: table.name, line: 0, id: id("discount-deleted", [c.rawValue, at.rfc3339]), type: .discountDeleted,
                                           time: at.rfc3339, source: source, data: [("code", .string(c.rawValue))]))
            }
        }
        return result
    }

    /// Inventory counts and sync logs: `sku`, `location` (or `defaultLocation`), `available`,
    /// optional `counted_at`; Shopify's inventory export matches by the same header names.
    /// Every row whose value differs from truth (or whose pair is not tracked) becomes an
    /// `inventory.set` with `reason`; `drift` lists how far the file was from truth.
    public static func inventory(_ table: CSVTable, truth: Truth, reason: InventorySetReason, defaultLocation: String?,
                                 at: Timestamp, source: String = "inventory-sync") -> IngestResult {
        let sku = table.column("sku", "variant sku"), location = table.column("location")
        let available = table.column("available", "available (not editable)")
        let time = table.column("counted_at", "synced_at", "updated_at", "occurred_at")
        var result = IngestResult()
        var current: [StockKey: Int64] = [:]
        var unpriced: [SKU] = []
        for row in table.rows {
            do throws(IngestRowError) {
                try row.checkWidth()
                let s = SKU(try row.text(sku))
                guard let loc = row.optionalText(location) ?? defaultLocation else {
                    throw row.invalid(location, "must not be empty (or pass --location for a single-location file)")
                }
                let value = try row.int(available)
                let (_, text) = try row.optionalTimestamp(time) ?? (at, at.rfc3339)
                if truth.prices[s] == nil && !unpriced.contains(s) { unpriced.append(s) }
                let key = StockKey(s, Location(loc))
                let known = current[key] ?? truth.stock[key]?.available
                result.drift.append((key, value, known))
                if known == value { result.unchanged += 1; continue }
                current[key] = value
                result.events.append(event(row, id: id("stock", [s.rawValue, loc, String(value), reason.rawValue, text]), type: .inventorySet, time: text, source: source,
                                           data: [("sku", .string(s.rawValue)), ("location", .string(loc)), ("available", .int(value)), ("reason", .string(reason.rawValue))]))
            } catch {
                result.events.append(row.rejected(error))
            }
        }
        if !unpriced.isEmpty { result.notes.append(unknownSKUs(unpriced)) }
        return result
    }
}
