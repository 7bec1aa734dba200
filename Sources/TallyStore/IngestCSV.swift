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
        let bytes = try CSVStoreReader.readFile(path)
        let records = try CSVParser.parse(bytes, path: path)
        guard let first = records.first else { throw .badCell(place: path, column: "(header)", message: "a header row is required") }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        let header = first.fields.map { ($0 ?? "").trimmingSpaces }
        var rows: [CSVRow] = []
        rows.reserveCapacity(records.count)
        for r in records.dropFirst() {
            if r.fields.count == 1 && r.fields[0] == nil { continue } // a blank line
            let raw = String(decoding: bytes[r.start..<max(r.start, r.end)], as: UTF8.self)
            rows.append(CSVRow(file: name, line: r.line, cells: r.fields, raw: raw, header: header))
        }
        return CSVTable(name: name, header: header, rows: rows)
    }

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

public enum DecimalMoney {
    /// "19.99" → 1999 (with 2 decimals); nil for anything but digits with an optional point.
    public static func parseDecimal(_ text: String, decimals: Int) -> Int64? {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= decimals, fraction.allSatisfy(\.isASCIIDigitCharacter), parts.count == 1 || !fraction.isEmpty else { return nil }
        fraction += String(repeating: "0", count: decimals - fraction.count)
        guard let value = Int64(String(whole) + fraction) else { return nil }
        return negative ? -value : value
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
