import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Terminal output helpers: stdout for results, stderr for messages and progress.
enum Output {
    static func error(_ message: String) {
        writeStderr(message.hasSuffix("\n") ? message : message + "\n")
    }

    /// A step of long work, on standard error when it is a terminal.
    static func progress(_ message: String) {
        if isatty(2) != 0 { error(message) }
    }

    /// A step of long work shown on one line of a terminal until `clearStep` (nothing otherwise).
    static func step(_ message: String) {
        if stderrIsTerminal { writeStderr("\r\(message)\u{1B}[K") }
    }

    static func clearStep() {
        if stderrIsTerminal { writeStderr("\r\u{1B}[K") }
    }

    /// Runs `body` with `message` shown as its step; the line is cleared when `body` returns or throws.
    static func withStep<T, E: Error>(_ message: String, _ body: () throws(E) -> T) throws(E) -> T {
        step(message)
        defer { clearStep() }
        return try body()
    }

    /// Writes to file descriptor 2 directly (the C `stderr` global is not concurrency-safe in Swift 6).
    static func writeStderr(_ text: String) {
        var copy = text
        _ = copy.withUTF8 { writeAll(fd: 2, $0) }
    }

    /// Writes every byte to `fd`, retrying short writes; false on an error.
    static func writeAll(fd: Int32, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Writes UTF-8 bytes to `path` atomically, or to stdout when nil, without making a String of them.
    static func write(bytes: [UInt8], to path: String?) throws(CLIFailure) {
        guard let path else {
            guard bytes.withUnsafeBufferPointer({ writeAll(fd: 1, $0) }) else {
                throw .usage("tally: cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            return
        }
        try write(String(decoding: bytes, as: UTF8.self), to: path)
    }

    /// Writes `text` to `path` atomically (temp file, then rename), or to stdout when nil.
    static func write(_ text: String, to path: String?) throws(CLIFailure) {
        guard let path else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            return
        }
        let temp = path + ".tmp-\(getpid())"
        guard let file = fopen(temp, "w") else {
            throw .usage("tally: cannot write \(path): \(String(cString: strerror(errno)))")
        }
        var body = text
        if !body.hasSuffix("\n") { body += "\n" }
        let ok = body.withCString { fputs($0, file) } >= 0
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        fclose(file)
        guard ok, flushed, rename(temp, path) == 0 else {
            unlink(temp)
            throw .usage("tally: cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` with a progress line on a terminal: `show` takes the items done and, when
    /// known, the total (a replay's `progress`, or verify's from its worker threads: one call at
    /// a time through a lock). The line is cleared when `body` returns or throws.
    static func withProgressLine<T, E: Error>(_ what: String,
                                              _ body: (_ show: @escaping @Sendable (_ done: Int, _ total: Int?) -> Void) throws(E) -> T) throws(E) -> T {
        let line = Mutex(Progress(total: nil, items: true))
        defer { line.withLock { $0.finish() } }
        return try body { done, total in
            line.withLock { progress in
                if let total { progress.total = max(total, done) }
                progress.show(done, what)
            }
        }
    }

    /// A one-line progress display on stderr, only when stderr is a terminal.
    struct Progress {
        let enabled = Output.stderrIsTerminal
        var total: Int?
        /// Counts items (events, rows) instead of bytes.
        let items: Bool
        var lastShown = 0

        init(total: Int?, items: Bool = false) { self.total = total; self.items = items }

        mutating func show(_ done: Int, _ what: String) {
            guard enabled, done - lastShown >= (items ? 10_000 : 1 << 20) || done == total else { return }
            lastShown = done
            var line = items ? "\r\(what): \(done)" : "\r\(what): \(done >> 20) MiB"
            if let total, total > 0 { line += (items ? " of \(total)" : " of \(total >> 20) MiB") + " (\(done * 100 / total)%)" }
            Output.writeStderr(line + "   ")
        }

        func finish() {
            if enabled && lastShown > 0 { Output.writeStderr("\r\u{1B}[K") }
        }
    }
}
