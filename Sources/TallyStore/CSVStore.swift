#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyFiles

/// Reads a folder of CSV files named after the store's tables (contract §5, §10):
/// a missing file is an empty table, a header row is required, an empty cell
/// is NULL, a UTF-8 byte-order mark is skipped.
enum CSVStoreReader {
    struct Row: StoreRow {
        let cells: [String?]
        let place: String
        let columnNames: [String]

        func optionalText(_ column: Int) throws(StoreError) -> String? { cells[column] }

        func optionalInt(_ column: Int) throws(StoreError) -> Int64? {
            guard let text = cells[column] else { return nil }
            guard let value = Int64(text) else {
                throw .badCell(place: place, column: columnNames[column], message: "must be an integer, got \(CanonicalJSON.quoted(text))")
            }
            return value
        }
    }

    static func read(_ folder: String) throws(StoreError) -> StoreSnapshot {
        var builder = SnapshotBuilder()
        for table in StoreTables.all {
            let path = folder + "/" + table.name + ".csv"
            guard access(path, F_OK) == 0 else { continue }
            let bytes = try readFile(path)
            let records = try CSVParser.parse(bytes, path: path)
            guard let header = records.first else {
                throw .badCell(place: path, column: "(header)", message: "a header row is required")
            }
            let names = header.fields.map { $0 ?? "" }
            var indexes: [Int?] = []
            for column in table.columns {
                let index = names.firstIndex(of: column.name)
                if index == nil && column.required { throw .missingColumn(path: path, table: table.name, column: column.name) }
                indexes.append(index)
            }
            for record in records.dropFirst() {
                if record.fields.count == 1 && record.fields[0] == nil { continue } // a blank line
                guard record.fields.count == names.count else {
                    throw .badCell(place: "\(path):\(record.line)", column: "(row)",
                                   message: "has \(record.fields.count) cells, the header has \(names.count)")
                }
                let cells = indexes.map { $0.flatMap { record.fields[$0] } }
                try builder.add(table, Row(cells: cells, place: "\(path):\(record.line)", columnNames: table.columnNames))
            }
        }
        return builder.finish()
    }

    static func readFile(_ path: String) throws(StoreError) -> [UInt8] {
        do throws(FileError) { return try Files.readAll(path) } catch { throw .unreadable(path: path, detail: error.detail) }
    }
}

/// Which columns a streaming reader wants decoded (nil: all); set once the header is known.
final class FieldFilter {
    var wanted: [Bool]?
}

/// RFC 4180 CSV: commas, double-quoted fields with "" escapes, LF or CRLF line ends.
enum CSVParser {
    struct Record {
        /// nil for an empty cell (NULL).
        var fields: [String?]
        /// The physical line the record starts on.
        var line: Int
        /// The record's bytes in the input (without its line end).
        var start = 0, end = 0
    }

    static func parse(_ bytes: [UInt8], path: String) throws(StoreError) -> [Record] {
        var records: [Record] = []
        try forEachRecord(bytes[...], path: path) { records.append($0) }
        return records
    }

    /// Calls `body` with each record in turn (nothing is kept: files of millions of rows stream).
    /// `firstLine` numbers the first record when `bytes` is a later piece of a file (see `CSVTable.stream`).
    /// With `filter.wanted` set, cells of unwanted columns are not decoded (they read as nil).
    static func forEachRecord(_ bytes: ArraySlice<UInt8>, path: String, firstLine: Int = 1, filter: FieldFilter? = nil,
                              _ body: (Record) throws(StoreError) -> Void) throws(StoreError) {
        var i = bytes.startIndex
        if firstLine == 1, bytes.count >= 3, bytes[i] == 0xEF, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF { i += 3 }
        var line = firstLine
        var fields: [String?] = []
        var field: [UInt8] = []
        var quoted = false
        var quotedLength = 0 // bytes of the field that were inside quotes
        var recordLine = firstLine
        var recordStart = i
        func endField() {
            if let wanted = filter?.wanted, fields.count < wanted.count, !wanted[fields.count] {
                fields.append(nil)
            } else {
                fields.append(field.isEmpty && !quoted ? nil : String(decoding: field, as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
            quoted = false
            quotedLength = 0
        }
        /// A CR just before the LF ends the row, unless it was inside quotes.
        func dropRowEndCR() {
            if field.last == 0x0D && field.count > quotedLength { field.removeLast() }
        }
        while i < bytes.endIndex {
            let b = bytes[i]
            switch b {
            case 0x22 where field.isEmpty && !quoted:
                quoted = true
                i += 1
                // Read until the closing quote.
                while true {
                    guard i < bytes.endIndex else {
                        throw .badCell(place: "\(path):\(recordLine)", column: "(row)", message: "a quoted cell is not closed")
                    }
                    let c = bytes[i]
                    if c == 0x22 {
                        if i + 1 < bytes.endIndex && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        i += 1
                        break
                    }
                    if c == 0x0A { line += 1 }
                    field.append(c)
                    i += 1
                }
                quotedLength = field.count
                continue
            case 0x2C:
                endField()
            case 0x0A:
                dropRowEndCR()
                endField()
                try body(Record(fields: fields, line: recordLine, start: recordStart, end: i))
                fields.removeAll()
                line += 1
                recordLine = line
                recordStart = i + 1
            default:
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty || quoted {
            dropRowEndCR()
            endField()
            try body(Record(fields: fields, line: recordLine, start: recordStart, end: bytes.endIndex))
        }
    }
}
