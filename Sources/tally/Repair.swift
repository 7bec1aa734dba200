import ArgumentParser
import TallyCore
import TallyJournal
import TallyReports
import TallyStore

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the repair plan for a store (the SQL each repairable finding needs); --apply runs it in one transaction.",
        discussion: """
        The plan repairs lost orders, fulfillments, refunds, products and discounts, status, order, \
        inventory, price and discount drift, and revived discounts. Oversells, double shipments, \
        shipped cancelled orders, order conflicts (and every finding about a conflicting order), \
        orphan references and unjournaled rows are listed for a person and never changed. \
        --apply first copies the store aside with SQLite's online backup API.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var archivesOption: ArchivesOption

    /// The store to repair (SQLite; a CSV folder can be planned but not applied).
    @OptionGroup var target: StoreTarget

    @Flag(help: "Apply the plan (after copying the store aside).")
    var apply = false

    @Option(help: ArgumentHelp("Where --apply copies the store first (default: S.before-repair).", valueName: "F"))
    var backup: String?

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    func run() throws {
        let journal = try journalOption.open(readOnly: true)
        try archivesOption.attach(to: journal, note: false)
        let store = target.store
        let reconcile = ReconcileRun(journal: journal, storePath: store, snapshot: target.snapshot, restoredAt: target.restoredAt, asOf: nil)
        let outcome = try reconcile.run()
        let plan = RepairPlanner.plan(findings: outcome.report.findings, truth: outcome.truth)
        switch format {
        case .json: print(RepairRender.json(plan), terminator: "")
        case .text: print(RepairRender.text(plan, store: store, applying: apply), terminator: "")
        }
        guard apply else { return }
        guard !plan.isEmpty else {
            Output.error("nothing to apply: the store needs no automatic repair")
            return
        }
        let backupPath = backup ?? store + ".before-repair"
        let count: Int
        do throws(StoreError) { count = try StoreRepair.apply(plan, to: store, backupPath: backupPath) } catch {
            throw CLIFailure.usage("tally: " + error.description)
        }
        Output.error("applied \(plan.steps.count) repairs (\(count) statements) to \(store) in one transaction; the store before repair is at \(backupPath)")
    }
}

/// Text and JSON renderings of a repair plan.
enum RepairRender {
    static func text(_ plan: RepairPlan, store: String, applying: Bool) -> String {
        var out = ["Tally repair plan for \(store)\(applying ? "" : " (dry run: add --apply to run it)")", ""]
        if plan.steps.isEmpty { out.append("Nothing to repair automatically.") }
        for (i, step) in plan.steps.enumerated() {
            out.append("\(i + 1). \(step.finding.kind.rawValue) \(step.finding.keyText)")
            out.append("   \(step.finding.action)")
            for op in step.operations { for sql in StoreRepair.sql(op) { out.append("   " + sql + ";") } }
        }
        if !plan.forPerson.isEmpty {
            out += ["", "Needs a person (\(plan.forPerson.count), never changed automatically):"]
            for f in plan.forPerson {
                out.append("  - \(f.kind.rawValue) \(f.keyText): \(f.action)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func json(_ plan: RepairPlan) -> String {
        JSONWriter.encode(.obj([
            ("report", .string("repair")),
            ("steps", .array(plan.steps.map { step in
                .obj([("finding", ReconcileJSON.finding(step.finding)),
                      ("sql", .array(step.operations.flatMap(StoreRepair.sql).map(JSONValue.string)))])
            })),
            ("needs_person", .array(plan.forPerson.map(ReconcileJSON.finding))),
        ])) + "\n"
    }
}
