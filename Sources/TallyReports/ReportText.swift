import TallyCore

/// Helpers shared by the people-facing renderers.
enum ReportText {
    static func value(_ v: ReportedValue) -> String? {
        guard case .value(let json) = v else { return nil }
        switch json {
        case .null: return "none"
        case .string(let s): return s
        default: return JSONWriter.encode(json, pretty: false)
        }
    }

    /// "expected 3, store 11" / "store 11" / "units 2", or nil.
    static func values(_ f: Finding) -> String? {
        var parts: [String] = []
        if let e = value(f.expected) { parts.append("expected \(e)") }
        if let a = value(f.actual) { parts.append("store \(a)") }
        if let u = f.units { parts.append("\(u) unit\(u == 1 ? "" : "s")") }
        if let ids = f.fulfillmentIDs { parts.append("fulfillments \(ids.joined(separator: ", "))") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func evidence(_ f: Finding) -> String {
        f.evidence.isEmpty ? "" : "seq " + f.evidence.map { String($0.rawValue) }.joined(separator: ", ")
    }

    static func header(_ r: ReconcileReport) -> [String] {
        var lines = ["store:    \(r.storeName)", "journal:  \(r.journalName) (\(r.journalEvents) events, last seq \(r.journalLastSeq))"]
        lines.append("as of:    \(r.asOfText ?? "all events")")
        if let id = r.snapshotID {
            lines.append("snapshot: \(id) at \(r.snapshotOccurredAt ?? "?")")
        } else {
            lines.append("snapshot: none named (phases not computed)")
        }
        lines.append("restore:  \(r.restoreOccurredAt ?? "none")")
        if let match = r.storeMatchesSnapshot { lines.append("The store's content is exactly snapshot \(match).") }
        return lines
    }

    /// Greedy word wrap to `width` columns: the first line starts with `first`, the others with `rest`.
    static func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
        var lines: [String] = []
        var indent = first
        var current = first
        for word in text.split(separator: " ") {
            if current.count + word.count + 1 > width && current.count > indent.count {
                lines.append(current)
                indent = rest
                current = rest
            }
            current += (current.count > indent.count ? " " : "") + word
        }
        if current.count > indent.count { lines.append(current) }
        return lines
    }
}

/// The text report: a summary on top, findings grouped by severity, 80 columns.
public enum ReconcileTextReport {
    public static func render(_ r: ReconcileReport, colour: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        let colours: [Severity: String] = [.critical: "1;31", .high: "1;33", .warning: "1;36"]
        var out: [String] = ["Tally reconcile"] + ReportText.header(r) + [""]
        let sev = r.bySeverity
        if r.findings.isEmpty {
            out.append(paint("CLEAN: the store agrees with the journal.", "1;32"))
            return out.joined(separator: "\n") + "\n"
        }
        out.append("SUMMARY: \(r.findings.count) finding\(r.findings.count == 1 ? "" : "s") — "
                   + Severity.allCases.map { paint("\(sev[$0] ?? 0) \($0.rawValue)", colours[$0]!) }.joined(separator: ", "))
        for (kind, count) in r.byKind.sorted(by: { $0.key < $1.key }) {
            out.append("  " + kind.rawValue.padded(28) + String(count))
        }
        for severity in Severity.allCases {
            let group = r.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out.append("")
            out.append(paint("\(severity.rawValue.uppercased()) (\(group.count))", colours[severity]!))
            for f in group {
                var line = "\(f.kind.rawValue)  \(f.keyText)"
                if let values = ReportText.values(f) { line += "  (\(values))" }
                out.append(contentsOf: ReportText.wrap(line, width: 80, first: "  ", rest: "      "))
                var meta: [String] = []
                if let phase = f.phase { meta.append(phase.rawValue) }
                if !f.evidence.isEmpty { meta.append(ReportText.evidence(f)) }
                if !meta.isEmpty { out.append("    [" + meta.joined(separator: "; ") + "]") }
                out.append(contentsOf: ReportText.wrap("→ " + f.action, width: 80, first: "    ", rest: "      "))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// The Markdown report: a summary table, then a table per severity.
public enum ReconcileMarkdownReport {
    static func cell(_ s: String) -> String {
        s.replacingAll("|", with: "\\|").replacingAll("\n", with: " ")
    }

    public static func render(_ r: ReconcileReport) -> String {
        var out = ["# Tally reconcile", ""]
        out += ReportText.header(r).map { "- " + cell($0) }
        out.append("")
        if r.findings.isEmpty {
            out.append("**Clean:** the store agrees with the journal.")
            return out.joined(separator: "\n") + "\n"
        }
        let sev = r.bySeverity
        out += ["## Summary", "", "| severity | findings |", "|---|---:|"]
        for s in Severity.allCases { out.append("| \(s.rawValue) | \(sev[s] ?? 0) |") }
        out += ["", "| kind | findings |", "|---|---:|"]
        for (kind, count) in r.byKind.sorted(by: { $0.key < $1.key }) { out.append("| `\(kind.rawValue)` | \(count) |") }
        for severity in Severity.allCases {
            let group = r.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out += ["", "## \(severity.rawValue.capitalizedFirst) (\(group.count))", "",
                    "| kind | key | values | phase | evidence | action |", "|---|---|---|---|---|---|"]
            for f in group {
                out.append("| `\(f.kind.rawValue)` | \(cell(f.keyText)) | \(cell(ReportText.values(f) ?? "")) | \(f.phase?.rawValue ?? "") | \(ReportText.evidence(f)) | \(cell(f.action)) |")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }

    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }

    /// Replaces every occurrence of `target` (Foundation-free).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
