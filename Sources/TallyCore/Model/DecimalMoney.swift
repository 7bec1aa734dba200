/// Decimal money strings ("19.99") to exact minor units, never through a float.
public enum DecimalMoney {
    static let zeroDecimal: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
    static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    /// The currency's minor-unit exponent (ISO 4217): 0 for JPY, 3 for KWD, else 2.
    public static func decimals(for currency: String) -> Int {
        zeroDecimal.contains(currency) ? 0 : threeDecimal.contains(currency) ? 3 : 2
    }

    /// "19.99" → 1999 (with 2 decimals); nil for anything but digits with an optional point.
    public static func parseDecimal(_ text: String, decimals: Int) -> Int64? {
        var value: Int64 = 0
        var negative = false, seenDigit = false, seenPoint = false
        var fractionDigits = 0
        for (i, b) in text.utf8.enumerated() {
            switch b {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "."):
                guard seenDigit, !seenPoint else { return nil }
                seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if seenPoint { fractionDigits += 1; guard fractionDigits <= decimals else { return nil } } else { seenDigit = true }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                value = a
            default: return nil
            }
        }
        guard seenDigit, !seenPoint || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<decimals {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
        }
        return negative ? -value : value
    }
}
