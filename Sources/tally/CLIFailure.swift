import TallyJournal
import TallySQLite

/// A command's outcome that is not plain success, with the contract's exit status.
/// Every domain error is mapped to an exit code here and nowhere else.
struct CLIFailure: Error {
    let code: Int32
    let message: String

    /// Findings at or above `--fail-on`, rejected input, an unknown order, a broken journal.
    static func findings(_ message: String = "") -> CLIFailure { CLIFailure(code: 1, message: message) }

    /// Bad usage or unreadable input.
    static func usage(_ message: String) -> CLIFailure { CLIFailure(code: 2, message: message) }

    /// Maps any error a command lets escape to its exit status and message.
    static func from(_ error: any Error) -> CLIFailure {
        switch error {
        case let failure as CLIFailure: return failure
        case let journal as JournalError: return .usage("tally: " + journal.description)
        case let sqlite as SQLiteError: return .usage("tally: " + sqlite.description)
        default: return .usage("tally: \(error)")
        }
    }
}

/// Runs a command body, turning every escaping error into a `CLIFailure`.
func guarded<T>(_ body: () throws -> T) throws(CLIFailure) -> T {
    do { return try body() } catch { throw CLIFailure.from(error) }
}
