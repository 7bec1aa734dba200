import Testing
import TallyCore

/// `String(utf8Bytes:)` must make exactly the string `String(decoding:as:)` makes, for every
/// length around the 15-byte boundary and for bytes that are not valid UTF-8.
@Suite struct UTF8StringTests {
    private func both(_ bytes: [UInt8]) -> (fast: String, reference: String) {
        bytes.withUnsafeBytes { (String(utf8Bytes: $0), String(decoding: $0, as: UTF8.self)) }
    }

    @Test func asciiOfEveryLengthAroundTheBoundary() {
        for n in 0...40 {
            let bytes = (0..<n).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            let (fast, reference) = both(bytes)
            #expect(fast == reference, "length \(n)")
            #expect(Array(fast.utf8) == bytes, "length \(n)")
        }
    }

    @Test func nonASCIIAndInvalidBytesAreRepairedAsDecodingDoes() {
        let cases: [[UInt8]] = [
            Array("café".utf8), Array("日本語のSKU".utf8), Array("ÅÅÅÅÅÅÅÅ".utf8),  // valid, short, non-ASCII (the last is 16 bytes)
            [0xFF], [0x41, 0xC3], [0xC3, 0x28, 0x41], [0xE2, 0x82], [0xED, 0xA0, 0x80],  // invalid: lone, truncated, surrogate
            [0x41, 0x00, 0x42],  // a NUL inside
            Array(repeating: 0x80, count: 15), Array(repeating: 0x80, count: 16),
        ]
        for bytes in cases {
            let (fast, reference) = both(bytes)
            #expect(fast == reference, "\(bytes)")
            #expect(Array(fast.utf8) == Array(reference.utf8), "\(bytes)")
        }
    }

    @Test func aSliceOfALargerBufferReadsOnlyItsBytes() {
        let bytes = Array("xxSKU-1234yy".utf8)
        let s = bytes.withUnsafeBytes { String(utf8Bytes: UnsafeRawBufferPointer(rebasing: $0[2..<10])) }
        #expect(s == "SKU-1234")
    }
}
