import TallyCore

/// The daily drift report as JSON and as a people-facing document with charts.
public enum DriftRender {
    public static func json(_ d: DriftReport) -> JSONValue {
        let r = d.reconcile
        let a = d.activity
        return .obj([
            ("report", .string("drift")), ("contract", .int(1)), ("day", .string(d.day)), ("as_of", .text(r.asOfText)),
            ("settle_seconds", .int(d.settleSeconds)),
            ("journal", .obj([("events", .int(r.journalEvents)), ("last_seq", .int(r.journalLastSeq))])),
            ("findings", .array(r.findings.map(ReconcileJSON.finding))),
            ("summary", .obj([
                ("by_kind", .obj(r.byKind.map { ($0.key.rawValue, .int($0.value)) })),
                ("by_severity", .obj(r.bySeverity.map { ($0.key.rawValue, .int($0.value)) })),
            ])),
            ("at_stake", .array(d.ranked.map { m in
                .obj([("kind", .string(m.finding.kind.rawValue)), ("key", .obj(m.finding.key.map { ($0.name, .string($0.value)) })),
                      ("amount", .int(m.amount)), ("currency", .string(m.currency)), ("basis", .string(m.basis))])
            })),
            ("activity", .obj([
                ("events_by_type", .obj(a.eventsByType.map { ($0.key.rawValue, .int($0.value)) })),
                ("events_by_hour", .array(a.eventsByHour.map { .int($0) })),
                ("orders", .int(a.orders)), ("units_sold", .int(a.unitsSold)), ("fulfillments", .int(a.fulfillments)),
                ("refunds", .int(a.refunds)), ("refunded", .int(a.refunded)), ("rejected", .int(a.rejected)),
            ])),
            ("trend", .array(d.trend.map { t in
                .obj([("run_at", .string(t.runAt.rfc3339)), ("day", .string(t.day)),
                      ("by_kind", .obj(t.byKind.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                      ("by_severity", .obj([("critical", .int(t.critical)), ("high", .int(t.high)), ("warning", .int(t.warning))])),
                      ("at_stake", .int(t.atStake))])
            })),
        ])
    }

    public static func document(_ d: DriftReport) -> ReportDocument {
        let r = d.reconcile
        let s = r.bySeverity
        let a = d.activity
        let total = r.findings.count
        var facts: [(String, String)] = [
            ("Store", r.storeName), ("Journal", "\(r.journalName) (\(r.journalEvents) events)"),
            ("Truth as of", "\(r.asOfText ?? "now") (events of the last \(d.settleSeconds / 60) min left out while they settle)"),
            ("Drift", total == 0 ? "none: the store agrees with the journal" : "\(total) findings: \(s[.critical] ?? 0) critical, \(s[.high] ?? 0) high, \(s[.warning] ?? 0) warning"),
        ]
        let currencies = Set(d.ranked.map(\.currency))
        if !d.ranked.isEmpty {
            facts.append(("Money at stake", currencies.count == 1 ? Money.format(d.totalAtStake, currencies.first!) : "in several currencies (below)"))
        }
        facts.append(("Activity on \(d.day)", "\(a.orders) orders, \(a.unitsSold) units sold, \(a.fulfillments) fulfillments, \(a.refunds) refunds, \(a.rejected) rejected inputs"))
        var sections: [ReportDocument.Section] = [
            .init(title: "Drift ranked by money at stake", headers: ["amount", "kind", "key", "why"],
                  rows: d.ranked.prefix(50).map { [Money.format($0.amount, $0.currency), $0.finding.kind.rawValue, $0.finding.keyText, $0.basis] },
                  empty: "no drift with money at stake"),
            .init(title: "Findings by kind", headers: ["kind", "findings"],
                  rows: r.byKind.sorted { $0.key.rawValue < $1.key.rawValue }.map { [$0.key.rawValue, String($0.value)] }, empty: "none"),
            .init(title: "Events on \(d.day) by type", headers: ["type", "events"],
                  rows: a.eventsByType.sorted { $0.key.code < $1.key.code }.map { [$0.key.rawValue, String($0.value)] }, empty: "no events"),
            .init(title: "Trend (last \(d.trend.count) runs)", headers: ["run", "day", "critical", "high", "warning", "at stake (minor units)"],
                  rows: d.trend.map { [$0.runAt.rfc3339, $0.day, String($0.critical), String($0.high), String($0.warning), String($0.atStake)] }),
        ]
        if d.ranked.count > 50 { sections[0].intro = "The 50 largest of \(d.ranked.count); --format json lists them all." }
        var doc = ReportDocument(title: "Tally daily drift report: \(d.day)", facts: facts, sections: sections)
        doc.chartsHTML = trendChart(d.trend) + hourChart(a.eventsByHour, day: d.day)
        return doc
    }

    static let palette = ["#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#00838f", "#1565c0", "#6a1b9a", "#ad1457", "#4e342e", "#546e7a"]

    /// Drift by kind over the runs of the trend: one stacked bar per run.
    static func trendChart(_ trend: [DriftRunSummary]) -> String {
        let kinds = Array(Set(trend.flatMap { $0.byKind.keys })).sorted()
        let maxTotal = max(1, trend.map { $0.byKind.values.reduce(0, +) }.max() ?? 1)
        let width = 640, height = 200, left = 40, barGap = 4
        let barWidth = trend.isEmpty ? 0 : max(4, (width - left) / max(1, trend.count) - barGap)
        var svg = "<h2>Drift by kind, last \(trend.count) runs</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height + 40)\" role=\"img\" aria-label=\"drift by kind per run\">"
        svg += "<text x=\"0\" y=\"12\" font-size=\"11\">\(maxTotal)</text><text x=\"0\" y=\"\(height)\" font-size=\"11\">0</text>"
        for (i, run) in trend.enumerated() {
            var y = height
            let x = left + i * (barWidth + barGap)
            for (k, kind) in kinds.enumerated() {
                let n = run.byKind[kind] ?? 0
                guard n > 0 else { continue }
                let h = max(1, n * height / maxTotal)
                y -= h
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(h)\" fill=\"\(palette[k % palette.count])\"><title>\(run.day) \(kind): \(n)</title></rect>"
            }
        }
        for (k, kind) in kinds.enumerated() {
            svg += "<rect x=\"\(left + (k % 4) * 150)\" y=\"\(height + 10 + (k / 4) * 14)\" width=\"10\" height=\"10\" fill=\"\(palette[k % palette.count])\"/><text x=\"\(left + (k % 4) * 150 + 14)\" y=\"\(height + 19 + (k / 4) * 14)\" font-size=\"11\">\(ReconcileHTMLReport.escape(kind))</text>"
        }
        return svg + "</svg>\n"
    }

    /// Events per hour of the day (UTC).
    static func hourChart(_ hours: [Int], day: String) -> String {
        let maxCount = max(1, hours.max() ?? 1)
        let height = 120, barWidth = 22
        var svg = "<h2>Events per hour on \(day) (UTC)</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(24 * (barWidth + 4) + 40)\" height=\"\(height + 20)\" role=\"img\" aria-label=\"events per hour\">"
        for (h, n) in hours.enumerated() {
            let bar = n * height / maxCount
            let x = 40 + h * (barWidth + 4)
            svg += "<rect x=\"\(x)\" y=\"\(height - bar)\" width=\"\(barWidth)\" height=\"\(bar)\" fill=\"#1565c0\"><title>\(h):00 \(n) events</title></rect>"
            svg += "<text x=\"\(x + 4)\" y=\"\(height + 14)\" font-size=\"10\">\(h)</text>"
        }
        return svg + "<text x=\"0\" y=\"12\" font-size=\"11\">\(maxCount)</text></svg>\n"
    }
}
