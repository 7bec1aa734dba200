import TallyCore

/// The `replay` column: each event's whole typed payload in one compact binary
/// value, written once at append time. Replay reads this one column per row
/// instead of ~25 typed ones (SQLite decodes every selected column of every
/// row, and that was most of replay's time); the typed columns stay for the
/// indexes and the lookups.
enum ReplayRecord {
    static func encode(_ payload: EventPayload) -> [UInt8] {
        var w = Packing.Writer()
        switch payload {
        case .priceChanged(let p):
            w.string(p.sku.rawValue); w.int(p.price); w.string(p.currency); w.optional(p.compareAt)
        case .inventorySet(let p):
            w.string(p.sku.rawValue); w.string(p.location.rawValue); w.int(p.available); w.string(p.reason.rawValue)
        case .inventoryAdjusted(let p):
            w.string(p.sku.rawValue); w.string(p.location.rawValue); w.int(p.delta); w.string(p.reason.rawValue); w.optional(p.ref)
        case .discountUpserted(let p):
            w.string(p.code.rawValue); w.string(p.kind.rawValue); w.int(p.value); w.string(p.status.rawValue)
            w.optional(p.startsAt?.microseconds); w.optional(p.endsAt?.microseconds); w.optional(p.usageLimit)
        case .discountDeleted(let code):
            w.string(code.rawValue)
        case .orderPlaced(let p):
            w.string(p.orderID.rawValue); w.string(p.location.rawValue); w.string(p.currency); w.int(p.total)
            w.optional(p.customerEmail); w.write(p.discountCodes); w.write(p.lines)
        case .orderCancelled(let p):
            w.string(p.orderID.rawValue); w.int(p.restock ? 1 : 0); w.optional(p.reason)
        case .orderRefunded(let p):
            w.string(p.orderID.rawValue); w.string(p.refundID.rawValue); w.int(p.amount); w.write(p.lines)
        case .fulfillmentCreated(let p):
            w.string(p.fulfillmentID.rawValue); w.string(p.orderID.rawValue); w.string(p.location.rawValue)
            w.optional(p.carrier); w.optional(p.trackingNumber); w.write(p.lines)
        case .fulfillmentCancelled(let id):
            w.string(id.rawValue)
        case .snapshotTaken(let p):
            w.string(p.snapshotID.rawValue); w.optional(p.label); w.optional(p.storeDigest)
        case .restorePerformed(let id):
            w.string(id.rawValue)
        }
        return w.bytes
    }

    /// The byte ranges (in `buffer`) of an `order.placed` record's line SKUs, in line order,
    /// read without building the payload: `indexOrderSKUs` needs nothing else. Follows
    /// `encode`'s `.orderPlaced` layout; false when the bytes do not form one.
    static func orderPlacedSKUs(_ buffer: UnsafeRawBufferPointer, into skus: inout [Range<Int>]) -> Bool {
        skus.removeAll(keepingCapacity: true)
        var r = Packing.Reader(buffer)
        // order_id, location, currency, total, customer_email (optional), discount_codes.
        guard r.stringRange() != nil, r.stringRange() != nil, r.stringRange() != nil, r.int() != nil,
              let emailFlag = r.byte(), emailFlag == 0 || r.stringRange() != nil,
              let codes = r.count() else { return false }
        for _ in 0..<codes {
            guard r.stringRange() != nil else { return false }
        }
        guard let lines = r.count() else { return false }
        for _ in 0..<lines {
            guard r.stringRange() != nil, let sku = r.stringRange(), r.int() != nil, r.int() != nil, r.int() != nil else { return false }
            skus.append(sku)
        }
        return true
    }

    /// The payload, or nil when the bytes do not form one (only a tampered journal has such a row).
    static func decode(type: EventType, _ buffer: UnsafeRawBufferPointer) -> EventPayload? {
        var hashes: (first: UInt64, second: UInt64) = (0, 0)
        return decode(type: type, buffer, seed: 0, hashes: &hashes)
    }

    /// The payload, and in `hashes` the `TableHash` with `seed` of the keys replay looks up
    /// (`ReplayEvent.computeLookupHashes`'s values), taken from the record's bytes.
    static func decode(type: EventType, _ buffer: UnsafeRawBufferPointer, seed: UInt64,
                       hashes h: inout (first: UInt64, second: UInt64)) -> EventPayload? {
        var r = Packing.Reader(buffer)
        let payload: EventPayload?
        var skuHash: UInt64 = 0
        switch type {
        case .priceChanged:
            guard let sku = r.string(hash: seed, into: &h.first), let price = r.int(), let currency = r.string(), let compareAt = r.optionalInt() else { return nil }
            payload = .priceChanged(PriceChanged(sku: SKU(sku), price: price, currency: currency, compareAt: compareAt))
        case .inventorySet:
            guard let sku = r.string(hash: seed, into: &skuHash), let location = r.string(hash: skuHash, into: &h.first), let available = r.int(),
                  let reason = r.rawValue(InventorySetReason.self) else { return nil }
            payload = .inventorySet(InventorySet(sku: SKU(sku), location: Location(location), available: available, reason: reason))
        case .inventoryAdjusted:
            guard let sku = r.string(hash: seed, into: &skuHash), let location = r.string(hash: skuHash, into: &h.first), let delta = r.int(),
                  let reason = r.rawValue(InventoryAdjustReason.self), let ref = r.optionalString() else { return nil }
            payload = .inventoryAdjusted(InventoryAdjusted(sku: SKU(sku), location: Location(location), delta: delta, reason: reason, ref: ref))
        case .discountUpserted:
            guard let code = r.string(), let kind = r.rawValue(DiscountKind.self), let value = r.int(),
                  let status = r.rawValue(DiscountStatus.self),
                  let starts = r.optionalInt(), let ends = r.optionalInt(), let limit = r.optionalInt() else { return nil }
            payload = .discountUpserted(DiscountUpserted(
                code: DiscountCode(code), kind: kind, value: value, status: status,
                startsAt: starts.map(Timestamp.init(microseconds:)), endsAt: ends.map(Timestamp.init(microseconds:)), usageLimit: limit))
        case .discountDeleted:
            guard let code = r.string() else { return nil }
            payload = .discountDeleted(DiscountCode(code))
        case .orderPlaced:
            guard let orderID = r.string(hash: seed, into: &h.first), let location = r.string(), let currency = r.string(), let total = r.int(),
                  let email = r.optionalString(hash: seed, into: &h.second), let codes = r.strings(), let lines = r.orderLines() else { return nil }
            payload = .orderPlaced(OrderPlaced(orderID: OrderID(orderID), location: Location(location), currency: currency,
                                               lines: lines, total: total, customerEmail: email, discountCodes: codes))
        case .orderCancelled:
            guard let orderID = r.string(hash: seed, into: &h.first), let restock = r.int(), let reason = r.optionalString() else { return nil }
            payload = .orderCancelled(OrderCancelled(orderID: OrderID(orderID), restock: restock != 0, reason: reason))
        case .orderRefunded:
            guard let orderID = r.string(hash: seed, into: &h.first), let refundID = r.string(hash: seed, into: &h.second), let amount = r.int(), let lines = r.refundLines() else { return nil }
            payload = .orderRefunded(OrderRefunded(orderID: OrderID(orderID), refundID: RefundID(refundID), amount: amount, lines: lines))
        case .fulfillmentCreated:
            guard let id = r.string(hash: seed, into: &h.second), let orderID = r.string(hash: seed, into: &h.first), let location = r.string(), let carrier = r.optionalString(),
                  let tracking = r.optionalString(), let lines = r.fulfillmentLines() else { return nil }
            payload = .fulfillmentCreated(FulfillmentCreated(fulfillmentID: FulfillmentID(id), orderID: OrderID(orderID),
                                                             location: Location(location), lines: lines, carrier: carrier, trackingNumber: tracking))
        case .fulfillmentCancelled:
            guard let id = r.string(hash: seed, into: &h.first) else { return nil }
            payload = .fulfillmentCancelled(FulfillmentID(id))
        case .snapshotTaken:
            guard let id = r.string(), let label = r.optionalString(), let digest = r.optionalString() else { return nil }
            payload = .snapshotTaken(SnapshotTaken(snapshotID: SnapshotID(id), label: label, storeDigest: digest))
        case .restorePerformed:
            guard let id = r.string() else { return nil }
            payload = .restorePerformed(SnapshotID(id))
        }
        // Trailing bytes mean the record was not written by `encode`.
        return r.index == buffer.count ? payload : nil
    }
}
