import Testing
import TallyCore
@testable import TallyReports

/// The streaming JSON report writes each finding directly (`writeFinding`); it must give
/// the bytes the generic writer gives for the finding's value, for every kind and shape.
@Suite struct ReconcileJSONTests {
    private func reference(_ f: Finding, indent: Int) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.write(ReconcileJSON.finding(f), pretty: true, indent: indent, to: &out)
        return out
    }

    private func direct(_ f: Finding, indent: Int) -> [UInt8] {
        var out: [UInt8] = []
        ReconcileJSON.writeFinding(f, indent: indent, to: &out)
        return out
    }

    /// Findings of every kind and severity, with each optional member present and absent.
    private var findings: [Finding] {
        var result: [Finding] = []
        let values: [ReportedValue] = [
            .absent, .value(.null), .value(.int(-7)), .value(.string("a \"quoted\"\nline")),
            .value(.obj([("value", .int(10)), ("kind", .string("percentage")), ("starts_at", .null)])),
            .value(.array([])), .value(.obj([])), .value(.array([.int(1), .obj([("b", .int(2)), ("a", .bool(true))])])),
        ]
        let keys: [[(name: String, value: String)]] = [
            [], [("order_id", "1001")], [("sku", "SKU-1"), ("location", "main")],
            [("order_id", "1\u{1}\\"), ("line_id", "ü"), ("fulfillment_id", "")],
        ]
        for (i, kind) in FindingKind.allCases.enumerated() {
            for (j, severity) in Severity.allCases.enumerated() {
                var f = Finding(kind: kind, severity: severity, key: keys[(i + j) % keys.count])
                f.expected = values[(i + 2 * j) % values.count]
                f.actual = values[(3 * i + j + 1) % values.count]
                f.units = [nil, 0, 5, -3, Int64.max, Int64.min][(i + j) % 6]
                f.fulfillmentIDs = [nil, [], ["f1"], ["f1", "f\"2"]][(i + j) % 4]
                f.evidence = [[], [Seq(1)], [Seq(42), Seq(Int64.max), Seq(7)]][(i + 2 * j) % 3]
                f.phase = j == 0 ? nil : Phase.allCases[(i + j) % Phase.allCases.count]
                result.append(f)
            }
        }
        return result
    }

    @Test func directWriterGivesTheGenericWritersBytes() {
        let all = findings
        #expect(all.count == FindingKind.allCases.count * Severity.allCases.count)
        for f in all {
            for indent in [0, 2] {
                let got = direct(f, indent: indent), want = reference(f, indent: indent)
                #expect(got == want, "\(f.kind) \(f.severity): \(String(decoding: got, as: UTF8.self)) vs \(String(decoding: want, as: UTF8.self))")
            }
        }
    }

    @Test func decimalsAreStringsDigits() {
        for v: Int64 in [0, 1, -1, 9, 10, 99, 100, -100, 1_234_567_890, Int64.max, Int64.min] {
            var out: [UInt8] = []
            ReconcileJSON.writeDecimal(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }
}
