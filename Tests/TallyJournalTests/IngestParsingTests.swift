import Testing
import TallyCore
@testable import TallyStore

@Suite("Ingest parsing: decimal money and Shopify dates")
struct IngestParsingTests {
    @Test("decimal money in major units becomes minor units; anything else is refused")
    func money() {
        let cases: [(String, Int64?)] = [
            ("19.99", 1999), ("19", 1900), ("19.9", 1990), ("0.05", 5), ("-5.00", -500), ("0", 0),
            ("1.999", nil), (".5", nil), ("5.", nil), ("abc", nil), ("1,299.00", nil), ("1.2.3", nil), ("", nil), ("-", nil),
            ("99999999999999999999", nil), (" 5", nil),
        ]
        for (text, expected) in cases { #expect(DecimalMoney.parseDecimal(text, decimals: 2) == expected, "\(text)") }
        #expect(DecimalMoney.parseDecimal("1.234", decimals: 3) == 1234)
        #expect(DecimalMoney.parseDecimal("12", decimals: 0) == 12)
    }

    @Test("Shopify's export dates become RFC 3339; RFC 3339 passes through; anything else is refused")
    func dates() {
        #expect(OrderExportReader.shopifyTime("2026-11-23 09:00:00 -0500") == "2026-11-23T09:00:00-05:00")
        #expect(OrderExportReader.shopifyTime("2026-11-23 09:00:00 +0130") == "2026-11-23T09:00:00+01:30")
        #expect(OrderExportReader.shopifyTime("2026-11-23T09:00:00Z") == "2026-11-23T09:00:00Z")
        for bad in ["2026-11-23 09:00:00", "2026-11-23 25:00:00 -0500", "2026-13-23 09:00:00 -0500", "yesterday", "2026-11-23 09:00:00 -05:00", ""] {
            #expect(OrderExportReader.shopifyTime(bad) == nil, "\(bad)")
        }
    }
}
