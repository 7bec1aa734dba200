import TallyCore

/// A people-facing report as titled facts and tables, rendered the same way to
/// text, Markdown and HTML (lookups, evidence packs).
public struct ReportDocument: Sendable {
    public struct Section: Sendable {
        public var title: String
        public var intro: String?
        public var headers: [String]
        public var rows: [[String]]
        /// Shown instead of an empty table.
        public var empty: String
        public init(title: String, intro: String? = nil, headers: [String], rows: [[String]], empty: String = "none") {
            self.title = title; self.intro = intro; self.headers = headers; self.rows = rows; self.empty = empty
        }
    }

    public var title: String
    public var facts: [(String, String)]
    public var sections: [Section]
    /// A problem that must be seen first (an integrity failure).
    public var alert: String?
    /// Inline SVG charts, shown after the facts in HTML only.
    public var chartsHTML: String?

    public init(title: String, facts: [(String, String)], sections: [Section], alert: String? = nil) {
        self.title = title; self.facts = facts; self.sections = sections; self.alert = alert
    }

    /// Plain text with aligned columns; bold headings when `colour`.
    public func text(colour: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var out = [paint(title, "1"), String(repeating: "=", count: min(78, title.count))]
        if let alert { out += ["", paint("!! " + alert, "1;31")] }
        let labelWidth = (facts.map(\.0.count).max() ?? 0) + 2
        out += [""] + facts.map { ($0.0 + ":").padded(labelWidth) + $0.1 }
        for section in sections {
            out += ["", paint(section.title, "1")]
            if let intro = section.intro { out += ReportText.wrap(intro, width: 78, first: "  ", rest: "  ") }
            guard !section.rows.isEmpty else { out.append("  " + section.empty); continue }
            var widths = section.headers.map(\.count)
            for row in section.rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
            func line(_ cells: [String]) -> String {
                var s = " "
                for (i, cell) in cells.enumerated() { s += " " + (i == cells.count - 1 ? cell : cell.padded(widths[i] + 1)) }
                while s.last == " " { s.removeLast() }
                return s
            }
            out.append(paint(line(section.headers), "2"))
            out += section.rows.map(line)
        }
        return out.joined(separator: "\n") + "\n"
    }

    public var markdown: String {
        var out = ["# " + ReconcileMarkdownReport.cell(title), ""]
        if let alert { out += ["> **Warning:** " + ReconcileMarkdownReport.cell(alert), ""] }
        out += facts.map { "- **\($0.0):** " + ReconcileMarkdownReport.cell($0.1) }
        for section in sections {
            out += ["", "## " + section.title, ""]
            if let intro = section.intro { out += [intro, ""] }
            guard !section.rows.isEmpty else { out.append("_\(section.empty)_"); continue }
            out.append("| " + section.headers.map(ReconcileMarkdownReport.cell).joined(separator: " | ") + " |")
            out.append("|" + String(repeating: "---|", count: section.headers.count))
            for row in section.rows { out.append("| " + row.map(ReconcileMarkdownReport.cell).joined(separator: " | ") + " |") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public var html: String {
        let e = ReconcileHTMLReport.escape
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
        h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
        th{background:#f5f5f5}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
        .alert{background:#fdecea;border-left:4px solid #c62828;padding:.6rem 1rem}.empty{color:#777;font-style:italic}
        </style></head><body>
        <h1>\(e(title))</h1>

        """
        if let alert { out += "<p class=\"alert\"><strong>Warning:</strong> \(e(alert))</p>\n" }
        out += "<dl>" + facts.map { "<dt>\(e($0.0))</dt><dd>\(e($0.1))</dd>" }.joined() + "</dl>\n"
        if let chartsHTML { out += chartsHTML }
        for section in sections {
            out += "<h2>\(e(section.title))</h2>\n"
            if let intro = section.intro { out += "<p>\(e(intro))</p>\n" }
            guard !section.rows.isEmpty else { out += "<p class=\"empty\">\(e(section.empty))</p>\n"; continue }
            out += "<table><thead><tr>" + section.headers.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for row in section.rows { out += "<tr>" + row.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
            out += "</tbody></table>\n"
        }
        return out + "</body></html>\n"
    }
}

/// Money in minor units, shown in major units with the currency's usual decimals.
public enum Money {
    public static func format(_ minor: Int64, _ currency: String) -> String {
        let decimals = DecimalMoney.decimals(for: currency)
        guard decimals > 0 else { return "\(minor) \(currency)" }
        let scale: Int64 = decimals == 3 ? 1000 : 100
        let magnitude = minor.magnitude
        let whole = magnitude / UInt64(scale), fraction = String(magnitude % UInt64(scale))
        return (minor < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction + " " + currency
    }
}
