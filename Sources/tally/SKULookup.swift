import TallyCore
import TallyJournal
import TallyReports

/// `tally lookup --sku`: a SKU's price and stock history over a window.
enum SKULookup {
    static func run(journal: Journal, sku: SKU, from: String?, to: String?, format: ReportFormat, output: String?) throws {
        let history = try guarded { try journal.skuHistory(sku, from: from.flatMap(Timestamp.parse), to: to.flatMap(Timestamp.parse)) }
        guard !history.isEmpty else {
            throw CLIFailure.findings("tally: SKU \(sku.rawValue) is unknown: no price, stock or order event names it"
                                      + (to == nil ? "" : " up to \(to!)"))
        }
        let rendered: String
        switch format {
        case .json: rendered = JSONWriter.encode(SKUHistoryReport.json(history, fromText: from, toText: to)) + "\n"
        case .text: rendered = SKUHistoryReport.document(history, fromText: from, toText: to).text(colour: output == nil && Output.stdoutIsTerminal)
        case .markdown: rendered = SKUHistoryReport.document(history, fromText: from, toText: to).markdown
        case .html: rendered = SKUHistoryReport.document(history, fromText: from, toText: to).html
        }
        try Output.write(rendered, to: output)
        if !history.integrity.verified {
            Output.error("tally: warning: the journal's tamper check failed at seq \(history.integrity.firstBadSeq ?? 0): \(history.integrity.problem ?? "")")
        }
    }
}
