import TallyCore
import TallyDigest
import TallySQLite

/// One row of the journal's `events` table: the envelope, the canonical data,
/// and the typed columns that replay and lookups read instead of JSON.
struct EventRecord: Equatable {
    var id: String
    var type: Int64
    var occurredUs: Int64
    var occurredAt: String
    var source: String
    var data: String
    var orderID: String?
    var sku: String?
    var location: String?
    var code: String?
    var fulfillmentID: String?
    var refundID: String?
    var snapshotID: String?
    var currency: String?
    var amount: Int64?
    var compareAt: Int64?
    var usageLimit: Int64?
    var restock: Int64?
    var reason: String?
    var kind: String?
    var status: String?
    var startsUs: Int64?
    var endsUs: Int64?
    var customerEmail: String?
    var carrier: String?
    var trackingNumber: String?
    var ref: String?
    var label: String?
    var storeDigest: String?
    var lines: [UInt8]?
    var discountCodes: [UInt8]?
    /// The whole payload in one value (see `ReplayRecord`).
    var replay: [UInt8] = []

    /// The column list in the order of the insert (`PreparedEvent`) and `init(row:)`, after `seq` and `recorded_us`.
    static let columns = [
        "id", "id_key", "type", "occurred_us", "occurred_at", "source", "data",
        "order_id", "sku", "location", "code", "fulfillment_id", "refund_id", "snapshot_id",
        "currency", "amount", "compare_at", "usage_limit", "restock", "reason", "kind", "status",
        "starts_us", "ends_us", "customer_email", "carrier", "tracking_number", "ref", "label", "store_digest",
        "lines", "discount_codes", "replay",
    ]

    /// `seq, recorded_us, <columns>, hash`: what verify and full reads select.
    static let selectList = "seq, recorded_us, " + columns.joined(separator: ", ") + ", hash"

    /// The index of `occurred_us` in a row selected with `selectList`.
    static let occurredUsIndex = Int32(2 + columns.firstIndex(of: "occurred_us")!)

    init(_ event: Event) {
        id = event.id.rawValue
        type = Int64(event.type.code)
        occurredUs = event.occurredAt.microseconds
        occurredAt = event.occurredAtText
        source = event.source
        data = event.canonicalData
        replay = ReplayRecord.encode(event.payload)
        switch event.payload {
        case .priceChanged(let p):
            sku = p.sku.rawValue; amount = p.price; currency = p.currency; compareAt = p.compareAt
        case .inventorySet(let p):
            sku = p.sku.rawValue; location = p.location.rawValue; amount = p.available; reason = p.reason.rawValue
        case .inventoryAdjusted(let p):
            sku = p.sku.rawValue; location = p.location.rawValue; amount = p.delta; reason = p.reason.rawValue; ref = p.ref
        case .discountUpserted(let p):
            code = p.code.rawValue; kind = p.kind.rawValue; amount = p.value; status = p.status.rawValue
            startsUs = p.startsAt?.microseconds; endsUs = p.endsAt?.microseconds; usageLimit = p.usageLimit
        case .discountDeleted(let c):
            code = c.rawValue
        case .orderPlaced(let p):
            orderID = p.orderID.rawValue; location = p.location.rawValue; currency = p.currency
            lines = Packing.pack(p.lines); amount = p.total; customerEmail = p.customerEmail
            discountCodes = p.discountCodes.isEmpty ? nil : Packing.pack(p.discountCodes)
        case .orderCancelled(let p):
            orderID = p.orderID.rawValue; restock = p.restock ? 1 : 0; reason = p.reason
        case .orderRefunded(let p):
            orderID = p.orderID.rawValue; refundID = p.refundID.rawValue; amount = p.amount; lines = Packing.pack(p.lines)
        case .fulfillmentCreated(let p):
            fulfillmentID = p.fulfillmentID.rawValue; orderID = p.orderID.rawValue; location = p.location.rawValue
            lines = Packing.pack(p.lines); carrier = p.carrier; trackingNumber = p.trackingNumber
        case .fulfillmentCancelled(let f):
            fulfillmentID = f.rawValue
        case .snapshotTaken(let p):
            snapshotID = p.snapshotID.rawValue; label = p.label; storeDigest = p.storeDigest
        case .restorePerformed(let s):
            snapshotID = s.rawValue
        }
    }

    /// Reads a row selected with `selectList`, columns starting at `first` (the `id` column).
    init(row s: Statement, first: Int32 = 2) {
        id = s.text(first) // first + 1 is id_key: derived, not kept
        type = s.int64(first + 2); occurredUs = s.int64(first + 3); occurredAt = s.text(first + 4)
        source = s.text(first + 5); data = s.text(first + 6)
        readTypedColumns(s, from: first + 7)
    }

    /// The typed columns from `order_id` to `replay`, in `columns` order.
    mutating func readTypedColumns(_ s: Statement, from first: Int32) {
        var i = first
        func next() -> Int32 { defer { i += 1 }; return i }
        orderID = s.optionalText(next()); sku = s.optionalText(next()); location = s.optionalText(next())
        code = s.optionalText(next()); fulfillmentID = s.optionalText(next()); refundID = s.optionalText(next())
        snapshotID = s.optionalText(next()); currency = s.optionalText(next())
        amount = s.optionalInt64(next()); compareAt = s.optionalInt64(next()); usageLimit = s.optionalInt64(next())
        restock = s.optionalInt64(next()); reason = s.optionalText(next()); kind = s.optionalText(next())
        status = s.optionalText(next()); startsUs = s.optionalInt64(next()); endsUs = s.optionalInt64(next())
        customerEmail = s.optionalText(next()); carrier = s.optionalText(next()); trackingNumber = s.optionalText(next())
        ref = s.optionalText(next()); label = s.optionalText(next()); storeDigest = s.optionalText(next())
        let linesIndex = next()
        lines = s.isNull(linesIndex) ? nil : s.blob(linesIndex)
        let codesIndex = next()
        discountCodes = s.isNull(codesIndex) ? nil : s.blob(codesIndex)
        replay = s.blob(next())
    }

    /// The full event, or nil for a row that does not decode.
    func event() -> Event? {
        guard let type = EventType(code: Int(type)),
              let payload = replay.withUnsafeBytes({ ReplayRecord.decode(type: type, $0) }) else { return nil }
        return Event(id: EventID(id), occurredAt: Timestamp(microseconds: occurredUs), occurredAtText: occurredAt,
                     source: source, payload: payload, canonicalData: data)
    }
}
