import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The `tally` command: one subcommand per file in this folder.
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Inventory and order reconciliation: an append-only journal of store events, replayed and diffed against a restored store.",
        version: "0.1.0 (contract 1)",
        subcommands: [Demo.self, Init.self, Append.self, Verify.self, Stats.self, Quarantine.self, Reconcile.self, Repair.self, Lookup.self, Evidence.self, Baseline.self, Ingest.self, Archive.self, Prune.self, Drift.self, Job.self, Alerts.self, Drill.self, Status.self, Snapshot.self, Restored.self, Serve.self, Deliveries.self, Checkpoint.self]
    )
}

@main
enum Main {
    static func main() {
        do {
            var command = try Tally.parseAsRoot()
            try command.run()
        } catch let failure as CLIFailure {
            if !failure.message.isEmpty { Output.error(failure.message) }
            exit(failure.code)
        } catch {
            let code = Tally.exitCode(for: error)
            if code == .success {
                print(Tally.fullMessage(for: error))
                exit(0)
            }
            let message = Tally.fullMessage(for: error)
            Output.error(message.isEmpty ? String(describing: error) : message)
            // Contract §9: bad usage exits 2.
            exit(2)
        }
    }
}
