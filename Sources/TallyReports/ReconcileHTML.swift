import TallyCore

/// One self-contained HTML file: inline CSS, an inline SVG summary chart, no external assets.
public enum ReconcileHTMLReport {
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static let colours: [Severity: String] = [.critical: "#c62828", .high: "#ef6c00", .warning: "#0277bd"]

    /// Horizontal bars: one per kind, coloured by the kind's severity.
    static func chart(_ r: ReconcileReport) -> String {
        let kinds = r.byKind.sorted { $0.key < $1.key }
        guard let maxCount = kinds.map(\.value).max(), maxCount > 0 else { return "" }
        let severityOf = Dictionary(r.findings.map { ($0.kind, $0.severity) }, uniquingKeysWith: { a, b in min(a, b) })
        let rowHeight = 24, labelWidth = 210, barWidth = 360
        var svg = "<svg role=\"img\" aria-label=\"Findings by kind\" width=\"\(labelWidth + barWidth + 60)\" height=\(kinds.count * rowHeight + 8) xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"13\">"
        for (i, entry) in kinds.enumerated() {
            let y = i * rowHeight + 4
            let width = max(2, barWidth * entry.value / maxCount)
            let colour = colours[severityOf[entry.key] ?? .warning]!
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" text-anchor=\"end\">\(entry.key.rawValue)</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"17\" fill=\"\(colour)\" rx=\"3\"/>"
            svg += "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 16)\">\(entry.value)</text>"
        }
        return svg + "</svg>"
    }

    public static func render(_ r: ReconcileReport) -> String {
        let sev = r.bySeverity
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Tally reconcile — \(escape(r.storeName))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
        h1{margin-bottom:.2rem}.meta{color:#555;margin:0 0 1rem 0;padding:0;list-style:none}
        .cards{display:flex;gap:1rem;margin:1rem 0}.card{border-radius:8px;padding:.8rem 1.2rem;color:#fff;min-width:8rem}
        .card b{font-size:1.8rem;display:block}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem 0;font-size:.92rem}
        th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#f4f4f4}code{font-size:.9em}.clean{color:#2e7d32;font-size:1.2rem;font-weight:bold}
        </style></head><body>
        <h1>Tally reconcile</h1>
        <ul class="meta">
        """
        for line in ReportText.header(r) { html += "<li>\(escape(line))</li>" }
        html += "</ul>\n"
        if r.findings.isEmpty {
            return html + "<p class=\"clean\">Clean: the store agrees with the journal.</p>\n</body></html>\n"
        }
        html += "<div class=\"cards\">"
        for s in Severity.allCases {
            html += "<div class=\"card\" style=\"background:\(colours[s]!)\"><b>\(sev[s] ?? 0)</b>\(s.rawValue)</div>"
        }
        html += "</div>\n<h2>Findings by kind</h2>\n" + chart(r) + "\n"
        for severity in Severity.allCases {
            let group = r.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            html += "<h2>\(severity.rawValue.capitalizedFirst) (\(group.count))</h2>\n<table><thead><tr><th>kind</th><th>key</th><th>values</th><th>phase</th><th>evidence</th><th>action</th></tr></thead><tbody>\n"
            for f in group {
                html += "<tr><td><code>\(f.kind.rawValue)</code></td><td>\(escape(f.keyText))</td><td>\(escape(ReportText.values(f) ?? ""))</td><td>\(f.phase?.rawValue ?? "")</td><td>\(ReportText.evidence(f))</td><td>\(escape(f.action))</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "</body></html>\n"
    }
}
