import Testing
import TallyCore

@Suite("RFC 3339 timestamps (contract §10)")
struct TimestampTests {
    @Test("accepts the contract's forms", arguments: [
        "2026-11-20T10:15:00Z", "2026-11-20t10:15:00z", "2026-11-20T12:15:00.250+02:00",
        "2026-11-20T10:15:00.1Z", "2026-11-20T10:15:00.123456Z", "2024-02-29T00:00:00-23:59", "2026-11-20T10:15:00+23:59",
    ])
    func accepts(_ text: String) {
        #expect(Timestamp.parse(text) != nil)
    }

    @Test("rejects the forms contract §10 rules out", arguments: [
        "2026-11-20 10:15:00Z", "2026-11-20T10:15:60Z", "2026-11-20T10:15:00.1234567Z", "20261120T101500Z",
        "2026-11-20T10:15:00", "2026-11-20T10:15:00+24:00", "2026-11-20T10:15:00+02:60", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-20T10:15:00.Z", "2026-11-20T10:15Z", "2026-13-01T00:00:00Z", "2026-11-20T10:15:00+0200",
    ])
    func rejects(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("compares instants across offsets with microsecond precision")
    func instants() {
        #expect(Timestamp.parse("2026-11-20T12:15:00.250+02:00") == Timestamp.parse("2026-11-20T10:15:00.25Z"))
        #expect(Timestamp.parse("2026-11-20T10:15:00.000001Z")! > Timestamp.parse("2026-11-20T10:15:00Z")!)
        #expect(Timestamp.parse("1970-01-01T00:00:00Z")?.microseconds == 0)
    }

    @Test("formats instants in UTC")
    func formats() {
        #expect(Timestamp.parse("2026-11-20T12:15:00.250+02:00")?.rfc3339 == "2026-11-20T10:15:00.25Z")
        #expect(Timestamp.parse("1969-12-31T23:59:59.5Z")?.rfc3339 == "1969-12-31T23:59:59.5Z")
    }
}

@Suite("Code point order (contract §10 sorting)")
struct CodePointOrderTests {
    @Test("compares by code point, not by numeric value or locale", arguments: [
        ("10000", "9999", true), ("A", "a", true), ("a", "B", false), ("é", "z", false), ("z", "é", true),
        ("\u{FFFF}", "😀", true), ("abc", "abcd", true), ("abc", "abc", false),
    ])
    func order(_ a: String, _ b: String, _ less: Bool) {
        #expect(codePointLess(a, b) == less)
        #expect(codePointLess(a, b) == a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars))
    }
}
