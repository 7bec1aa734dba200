#if canImport(Glibc)
import Glibc
#endif

/// A file or folder that could not be read: its path and the system's reason.
public struct FileError: Error, Sendable, Equatable {
    public let path: String
    public let detail: String
}

/// Whole-file reads and folder listings, shared by the journal, the store readers and the CLI.
public enum Files {
    /// Hands the file's bytes to `body` chunk by chunk, in order (a file of any size in
    /// bounded memory).
    public static func forEachChunk(_ path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void) throws(FileError) {
        guard let file = fopen(path, "rb") else { throw FileError(path: path, detail: String(cString: strerror(errno))) }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
            if n < chunk.count {
                if ferror(file) != 0 { throw FileError(path: path, detail: String(cString: strerror(errno))) }
                return
            }
        }
    }

    /// The whole file.
    public static func readAll(_ path: String) throws(FileError) -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachChunk(path) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The names in a folder (without `.` and `..`), or nil when it cannot be read.
    public static func names(in folder: String) -> [String]? {
        guard let handle = opendir(folder) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
