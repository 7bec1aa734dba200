#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TallyCore

/// Streams an NDJSON input line by line with bounded memory (contract §10):
/// lines end at LF, a UTF-8 byte-order mark at the very start is skipped,
/// blank lines are passed over, and a line longer than `Limits.lineBytesMax`
/// is reported with a prefix instead of being held whole.
public final class NDJSONReader {
    /// One non-blank line. `bytes` is valid only during the callback.
    public struct Line {
        /// 1-based physical line number.
        public let number: Int
        public let bytes: UnsafeBufferPointer<UInt8>
        /// The line's full length when it exceeded the limit (then `bytes` is only its start).
        public let overLengthBytes: Int?
    }

    public let fd: Int32
    public let name: String
    /// Bytes consumed so far (for progress).
    public private(set) var bytesRead: Int = 0
    static let chunkBytes = 1 << 20

    public init(fd: Int32, name: String) { self.fd = fd; self.name = name }

    /// Calls `body` for every non-blank line.
    public func forEachLine(_ body: (Line) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 4 * NDJSONReader.chunkBytes)
        var filled = 0          // bytes in buffer
        var lineStart = 0       // start of the current line in buffer
        var scanFrom = 0        // where to look for the next LF
        var lineNumber = 1
        var first = true
        var skipping: (prefix: [UInt8], total: Int)? = nil
        var atEnd = false

        func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            for byte in b where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
            return true
        }

        while true {
            // Emit every complete line in the buffer.
            while true {
                var lf = -1
                buffer.withUnsafeBufferPointer { b in
                    var i = scanFrom
                    while i < filled { if b[i] == 0x0A { lf = i; break }; i += 1 }
                }
                if lf < 0 { scanFrom = filled; break }
                if var skip = skipping {
                    skip.total += lf - lineStart
                    try skip.prefix.withUnsafeBufferPointer { try body(Line(number: lineNumber, bytes: $0, overLengthBytes: skip.total)) }
                    skipping = nil
                } else {
                    try buffer.withUnsafeBufferPointer { b in
                        var start = lineStart
                        if first, lf - start >= 3, b[start] == 0xEF, b[start + 1] == 0xBB, b[start + 2] == 0xBF { start += 3 }
                        let slice = UnsafeBufferPointer(rebasing: b[start..<lf])
                        if !isBlank(slice) { try body(Line(number: lineNumber, bytes: slice, overLengthBytes: nil)) }
                    }
                }
                first = false
                lineNumber += 1
                lineStart = lf + 1
                scanFrom = lineStart
            }
            if atEnd { break }
            // Make room: drop consumed bytes, or start skipping an over-long line.
            if filled - lineStart > Limits.lineBytesMax || (skipping != nil && filled > lineStart) {
                if skipping == nil {
                    skipping = (Array(buffer[lineStart..<(lineStart + Limits.quarantinedRawBytesMax)]), 0)
                }
                skipping!.total += filled - lineStart
                lineStart = filled
                scanFrom = filled
            }
            if lineStart > 0 {
                let remaining = filled - lineStart
                if remaining > 0 {
                    buffer.withUnsafeMutableBufferPointer { b in
                        _ = memmove(b.baseAddress!, b.baseAddress! + lineStart, remaining)
                    }
                }
                filled = remaining
                scanFrom -= lineStart
                lineStart = 0
            }
            if buffer.count - filled < NDJSONReader.chunkBytes {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let n = buffer.withUnsafeMutableBufferPointer { b -> Int in
                while true {
                    let r = read(fd, b.baseAddress! + filled, min(NDJSONReader.chunkBytes, b.count - filled))
                    if r < 0 && errno == EINTR { continue }
                    return r
                }
            }
            if n < 0 { throw JournalError.unreadableInput(path: name, detail: String(cString: strerror(errno))) }
            if n == 0 {
                atEnd = true
                // A last line without LF: treat the end of input as its end.
                if filled > lineStart || skipping != nil {
                    buffer[filled] = 0x0A
                    filled += 1
                }
                continue
            }
            filled += n
            bytesRead += n
        }
    }
}
