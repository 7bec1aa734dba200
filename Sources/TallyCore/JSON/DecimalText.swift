/// An integer's decimal text (`String(v)`'s bytes) written straight into memory, for the
/// writers that emit many integers (the store digest, the JSON report) without making a
/// String of each.
public enum DecimalText {
    /// The most bytes `write` writes: a sign and 19 digits.
    public static let maxBytes = 20

    /// Writes `v`'s decimal text at `p` (room for `maxBytes`); returns how many bytes it wrote.
    @inlinable
    public static func write(_ v: Int64, to p: UnsafeMutableRawPointer) -> Int {
        var at = 0
        if v < 0 { p.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 0, as: UInt8.self); at = 1 }
        var magnitude = v.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var i = at + digits
        repeat {
            i -= 1
            p.storeBytes(of: UInt8(ascii: "0") + UInt8(magnitude % 10), toByteOffset: i, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        return at + digits
    }
}
