#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TallyCore

/// The totals of one `append` run.
public struct AppendSummary: Sendable, Equatable {
    public var appended = 0
    public var duplicates = 0
    public var rejected = 0
    /// The rejections, in input order (at most `AppendRunner.reportedErrorsMax`; all are in the quarantine).
    public var errors: [Rejection] = []
    public init() {}

    mutating func add(_ outcomes: [AppendOutcome]) {
        for outcome in outcomes {
            switch outcome {
            case .appended: appended += 1
            case .duplicate: duplicates += 1
            case .rejected(let rejection):
                rejected += 1
                if errors.count < AppendRunner.reportedErrorsMax { errors.append(rejection) }
            }
        }
    }
}

/// Streams NDJSON inputs into a journal in batched transactions.
public struct AppendRunner {
    /// Events per transaction unless told otherwise.
    public static let batchSizeDefault = 10_000
    /// The largest batch accepted.
    public static let batchSizeMax = 100_000
    /// Rejections listed in a summary; the quarantine keeps every one.
    public static let reportedErrorsMax = 10_000

    public let journal: Journal
    public let batchSize: Int

    public init(journal: Journal, batchSize: Int = AppendRunner.batchSizeDefault) {
        precondition(batchSize >= 1 && batchSize <= AppendRunner.batchSizeMax, "batch size out of range")
        self.journal = journal
        self.batchSize = batchSize
    }

    /// Appends every line read from `fd`; `name` names the input in messages.
    /// `progress` is called after each batch with the bytes read so far.
    public func run(fd: Int32, name: String, into summary: inout AppendSummary,
                    progress: ((Int) -> Void)? = nil) throws {
        let reader = NDJSONReader(fd: fd, name: name)
        var batch: [AppendItem] = []
        batch.reserveCapacity(batchSize)
        func flush() throws {
            guard !batch.isEmpty else { return }
            summary.add(try journal.append(batch))
            batch.removeAll(keepingCapacity: true)
            progress?(reader.bytesRead)
        }
        try reader.forEachLine { line in
            if let total = line.overLengthBytes {
                let rejection = Rejection(input: name, line: line.number, eventID: nil,
                                          message: "\(name):\(line.number): line is \(total) bytes, over the limit of \(Limits.lineBytesMax) bytes (16 MiB)")
                batch.append(.rejected(rejection, raw: Array(line.bytes), rawBytes: total))
            } else {
                switch EventDecoder.decode(line.bytes, input: name, line: line.number) {
                case .success(let event):
                    batch.append(.event(event, raw: Array(line.bytes), input: name, line: line.number))
                case .failure(let rejection):
                    let raw = line.bytes.count > Limits.quarantinedRawBytesMax
                        ? Array(UnsafeBufferPointer(rebasing: line.bytes[0..<Limits.quarantinedRawBytesMax])) : Array(line.bytes)
                    batch.append(.rejected(rejection, raw: raw, rawBytes: line.bytes.count))
                }
            }
            if batch.count >= batchSize { try flush() }
        }
        try flush()
    }

    /// Appends a file by path (`-` is standard input).
    public func run(path: String, into summary: inout AppendSummary, progress: ((Int) -> Void)? = nil) throws {
        if path == "-" {
            try run(fd: 0, name: "-", into: &summary, progress: progress)
            return
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw JournalError.unreadableInput(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw JournalError.unreadableInput(path: path, detail: "is a directory")
        }
        try run(fd: fd, name: path, into: &summary, progress: progress)
    }
}
