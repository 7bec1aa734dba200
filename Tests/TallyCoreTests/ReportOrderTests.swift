import Testing
@testable import TallyCore

/// The report's sort decides by `ReportOrderPrefix` first: wherever two prefixes differ,
/// their order must be `Finding.reportOrder`'s, and findings that sort equal must have
/// equal prefixes.
@Suite struct ReportOrderTests {
    private var findings: [Finding] {
        let values = ["", "\u{0}", "a", "a\u{0}", "ab", "abcdef", "abcdefg", "abcdefghijklmn", "abcdefghijklmno",
                      "abcdefghijklmnoz", "abcdefghijklmnp", "1001", "999", "ü", "z", "ÿÿÿÿÿÿÿÿÿ"]
        var result: [Finding] = []
        for severity in Severity.allCases {
            for kind in [FindingKind.oversell, .lostOrder, .priceDrift, .doubleShipment] {
                result.append(Finding(kind: kind, severity: severity, key: []))
                for v in values {
                    result.append(Finding(kind: kind, severity: severity, key: [("order_id", v)]))
                    result.append(Finding(kind: kind, severity: severity, key: [("order_id", v), ("line_id", "2")]))
                    result.append(Finding(kind: kind, severity: severity, key: [("order_id", v), ("line_id", "10")]))
                }
            }
        }
        return result
    }

    @Test func prefixesOrderAsReportOrderDoes() {
        let all = findings
        let ranks = FindingKind.reportRanks
        let prefixes = all.map { ReportOrderPrefix($0, kindRank: ranks[$0.kind]!) }
        var decided = 0
        for i in all.indices {
            for j in all.indices {
                let a = prefixes[i], b = prefixes[j]
                let less = Finding.reportOrder(all[i], all[j]), greater = Finding.reportOrder(all[j], all[i])
                if (a.high, a.low) != (b.high, b.low) {
                    decided += 1
                    #expect(((a.high, a.low) < (b.high, b.low)) == less, "\(all[i].keyText) vs \(all[j].keyText)")
                } else {
                    // Equal prefixes: the full comparison decides (and equal findings have equal prefixes).
                    #expect(!(less && greater))
                }
                if !less && !greater { #expect(a.high == b.high && a.low == b.low) }
            }
        }
        #expect(decided > all.count * all.count / 2)
    }

    @Test func kindRanksFollowKindOrder() {
        let ranks = FindingKind.reportRanks
        #expect(ranks.count == FindingKind.allCases.count)
        for a in FindingKind.allCases {
            for b in FindingKind.allCases { #expect((ranks[a]! < ranks[b]!) == (a < b)) }
        }
    }
}
