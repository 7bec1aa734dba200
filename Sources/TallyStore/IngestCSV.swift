#if canImport(Glibc)
import Glibc
#endif
import TallyCore

/// A row of an ingested file that cannot become an event: the message names the file, row and column.
public struct IngestRowError: Error, Sendable {
    public let message: String
}

/// A CSV file read for ingest: columns are found by header name (case-insensitive,
/// surrounding spaces ignored), never by position, and every row stays readable on
/// its own, so one bad row is rejected while the rows next to it land.
public struct CSVTable: Sendable {
    public let name: String
    public let header: [String]
    public let rows: [CSVRow]

    /// Reads the whole file. Only a file that cannot be read at all (missing, no header,
    /// an unclosed quote) is an error here.
    public static func read(_ path: String) throws(StoreError) -> CSVTable {
        var rows: [CSVRow] = []
        let header = try stream(path) { rows.append($0) }
        return CSVTable(name: fileName(path), header: header.header, rows: rows)
    }

    /// Calls `body` with each row in turn, keeping none, reading the file 4 MiB at a time
    /// (exports of millions of rows never sit in memory whole). Returns the header (as a
    /// table without rows, for `column`); `onHeader` gets it before the first row.
    @discardableResult
    /// With `keep`, only the columns of those header names (case-insensitive) are decoded.
    public static func stream(_ path: String, keep: [String]? = nil, onHeader: (CSVTable) -> Void = { _ in }, _ body: (CSVRow) -> Void) throws(StoreError) -> CSVTable {
        let filter = FieldFilter()
        guard let file = fopen(path, "rb") else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
        defer { fclose(file) }
        let name = fileName(path)
        var header: [String]?
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4 << 20)
        var firstLine = 1
        var atEnd = false
        while !atEnd {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n < chunk.count {
                if ferror(file) != 0 { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
                atEnd = true
            }
            pending.append(contentsOf: chunk[0..<n])
            // Cut after the last line end outside quotes ("" escapes keep the count even).
            var quotes = 0, cut = 0, lines = 0, linesAtCut = 0
            for (i, b) in pending.enumerated() {
                if b == 0x22 { quotes += 1 } else if b == 0x0A { lines += 1; if quotes % 2 == 0 { cut = i + 1; linesAtCut = lines } }
            }
            if atEnd { cut = pending.count; linesAtCut = lines }
            guard cut > 0 else { continue }
            let piece = pending[0..<cut]
            try CSVParser.forEachRecord(piece, path: path, firstLine: firstLine, filter: filter) { r in
                guard let columns = header else {
                    let names = r.fields.map { ($0 ?? "").trimmingSpaces }
                    header = names
                    if let keep {
                        let wanted = Set(keep.map { $0.lowercased() })
                        filter.wanted = names.map { wanted.contains($0.lowercased()) }
                    }
                    onHeader(CSVTable(name: name, header: names, rows: []))
                    return
                }
                if r.fields.count == 1 && r.fields[0] == nil { return } // a blank line
                let raw = String(decoding: piece[r.start..<max(r.start, r.end)], as: UTF8.self)
                body(CSVRow(file: name, line: r.line, cells: r.fields, raw: raw, header: columns))
            }
            firstLine += linesAtCut
            pending.removeFirst(cut)
        }
        guard let header else { throw .badCell(place: path, column: "(header)", message: "a header row is required") }
        return CSVTable(name: name, header: header, rows: [])
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// The first column named like one of `names`.
    public func column(_ names: String...) -> Int? {
        for name in names {
            if let i = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return i }
        }
        return nil
    }
}

public struct CSVRow: Sendable {
    public let file: String
    public let line: Int
    public let cells: [String?]
    public let raw: String
    let header: [String]

    func fail(_ column: Int?, _ message: String) -> IngestRowError {
        let name = column.map { header[$0] } ?? "(row)"
        return IngestRowError(message: "\(file):\(line): column \(name): \(message)")
    }

    /// The row as a rejection to keep in the quarantine.
    public func rejected(_ error: IngestRowError) -> DerivedEvent {
        DerivedEvent(origin: file, line: line, text: raw, rejection: error.message)
    }

    public func checkWidth() throws(IngestRowError) {
        guard cells.count == header.count else {
            throw IngestRowError(message: "\(file):\(line): has \(cells.count) cells, the header has \(header.count)")
        }
    }

    public func optionalText(_ column: Int?) -> String? {
        guard let column, column < cells.count, let value = cells[column] else { return nil }
        let trimmed = value.trimmingSpaces
        return trimmed.isEmpty ? nil : trimmed
    }

    public func text(_ column: Int?) throws(IngestRowError) -> String {
        guard let value = optionalText(column) else { throw fail(column, "must not be empty") }
        return value
    }

    public func optionalInt(_ column: Int?) throws(IngestRowError) -> Int64? {
        guard let text = optionalText(column) else { return nil }
        guard let value = Int64(text) else { throw fail(column, "must be an integer, got \(CanonicalJSON.quoted(text))") }
        return value
    }

    public func int(_ column: Int?) throws(IngestRowError) -> Int64 {
        guard let value = try optionalInt(column) else { throw fail(column, "must not be empty") }
        return value
    }

    /// Money written in major units as a decimal string ("19.99", "19"), in minor units.
    public func optionalDecimalMoney(_ column: Int?, decimals: Int = 2) throws(IngestRowError) -> Int64? {
        guard let text = optionalText(column) else { return nil }
        guard let value = DecimalMoney.parseDecimal(text, decimals: decimals) else {
            throw fail(column, "must be an amount such as 19.99 (at most \(decimals) decimals), got \(CanonicalJSON.quoted(text))")
        }
        return value
    }

    public func optionalTimestamp(_ column: Int?) throws(IngestRowError) -> (Timestamp, String)? {
        guard let text = optionalText(column) else { return nil }
        guard let instant = Timestamp.parse(text) else {
            throw fail(column, "must be an RFC 3339 timestamp such as 2026-11-20T10:15:00Z, got \(CanonicalJSON.quoted(text))")
        }
        return (instant, text)
    }

    public func invalid(_ column: Int?, _ message: String) -> IngestRowError { fail(column, message) }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

extension String {
    var trimmingSpaces: String {
        guard let first = utf8.first, let last = utf8.last,
              first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return self }
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
