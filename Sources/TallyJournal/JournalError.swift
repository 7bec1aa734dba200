import TallySQLite

/// What can go wrong with a journal file, in words a user can act on.
public enum JournalError: Error, CustomStringConvertible {
    /// The file is missing.
    case notFound(path: String)
    /// The file exists but is not a Tally journal (or is of a newer format).
    case notAJournal(path: String, detail: String)
    /// No journal could be created at the path (its folder is missing or not writable).
    case cannotCreate(path: String, detail: String)
    /// An input file could not be read.
    case unreadableInput(path: String, detail: String)
    /// SQLite failed; the error carries the extended code and the SQL.
    case sqlite(path: String, SQLiteError)
    /// The answer needs pruned events: pass the archives that hold them.
    case needsArchives(path: String, detail: String)
    /// An archive is missing, broken, or not this journal's.
    case badArchive(path: String, detail: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no journal here (create one with `tally init --journal \(path)`)"
        case .notAJournal(let path, let detail):
            return "\(path): not a Tally journal: \(detail)"
        case .cannotCreate(let path, let detail):
            return "\(path): cannot create a journal here: \(detail)"
        case .unreadableInput(let path, let detail):
            return "\(path): cannot read: \(detail)"
        case .sqlite(let path, let error):
            return "\(path): \(error)"
        case .needsArchives(let path, let detail):
            return "\(path): \(detail)"
        case .badArchive(let path, let detail):
            return "\(path): \(detail)"
        }
    }
}
