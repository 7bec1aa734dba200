import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyJournal
import TallyStore

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn exports and sync files into journal events: only what truth does not have yet.",
        discussion: """
        Each file is compared with truth (a replay of the journal); what differs becomes events \
        with ids derived from the content, so ingesting the same file twice adds nothing. Rows \
        that cannot become events are rejected with file, row and column, kept in the quarantine, \
        and the rows next to them still land. Exit status: 0 none rejected, 1 some rows rejected, \
        2 bad usage or an unreadable file.
        """,
        subcommands: [IngestOrders.self, IngestPrices.self, IngestDiscounts.self, IngestInventory.self])
}

/// The options every ingest shares.
struct IngestOptions: ParsableArguments {
    @OptionGroup var journalOption: JournalOption

    @Flag(help: "Show what would be appended, append nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("The time of rows that carry none (RFC 3339; default now).", valueName: "T"))
    var at: String?

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func validate() throws {
        try validateTimestamp(at, "--at")
    }

    var time: Timestamp { at.flatMap(Timestamp.parse) ?? JournalOption.clock.now() }

    /// Events per transaction: larger than append's default, since an ingest is one big batch job.
    static let batchSize = 50_000

    /// Reads a CSV file and truth, derives, appends (unless a dry run) and reports.
    func run(file: String, derive: @escaping @Sendable (CSVTable, Truth) -> IngestResult,
             extra: @escaping (IngestResult) -> (text: [String], json: [(String, JSONValue)]) = { _ in ([], []) }) throws {
        let table = try guarded { try CSVTable.read(file) }
        let kept = Box<IngestResult>()
        try run(file: file, unit: "rows", stream: { truth, emit in
            var result = derive(table, truth)
            _ = emit(result.events)
            var totals = IngestTotals(rows: table.rows.count, unchanged: result.unchanged, notes: result.notes)
            for e in result.events { if let type = e.type, e.rejection == nil { totals.byType[type.rawValue, default: 0] += 1 } }
            result.events = []
            kept.value = result
            return totals
        }, extra: { extra(kept.value ?? IngestResult()) })
    }

    /// Replays truth, then runs `stream` on a second thread: it derives events from truth and
    /// emits them in chunks, which are appended as they come (unless a dry run); then reports.
    func run(file: String, unit: String, stream: @escaping @Sendable (Truth, _ emit: ([DerivedEvent]) -> Bool) throws -> IngestTotals,
             extra: () -> (text: [String], json: [(String, JSONValue)])) throws {
        let journal = try journalOption.open(readOnly: dryRun)
        let truth = try Timings.measure("replay") { try guarded { try journal.replay() } }
        var summary = AppendSummary()
        let totals = Box<IngestTotals>()
        if dryRun {
            let rejected = Box<[Rejection]>()
            rejected.value = []
            totals.value = try stream(truth) { events in
                for e in events { if let message = e.rejection { rejected.value!.append(Rejection(input: e.origin, line: e.line, eventID: nil, message: message)) } }
                return true
            }
            summary.rejected = rejected.value!.count
            summary.errors = rejected.value!
        } else {
            var progress = Output.Progress(total: nil, items: true)
            try Timings.measure("derive and append") {
                try AppendRunner(journal: journal, batchSize: IngestOptions.batchSize).run(producer: { emit in totals.value = try stream(truth, emit) }, into: &summary) {
                    progress.show($0, "ingesting \(file)")
                }
            }
            progress.finish()
            try Timings.measure("catch up the lookup tables") { () throws(JournalError) in try journal.finishAppending() }
        }
        let t = totals.value ?? IngestTotals(rows: 0, unchanged: 0, notes: [])
        let derived = t.byType.sorted { $0.key < $1.key }
        let (extraText, extraJSON) = extra()
        switch format {
        case .json:
            print(JSONWriter.encode(.obj([
                ("file", .string(file)), ("rows", .int(t.rows)), ("dry_run", .bool(dryRun)),
                ("derived", .obj(derived.map { ($0.key, .int($0.value)) })), ("unchanged", .int(t.unchanged)),
                ("appended", .int(summary.appended)), ("duplicates", .int(summary.duplicates)), ("rejected", .int(summary.rejected)),
                ("errors", .array(summary.errors.map { .obj([("line", .int($0.line)), ("message", .string($0.message))]) })),
                ("notes", .array(t.notes.map(JSONValue.string))),
            ] + extraJSON), pretty: false))
        case .text:
            for rejection in summary.errors { Output.error(rejection.message) }
            if summary.rejected > summary.errors.count {
                Output.error("… and \(summary.rejected - summary.errors.count) more; `tally quarantine` lists them all")
            }
            let what = derived.isEmpty ? "nothing new" : derived.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(file): \(t.rows) \(unit): \(what); \(t.unchanged) already in the journal")
            for line in extraText + t.notes { print(line) }
            print(dryRun
                  ? "dry run: would append \(derived.reduce(0) { $0 + $1.value }), rejected \(summary.rejected); nothing was appended"
                  : "appended \(summary.appended), duplicates \(summary.duplicates), rejected \(summary.rejected)")
        }
        if summary.rejected > 0 { throw CLIFailure.findings() }
    }
}

/// What a derivation found, for the summary.
struct IngestTotals: Sendable {
    var rows: Int
    var byType: [String: Int] = [:]
    var unchanged: Int
    var notes: [String]
}

/// A value handed from the deriving thread to the reporting one (after the hand-off has ended).
final class Box<T>: @unchecked Sendable {
    var value: T?
}

struct IngestOrders: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "An orders export → the order events truth lacks; an order whose lines changed is reported, not overwritten.",
        discussion: """
        FILE is one of: a folder with the canonical schema's order tables as CSV (orders.csv, \
        order_lines.csv, fulfillments.csv, fulfillment_lines.csv, refunds.csv, refund_lines.csv; \
        orders.csv may add cancelled_at); an .ndjson file with one order a line, its lines, \
        fulfillments and refunds nested; or Shopify's admin orders CSV export (one row per line \
        item, columns by header name, money in major units). New orders become order.placed, a \
        status now cancelled order.cancelled, new fulfillments and refunds their events, at the \
        export's own timestamps.
        """)

    @OptionGroup var options: IngestOptions

    @Option(help: ArgumentHelp("The location of orders without one (Shopify exports of online orders).", valueName: "LOCATION"))
    var location: String?

    @Flag(help: "Cancellations put the unshipped units back in stock (the export cannot tell; default: no restock).")
    var restock = false

    @Argument(help: ArgumentHelp("The export: a folder of CSV files, an .ndjson file, or a Shopify orders .csv.", valueName: "FILE"))
    var file: String

    func run() throws {
        var info = stat()
        let isDirectory = stat(file, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        let file = self.file, location = self.location, restock = self.restock, at = options.time
        let edits = Box<[OrderEdit]>()
        try options.run(file: file, unit: "orders read", stream: { truth, emit in
            let deriver = OrdersDeriver(truth: truth, at: at, restockCancelled: restock)
            if isDirectory || file.hasSuffix(".ndjson") || file.hasSuffix(".jsonl") {
                let (orders, rejected) = isDirectory ? try OrderExportReader.canonicalFolder(file) : try OrderExportReader.ndjson(file)
                _ = emit(deriver.derive(orders, rejected: rejected))
            } else {
                // Shopify's export streams: orders are derived and handed on 5,000 at a time.
                var chunk: [ExportedOrder] = [], rejected: [DerivedEvent] = []
                var open = true
                try OrderExportReader.shopifyCSV(file, defaultLocation: location, onOrder: { order in
                    chunk.append(order)
                    if chunk.count >= 5_000 && open { open = emit(deriver.derive(chunk, rejected: rejected)); chunk = []; rejected = [] }
                }, onRejected: { rejected.append($0) })
                if open { _ = emit(deriver.derive(chunk, rejected: rejected)) }
            }
            deriver.finish()
            edits.value = deriver.edits
            return IngestTotals(rows: deriver.ordersRead, byType: Dictionary(uniqueKeysWithValues: deriver.typeCounts.map { ($0.key.rawValue, $0.value) }),
                                unchanged: deriver.result.unchanged, notes: deriver.result.notes)
        }, extra: {
            let found = edits.value ?? []
            var text = found.isEmpty ? [] : ["order edits (\(found.count)): the export differs from the journal; nothing was overwritten"]
            text += found.prefix(20).map { "  order \($0.orderID) (\($0.origin):\($0.line)): \($0.detail)" }
            if found.count > 20 { text.append("  … \(found.count - 20) more (--format json lists them all)") }
            let json = JSONValue.array(found.map { .obj([("order_id", .string($0.orderID)), ("file", .string($0.origin)), ("line", .int($0.line)), ("detail", .string($0.detail))]) })
            return (text, [("order_edits", json)])
        })
    }
}

struct IngestPrices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices",
        abstract: "A price list → price.changed for every SKU whose price, currency or compare-at price differs from truth.",
        discussion: """
        Columns (by header name): sku, price and compare_at in minor units, currency, changed_at \
        (optional); or Shopify's product export: Variant SKU, Variant Price and Variant Compare At \
        Price in major units (19.99), with --currency.
        """)

    @OptionGroup var options: IngestOptions

    @Option(help: ArgumentHelp("The currency of rows without one (ISO 4217).", valueName: "CODE"))
    var currency: String?

    @Argument(help: ArgumentHelp("The CSV file.", valueName: "FILE"))
    var file: String

    func run() throws {
        try options.run(file: file) { table, truth in CatalogIngest.prices(table, truth: truth, defaultCurrency: currency, at: options.time) }
    }
}

struct IngestDiscounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discounts",
        abstract: "A discount list → discount.upserted for new or changed codes; with --full, discount.deleted for codes it lacks.",
        discussion: "Columns (by header name): code, kind, value, status, starts_at, ends_at, usage_limit, updated_at (the last four optional).")

    @OptionGroup var options: IngestOptions

    @Flag(help: "The file is the complete list: a code truth holds that it lacks is deleted.")
    var full = false

    @Argument(help: ArgumentHelp("The CSV file.", valueName: "FILE"))
    var file: String

    func run() throws {
        try options.run(file: file) { table, truth in CatalogIngest.discounts(table, truth: truth, full: full, at: options.time) }
    }
}

struct IngestInventory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "An inventory count or sync log → inventory.set for every SKU and location that differs from truth; prints the sync drift.",
        discussion: "Columns (by header name): sku (or Variant SKU), location, available, counted_at (optional). Shopify's inventory export matches by the same names.")

    @OptionGroup var options: IngestOptions

    @Option(help: "The reason of the events: sync or count.")
    var reason: InventoryReasonOption = .sync

    @Option(help: ArgumentHelp("The location of rows without one.", valueName: "LOCATION"))
    var location: String?

    @Argument(help: ArgumentHelp("The CSV file.", valueName: "FILE"))
    var file: String

    func run() throws {
        try options.run(file: file, derive: { table, truth in
            CatalogIngest.inventory(table, truth: truth, reason: reason.reason, defaultLocation: location, at: options.time)
        }, extra: { result in
            let drifting = result.drift.filter { $0.truth != $0.file }
            let ranked = drifting.sorted { abs($0.file - ($0.truth ?? 0)) > abs($1.file - ($1.truth ?? 0)) }
            var text = ["sync drift: \(drifting.count) of \(result.drift.count) SKU/location pairs differed from the journal"]
            for d in ranked.prefix(20) {
                text.append("  \(d.key.sku.rawValue) @ \(d.key.location.rawValue): file \(d.file), journal " + (d.truth.map { "\($0) (\(d.file - $0 > 0 ? "+" : "")\(d.file - $0))" } ?? "not tracked"))
            }
            if ranked.count > 20 { text.append("  … \(ranked.count - 20) more (--format json lists them all)") }
            let json: JSONValue = .array(ranked.map { d in
                .obj([("sku", .string(d.key.sku.rawValue)), ("location", .string(d.key.location.rawValue)), ("file", .int(d.file)),
                      ("journal", d.truth.map { .int($0) } ?? .null), ("drift", d.truth.map { .int(d.file - $0) } ?? .null)])
            })
            return (text, [("drift", json)])
        })
    }
}

enum InventoryReasonOption: String, ExpressibleByArgument, CaseIterable {
    case sync, count
    var reason: InventorySetReason { self == .sync ? .sync : .count }
}
