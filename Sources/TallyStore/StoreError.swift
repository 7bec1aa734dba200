/// Why a store cannot be read, naming the file, table, row and column.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, detail: String)
    case missingTable(path: String, table: String)
    case missingColumn(path: String, table: String, column: String)
    case badCell(place: String, column: String, message: String)
    case writeFailed(path: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): return "\(path): cannot read the store: \(detail)"
        case .missingTable(let path, let table): return "\(path): the store has no table \(table) (see store-schema.sql)"
        case .missingColumn(let path, let table, let column): return "\(path): table \(table) has no column \(column) (see store-schema.sql)"
        case .badCell(let place, let column, let message): return "\(place): column \(column): \(message)"
        case .writeFailed(let path, let detail): return "\(path): cannot write the store: \(detail)"
        }
    }
}
