import ArgumentParser
import TallyCore
import TallyJournal
import TallyServer

struct Deliveries: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Webhook deliveries kept by tally serve (raw bodies), and a replay of the quarantined ones.",
        discussion: """
        Every delivery that passed its signature check is kept with its raw body. --replay maps every \
        quarantined delivery again with the current config and mapping (after a fix) and appends what it \
        yields, as tally serve would have; a delivery mapped since (a platform retry) is left alone. \
        Exit status: 0, or 1 when some delivery is still quarantined after --replay.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: "Only this platform: shopify or woocommerce.")
    var source: String?

    @Option(help: "Only this result: mapped, kept or quarantined.")
    var result: String?

    @Option(help: "At most this many deliveries listed.")
    var limit = 100

    @Flag(help: "Map the quarantined deliveries again and append what they yield.")
    var replay = false

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func validate() throws {
        if let source, ![ShopifyMapping.source, WooCommerceMapping.source].contains(source) {
            throw ValidationError("--source must be shopify or woocommerce, got \(source)")
        }
        if let result, DeliveryResult(rawValue: result) == nil { throw ValidationError("--result must be mapped, kept or quarantined, got \(result)") }
        if replay && result != nil { throw ValidationError("--replay takes the quarantined deliveries; --result does not apply") }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        guard replay else { return try list() }
        let config = try configOption.load()
        let journal = try journalOption.open(readOnly: false)
        let quarantined = try guarded { try journal.deliveries(source: source, result: DeliveryResult.quarantined.rawValue, limit: Int.max) }
        var mapped = 0, still = 0, already = 0
        var messages: [String] = []
        for delivery in quarantined {
            let platform = delivery.source == ShopifyMapping.source ? config.shopify : config.woocommerce
            let (request, failure) = DeliveryMapper.request(
                source: delivery.source, topic: delivery.topic, key: delivery.key, headers: delivery.headers, body: delivery.body,
                settings: platform.captureSettings,
                currentPrice: { sku in (try? journal.currentPrice(SKU(sku))).flatMap { $0 }.map(CurrentPrice.init) },
                isJournaled: { (try? journal.contains(eventID: $0)) ?? false })
            switch try guarded({ try journal.appendGroup([request]) }).first {
            case .duplicateDelivery?: already += 1
            case .appended?:
                if let failure { still += 1; messages.append(failure) } else { mapped += 1 }
            case nil: break
            }
        }
        try guarded { try journal.finishAppending() }
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("quarantined", .int(quarantined.count)), ("mapped", .int(mapped)), ("already_mapped", .int(already)),
                ("still_quarantined", .int(still)), ("errors", .array(messages.map { .string($0) })),
            ])))
        case .text:
            print("replayed \(quarantined.count) quarantined deliveries: \(mapped) mapped, \(already) already mapped by a retry, \(still) still quarantined")
            for m in messages.prefix(20) { print("  " + m) }
        }
        if still > 0 { throw CLIFailure.findings("") }
    }

    private func list() throws {
        let journal = try journalOption.open(readOnly: true)
        let found = try guarded { try journal.deliveries(source: source, result: result, limit: limit) }
        switch format {
        case .json:
            print(JSONWriter.encode(.array(found.map { d in
                .obj([("id", .int(d.id)), ("source", .string(d.source)), ("key", .string(d.key)), ("topic", .string(d.topic)),
                      ("received_at", .string(Timestamp(microseconds: d.receivedUs).rfc3339)), ("result", .string(d.result)),
                      ("message", .text(d.message)), ("body_bytes", .int(d.body.count))])
            })))
        case .text:
            if found.isEmpty { print("no deliveries"); return }
            for d in found {
                print("\(d.id)  \(Timestamp(microseconds: d.receivedUs).rfc3339)  \(d.source) \(d.topic)  \(d.result)  (\(d.body.count) bytes, key \(d.key))")
                if let m = d.message { print("    " + m) }
            }
        }
    }
}
