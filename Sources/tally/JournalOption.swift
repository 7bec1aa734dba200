import ArgumentParser
import TallyCore
import TallyJournal
#if canImport(Glibc)
import Glibc
#endif

/// `--journal J`, or `$TALLY_JOURNAL`, or `./tally.journal` when it exists (contract §9).
struct JournalOption: ParsableArguments {
    static let defaultFileName = "tally.journal"

    @Option(name: .long, help: ArgumentHelp("The journal file (default: $TALLY_JOURNAL, else ./tally.journal).", valueName: "J"))
    var journal: String?

    /// The path to use, for commands that need an existing journal.
    func existingPath() throws(CLIFailure) -> String {
        if let journal { return journal }
        if let env = getenv("TALLY_JOURNAL"), let value = String(validatingCString: env), !value.isEmpty { return value }
        if access(JournalOption.defaultFileName, F_OK) == 0 { return JournalOption.defaultFileName }
        throw .usage("tally: no journal given: pass --journal J, set TALLY_JOURNAL, or run where ./\(JournalOption.defaultFileName) exists")
    }

    /// The path to create, for `init`.
    func pathToCreate() -> String {
        if let journal { return journal }
        if let env = getenv("TALLY_JOURNAL"), let value = String(validatingCString: env), !value.isEmpty { return value }
        return JournalOption.defaultFileName
    }

    func open(readOnly: Bool) throws(CLIFailure) -> Journal {
        let path = try existingPath()
        do throws(JournalError) {
            return try Journal.open(at: path, readOnly: readOnly, clock: JournalOption.clock) { Output.error("tally: " + $0) }
        } catch {
            throw CLIFailure.from(error)
        }
    }

    /// The journal's clock: the system clock, or `$TALLY_CLOCK` (an RFC 3339 instant) for
    /// tests and rehearsals that need events recorded at a chosen time. recorded_at still
    /// never goes backwards.
    static var clock: any JournalClock {
        if let env = getenv("TALLY_CLOCK"), let text = String(validatingCString: env), let instant = Timestamp.parse(text) {
            return FixedClock(instant)
        }
        return SystemClock()
    }
}

/// `--format` for commands with text and JSON output.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Checks a timestamp option in `validate()`: nil is fine, anything else must be RFC 3339.
func validateTimestamp(_ value: String?, _ flag: String) throws {
    if let value, Timestamp.parse(value) == nil {
        throw ValidationError("\(flag) must be an RFC 3339 timestamp such as 2026-11-20T18:00:00Z, got \(value)")
    }
}
