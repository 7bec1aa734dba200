/// The one-sentence action of each finding (contract §7 `action`).
enum Actions {
    static func sentence(for f: Finding) -> String {
        let k = { (name: String) in f.keyValue(name) ?? "?" }
        switch f.kind {
        case .oversell:
            return "Order \(k("order_id")) line \(k("line_id")) sold \(f.units ?? 0) unit(s) of \(k("sku")) at \(k("location")) that were not in stock: restock, or contact the customer before it ships."
        case .doubleShipment:
            return "Order \(k("order_id")) line \(k("line_id")) shipped \(f.units ?? 0) unit(s) too many: stop or recall the extra shipment and check stock."
        case .shippedCancelledOrder:
            return "Fulfillment \(k("fulfillment_id")) shipped cancelled order \(k("order_id")): intercept the parcel or charge the customer."
        case .orderConflict:
            return "Event \(k("event_id")) placed order \(k("order_id")) again with other content: a person must decide which order is real."
        case .orphanReference:
            return "Event \(k("event_id")) refers to something the journal never saw: find the missing event and append it."
        case .lostOrder:
            return "Re-create order \(k("order_id")) in the store from the journal."
        case .unjournaledOrder:
            return "Order \(k("order_id")) is in the store but not in the journal: check capture, then append its events."
        case .orderStatusDrift:
            return "Set order \(k("order_id")) to \(f.expected.textValue ?? "?") in the store (it says \(f.actual.textValue ?? "?"))."
        case .orderDrift:
            return "Restore the lines and total of order \(k("order_id")) from the journal."
        case .lostFulfillment:
            return "Re-create fulfillment \(k("fulfillment_id")) in the store so the warehouse does not ship it again."
        case .unjournaledFulfillment:
            return "Fulfillment \(k("fulfillment_id")) is in the store but not in the journal: check capture, then append it."
        case .fulfillmentStatusDrift:
            return "Set fulfillment \(k("fulfillment_id")) to \(f.expected.textValue ?? "?") in the store."
        case .lostRefund:
            return "Re-create refund \(k("refund_id")) in the store so the books show it."
        case .unjournaledRefund:
            return "Refund \(k("refund_id")) is in the store but not in the journal: check capture, then append it."
        case .inventoryDrift:
            return "Set available stock of \(k("sku")) at \(k("location")) to \(f.expected.intText ?? "?") (store says \(f.actual.intText ?? "no row"))."
        case .unjournaledInventory:
            return "Stock of \(k("sku")) at \(k("location")) is not tracked by the journal: append an inventory.set (reason count)."
        case .priceDrift:
            return "Set the price of \(k("sku")) back to \(f.expected.intText ?? "?") (store says \(f.actual.intText ?? "?"))."
        case .lostProduct:
            return "Re-create product \(k("sku")) with its journal price."
        case .unjournaledProduct:
            return "Product \(k("sku")) is in the store but was never priced in the journal: append a price.changed."
        case .lostDiscount:
            return "Re-create discount \(k("code")) from the journal."
        case .discountRevived:
            return "Disable discount \(k("code")) now: it is \(f.expected.textValue ?? "?") in the journal but active in the store."
        case .discountDrift:
            return "Restore discount \(k("code")) to its journal definition."
        case .unjournaledDiscount:
            return "Discount \(k("code")) is in the store but not in the journal: check capture, then append it."
        }
    }
}

extension ReportedValue {
    var textValue: String? {
        if case .value(.string(let s)) = self { return s }
        return nil
    }

    var intText: String? {
        if case .value(.number(let n)) = self { return n.literal }
        return nil
    }
}
