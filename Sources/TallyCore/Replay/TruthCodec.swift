/// Truth as bytes, for checkpoints: everything replay holds (the tables in their
/// insertion order, the findings replay raised, the position), so that replaying on
/// from a decoded truth gives exactly what a full replay gives.
public enum TruthCodec {
    /// The layout's version, stored with each checkpoint (a checkpoint of another version is not used).
    public static let version = 1

    public static func encode(_ truth: Truth) -> [UInt8] {
        var w = Packing.Writer()
        w.int(Int64(version))
        w.time(truth.position)
        w.int(Int64(truth.applied)); w.int(truth.maxSeq)
        w.varint(UInt64(truth.prices.count))
        for (sku, p) in truth.prices.sorted(by: { $0.key < $1.key }) {
            w.string(sku.rawValue); w.int(p.price); w.string(p.currency); w.optional(p.compareAt); w.time(p.first); w.time(p.last)
        }
        w.varint(UInt64(truth.stock.count))
        for (key, s) in truth.stock.sorted(by: { $0.key < $1.key }) {
            w.string(key.sku.rawValue); w.string(key.location.rawValue); w.int(s.available); w.time(s.last)
        }
        w.varint(UInt64(truth.discounts.count))
        for (code, d) in truth.discounts.sorted(by: { $0.key < $1.key }) {
            w.string(code.rawValue)
            if let def = d.definition {
                w.varint(1)
                w.string(def.kind.rawValue); w.int(def.value); w.string(def.status.rawValue)
                w.optional(def.startsAt?.microseconds); w.optional(def.endsAt?.microseconds); w.optional(def.usageLimit)
            } else {
                w.varint(0)
            }
            w.string(d.status.name); w.varint(d.everUpserted ? 1 : 0); w.time(d.last); w.time(d.lostCause)
        }
        w.varint(UInt64(truth.orders.count))
        for o in truth.orders.values {
            w.string(o.orderID.rawValue); w.string(o.status.rawValue); w.string(o.location.rawValue); w.string(o.currency)
            w.write(o.lines); w.int(o.total); w.optional(o.customerEmail); w.write(o.discountCodes)
            w.time(o.placed); w.time(o.statusSet)
            w.varint(UInt64(o.restockedByRefunds.count))
            for (line, qty) in o.restockedByRefunds.sorted(by: { $0.key < $1.key }) { w.string(line.rawValue); w.int(qty) }
            w.write(o.fulfillmentIDs.map(\.rawValue))
        }
        w.varint(UInt64(truth.fulfillments.count))
        for f in truth.fulfillments.values {
            w.string(f.fulfillmentID.rawValue); w.string(f.orderID.rawValue); w.string(f.location.rawValue); w.string(f.status.rawValue)
            w.write(f.lines); w.optional(f.carrier); w.optional(f.trackingNumber); w.time(f.created); w.time(f.statusSet)
        }
        w.varint(UInt64(truth.refunds.count))
        for r in truth.refunds.values {
            w.string(r.refundID.rawValue); w.string(r.orderID.rawValue); w.int(r.amount); w.write(r.lines); w.time(r.created)
        }
        w.varint(UInt64(truth.replayFindings.count))
        for f in truth.replayFindings { w.finding(f) }
        return w.bytes
    }

    /// nil for bytes this version did not write (or a damaged checkpoint).
    public static func decode(_ bytes: [UInt8]) -> Truth? {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// Decodes in place (a checkpoint is read straight from SQLite's buffer, not copied).
    public static func decode(_ buffer: UnsafeRawBufferPointer) -> Truth? {
        do {
            var r = Packing.Reader(buffer)
            guard r.int() == Int64(version) else { return nil }
            var parts = Truth.Parts()
            guard let position = r.time(), let applied = r.int(), let maxSeq = r.int() else { return nil }
            parts.position = position; parts.applied = Int(applied); parts.maxSeq = maxSeq
            guard let nPrices = r.count() else { return nil }
            for _ in 0..<nPrices {
                guard let sku = r.string(), let price = r.int(), let currency = r.string(), let compareAt = r.optionalInt(),
                      let first = r.time(), let last = r.time(), let first, let last else { return nil }
                parts.prices[SKU(sku)] = PriceTruth(price: price, currency: currency, compareAt: compareAt, first: first, last: last)
            }
            guard let nStock = r.count() else { return nil }
            for _ in 0..<nStock {
                guard let sku = r.string(), let location = r.string(), let available = r.int(), let last = r.time(), let last else { return nil }
                parts.stock[StockKey(SKU(sku), Location(location))] = StockTruth(available: available, last: last)
            }
            guard let nDiscounts = r.count() else { return nil }
            for _ in 0..<nDiscounts {
                guard let code = r.string(), let hasDefinition = r.varint() else { return nil }
                var definition: DiscountUpserted?
                if hasDefinition == 1 {
                    guard let kindText = r.string(), let kind = DiscountKind(rawValue: kindText), let value = r.int(),
                          let statusText = r.string(), let status = DiscountStatus(rawValue: statusText),
                          let startsAt = r.optionalInt(), let endsAt = r.optionalInt(), let usageLimit = r.optionalInt() else { return nil }
                    definition = DiscountUpserted(code: DiscountCode(code), kind: kind, value: value, status: status,
                                                  startsAt: startsAt.map(Timestamp.init(microseconds:)),
                                                  endsAt: endsAt.map(Timestamp.init(microseconds:)), usageLimit: usageLimit)
                }
                guard let statusName = r.string(), let everUpserted = r.varint(), let last = r.time(), let last,
                      let lostCause = r.time() else { return nil }
                let status: DiscountTruthStatus
                switch statusName {
                case "active": status = .active
                case "disabled": status = .disabled
                case "deleted": status = .deleted
                default: return nil
                }
                parts.discounts[DiscountCode(code)] = DiscountTruth(definition: definition, status: status, everUpserted: everUpserted == 1,
                                                                    last: last, lostCause: lostCause)
            }
            guard let nOrders = r.count() else { return nil }
            parts.orders.reserveCapacity(nOrders)
            var emails = Interner()  // a repeat customer's orders share one string, as in replay
            for _ in 0..<nOrders {
                guard let id = r.string(), let statusText = r.string(), let status = OrderStatus(rawValue: statusText),
                      let location = r.string(), let currency = r.string(), let lines = r.orderLines(), let total = r.int(),
                      let email = r.optionalString(), let codes = r.strings(), let placed = r.time(), let placed,
                      let statusSet = r.time(), let statusSet, let nRestocked = r.count() else { return nil }
                var restocked: [LineID: Int64] = [:]
                for _ in 0..<nRestocked {
                    guard let line = r.string(), let qty = r.int() else { return nil }
                    restocked[LineID(line)] = qty
                }
                guard let fulfillmentIDs = r.strings() else { return nil }
                parts.orders[OrderID(id)] = OrderTruth(
                    orderID: OrderID(id), status: status, location: Location(location), currency: currency, lines: lines, total: total,
                    customerEmail: email.map { emails.intern($0) }, discountCodes: codes, placed: placed, statusSet: statusSet,
                    restockedByRefunds: restocked, fulfillmentIDs: fulfillmentIDs.map(FulfillmentID.init))
            }
            guard let nFulfillments = r.count() else { return nil }
            parts.fulfillments.reserveCapacity(nFulfillments)
            for _ in 0..<nFulfillments {
                guard let id = r.string(), let orderID = r.string(), let location = r.string(), let statusText = r.string(),
                      let status = FulfillmentStatus(rawValue: statusText), let lines = r.fulfillmentLines(),
                      let carrier = r.optionalString(), let tracking = r.optionalString(),
                      let created = r.time(), let created, let statusSet = r.time(), let statusSet else { return nil }
                parts.fulfillments[FulfillmentID(id)] = FulfillmentTruth(
                    fulfillmentID: FulfillmentID(id), orderID: OrderID(orderID), location: Location(location), status: status,
                    lines: lines, carrier: carrier, trackingNumber: tracking, created: created, statusSet: statusSet)
            }
            guard let nRefunds = r.count() else { return nil }
            parts.refunds.reserveCapacity(nRefunds)
            for _ in 0..<nRefunds {
                guard let id = r.string(), let orderID = r.string(), let amount = r.int(), let lines = r.refundLines(),
                      let created = r.time(), let created else { return nil }
                parts.refunds[RefundID(id)] = RefundTruth(refundID: RefundID(id), orderID: OrderID(orderID), amount: amount, lines: lines, created: created)
            }
            guard let nFindings = r.count() else { return nil }
            for _ in 0..<nFindings {
                guard let finding = r.finding() else { return nil }
                parts.replayFindings.append(finding)
            }
            guard r.index == buffer.count else { return nil }
            return Truth(restoring: parts)
        }
    }
}

extension Packing.Writer {
    /// An optional event time: a presence byte, then occurred_us and seq.
    mutating func time(_ t: EventTime?) {
        guard let t else { varint(0); return }
        varint(1); int(t.occurredAt.microseconds); int(t.seq.rawValue)
    }

    mutating func finding(_ f: Finding) {
        string(f.kind.rawValue); string(f.severity.rawValue)
        varint(UInt64(f.key.count))
        for (name, value) in f.key { string(name); string(value) }
        reported(f.expected); reported(f.actual)
        optional(f.units)
        if let ids = f.fulfillmentIDs { varint(1); write(ids) } else { varint(0) }
        optional(f.causalSeq?.rawValue); optional(f.causalTime?.microseconds)
        write(f.evidence.map { String($0.rawValue) })
        optional(f.phase?.rawValue); string("") // was the action, now derived
    }

    mutating func reported(_ value: ReportedValue) {
        switch value {
        case .absent: varint(0)
        case .value(let v): varint(1); string(CanonicalJSON.encode(v))
        }
    }
}

extension Packing.Reader {
    /// `.some(nil)` for an absent time; nil for damaged bytes.
    mutating func time() -> EventTime?? {
        guard let present = varint() else { return nil }
        if present == 0 { return .some(nil) }
        guard let us = int(), let seq = int() else { return nil }
        return .some(EventTime(Timestamp(microseconds: us), Seq(seq)))
    }

    mutating func finding() -> Finding? {
        guard let kindText = string(), let kind = FindingKind(rawValue: kindText), let severityText = string(),
              let severity = Severity(rawValue: severityText), let nKey = count() else { return nil }
        var key: [(name: String, value: String)] = []
        for _ in 0..<nKey {
            guard let name = string(), let value = string() else { return nil }
            key.append((name, value))
        }
        var f = Finding(kind: kind, severity: severity, key: key)
        guard let expected = reported(), let actual = reported(), let units = optionalInt(), let hasIDs = varint() else { return nil }
        f.expected = expected; f.actual = actual; f.units = units
        if hasIDs == 1 {
            guard let ids = strings() else { return nil }
            f.fulfillmentIDs = ids
        }
        guard let causalSeq = optionalInt(), let causalTime = optionalInt(), let evidence = strings(),
              let phase = optionalString(), string() != nil else { return nil }
        f.causalSeq = causalSeq.map(Seq.init); f.causalTime = causalTime.map(Timestamp.init(microseconds:))
        f.evidence = evidence.compactMap { Int64($0).map(Seq.init) }
        if let phase { guard let p = Phase(rawValue: phase) else { return nil }; f.phase = p }
        return f
    }

    mutating func reported() -> ReportedValue? {
        guard let present = varint() else { return nil }
        if present == 0 { return .absent }
        guard let text = string(), let value = try? JSONParser.parse(text) else { return nil }
        return .value(value)
    }
}
