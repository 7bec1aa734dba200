import ArgumentParser
import TallyCore
import TallyJournal
import TallyReports

struct Lookup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The verifiable history of an order (contract §8), a customer's orders, a tracking number, or a SKU's prices and stock.",
        discussion: """
        Give exactly one of --order, --email, --tracking or --sku. Lookups read the journal's \
        indexes, never a full replay, and check every event they show against the hash chain \
        (the output says how far the check reached). Exit status: 0 found, 1 nothing found \
        (an unknown order, email, tracking number or SKU), 2 bad usage or an unreadable journal. \
        A failed tamper check is reported in the output (integrity.verified is false) and on standard error.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    @Option(help: ArgumentHelp("The order id.", valueName: "ID"))
    var order: String?

    @Option(help: ArgumentHelp("Every order placed with this customer email (exact match), newest first.", valueName: "ADDRESS"))
    var email: String?

    @Option(help: ArgumentHelp("The order and fulfillment that shipped with this tracking number.", valueName: "NUMBER"))
    var tracking: String?

    @Option(help: ArgumentHelp("Price and stock history of a SKU (with --from and --to).", valueName: "SKU"))
    var sku: String?

    @Option(help: ArgumentHelp("With --sku: the start of the window (RFC 3339; default: the first event).", valueName: "T"))
    var from: String?

    @Option(help: ArgumentHelp("With --sku: the end of the window (RFC 3339; default: the last event).", valueName: "T"))
    var to: String?

    @Option(help: "Output format: text, json, markdown or html.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "F"))
    var output: String?

    func validate() throws {
        let given = [order, email, tracking, sku].compactMap { $0 }
        guard given.count == 1 else {
            throw ValidationError("give exactly one of --order, --email, --tracking or --sku (got \(given.count))")
        }
        if sku == nil && (from != nil || to != nil) { throw ValidationError("--from and --to go with --sku") }
        try validateTimestamp(from, "--from")
        try validateTimestamp(to, "--to")
        if let from, let to, let f = Timestamp.parse(from), let t = Timestamp.parse(to), t < f {
            throw ValidationError("--to (\(to)) is before --from (\(from))")
        }
    }

    func run() throws {
        let journal = try Timings.measure("open") { () throws(CLIFailure) in try journalOption.open(readOnly: true) }
        try archivesOption.attach(to: journal, note: true)
        if let order {
            let history = try Timings.measure("lookup") { () throws(CLIFailure) in try Lookup.history(journal, OrderID(order)) }
            try emit(json: LookupJSON.order(history), document: LookupReport.document(history), integrity: [history.integrity])
        } else if let email {
            let ids = try guarded { try journal.orders(email: email) }
            guard !ids.isEmpty else { throw CLIFailure.findings("tally: no order in the journal was placed with customer email \(email) (the match is exact)") }
            let histories = try ids.map { try Lookup.history(journal, $0) }
            try emitMany(query: [("email", email)], histories, title: "Orders of \(email)", matches: nil)
        } else if let tracking {
            let found = try guarded { try journal.fulfillments(trackingNumber: tracking) }
            guard !found.isEmpty else { throw CLIFailure.findings("tally: no fulfillment in the journal has tracking number \(tracking)") }
            var seen = Set<String>()
            let orderIDs = found.map(\.order).filter { seen.insert($0.rawValue).inserted }
            let histories = try orderIDs.map { try Lookup.history(journal, $0) }
            let matches = JSONValue.array(found.map { .obj([("order_id", .string($0.order.rawValue)), ("fulfillment_id", .string($0.fulfillment.rawValue))]) })
            try emitMany(query: [("tracking_number", tracking)], histories, title: "Tracking number \(tracking)", matches: matches)
        } else if let sku {
            try SKULookup.run(journal: journal, sku: SKU(sku), from: from, to: to, format: format, output: output)
        }
    }

    /// The order's history, or exit 1 when truth has no such order.
    static func history(_ journal: Journal, _ id: OrderID) throws(CLIFailure) -> OrderHistory {
        switch try guarded({ try journal.orderHistory(id) }) {
        case .found(let history): return history
        case .unknown(let naming) where naming > 0:
            throw .findings("tally: order \(id.rawValue) is unknown: \(naming) event\(naming == 1 ? " names" : "s name") it, but none placed it (reconcile reports them as orphan_reference)")
        case .unknown:
            throw .findings("tally: order \(id.rawValue) is unknown: no event in the journal names it")
        }
    }

    private func emitMany(query: [(String, String)], _ histories: [OrderHistory], title: String, matches: JSONValue?) throws {
        let documents = histories.map(LookupReport.document)
        var combined = ReportDocument(title: title, facts: [("Orders", String(histories.count))], sections: [])
        for d in documents {
            combined.sections.append(.init(title: d.title, headers: ["", ""], rows: d.facts.map { [$0.0, $0.1] }))
            combined.sections += d.sections.map { s in var s = s; s.title = d.title + ": " + s.title; return s }
        }
        let failures = histories.compactMap { $0.integrity.verified ? nil : $0.integrity.problem }
        combined.alert = failures.first.map { "the journal's tamper check failed: " + $0 }
        try emit(json: LookupJSON.orders(query: query, histories, matches: matches), document: combined, integrity: histories.map(\.integrity))
    }

    private func emit(json: JSONValue, document: ReportDocument, integrity: [IntegrityReport]) throws {
        let rendered: String
        switch format {
        case .json: rendered = JSONWriter.encode(json) + "\n"
        case .text: rendered = document.text(colour: output == nil && Output.stdoutIsTerminal)
        case .markdown: rendered = document.markdown
        case .html: rendered = document.html
        }
        try Output.write(rendered, to: output)
        for report in integrity where !report.verified {
            Output.error("tally: warning: the journal's tamper check failed at seq \(report.firstBadSeq ?? 0): \(report.problem ?? "")")
        }
    }
}
