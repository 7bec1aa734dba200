#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
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
    /// `progress` is called after each transaction with the bytes read so far.
    ///
    /// Reading and decoding run on a second thread, ahead of the SQLite writer on this
    /// one (decoding is about a sixth of the work, and this machine has two cores). Each
    /// batch goes over in parts; at most `pipelineDepth` parts wait between them.
    public func run(fd: Int32, name: String, into summary: inout AppendSummary,
                    progress: ((Int) -> Void)? = nil) throws {
        if batchSize == 1 {
            // One event per transaction: a thread hand-off per event would cost more than decoding.
            let reader = NDJSONReader(fd: fd, name: name)
            try reader.forEachLine { line in
                summary.add(try journal.append([AppendRunner.item(line, name: name)]))
                progress?(reader.bytesRead)
            }
            return
        }
        let handoff = Handoff<Chunk>(depth: AppendRunner.pipelineDepth)
        let batchSize = self.batchSize
        let spent = SpentParts()
        handoff.startProducer { handoff in
            AppendRunner.produce(fd: fd, name: name, batchSize: batchSize, into: handoff, dropping: spent)
        }
        defer { handoff.cancelAndWait() }
        let checkpoints = BackgroundCheckpoints(journal: journal)
        defer { checkpoints.stop() }
        try write(from: handoff, into: &summary, progress: progress, spent: spent, afterCommit: checkpoints.afterCommit)
    }

    /// Parts the writer has appended, handed back to the reader thread to be freed there:
    /// their strings and arrays were allocated on that thread, where glibc frees them
    /// without taking another arena's lock, and the writer (the pipeline's slower side)
    /// spends its time on SQLite instead.
    final class SpentParts: @unchecked Sendable {
        private let lock = DispatchSemaphore(value: 1)
        private var parts: [[AppendItem]] = []

        /// Writer side.
        func give(_ part: consuming [AppendItem]) {
            lock.wait(); parts.append(part); lock.signal()
        }

        /// Reader side: frees what the writer gave back (outside the lock).
        func drop() {
            lock.wait()
            let spent = parts
            parts = []
            lock.signal()
            withExtendedLifetime(spent) {}
        }
    }

    /// The writer's side of a pipeline: appends each transaction's parts as they come, until the end.
    private func write(from handoff: Handoff<Chunk>, into summary: inout AppendSummary, progress: ((Int) -> Void)?,
                       spent: SpentParts? = nil, afterCommit: () -> Void = {}) throws {
        var next = handoff.take()
        while true {
            switch next {
            case .end: return
            case .failed(let error): throw error
            case .batch: break
            }
            var first: Chunk? = next
            next = .end  // `first` holds the part now (a spent part must have no other owner here)
            var bytesRead = 0
            var committing = false, ended = false
            // Counted once the transaction has committed (a failed COMMIT counts nothing).
            var landed: [[AppendOutcome]] = []
            var previous: [AppendItem]?
            defer { if let spent, let done = previous.take() { spent.give(done) } }
            try journal.append(parts: { () throws -> [AppendItem]? in
                guard !committing else { return nil }
                // Never hold the write lock waiting for input (a slow pipe, another writer
                // waiting on this journal): commit what is in when the next part is not ready.
                guard let chunk = first ?? handoff.take(waitingAtMost: AppendRunner.partWaitMilliseconds) else { return nil }
                first = nil
                switch chunk {
                case .batch(let items, let read, let commit):
                    bytesRead = read
                    committing = commit
                    // The part before this one is appended (and no longer held by the journal):
                    // its items go back to be freed.
                    if let spent, let done = previous.take() { spent.give(done) }
                    previous = spent == nil ? nil : items
                    return items
                case .end:
                    ended = true
                    return nil
                case .failed(let error):
                    throw error
                }
            }, outcomes: { landed.append($0) })
            for outcomes in landed { summary.add(outcomes) }
            afterCommit()
            if bytesRead > 0 { progress?(bytesRead) }
            if ended { return }
            next = handoff.take()
        }
    }

    /// Chunks decoded ahead of the writer: parts of a file's batches (`partItems` events
    /// each), whole batches of derived events.
    public static let pipelineDepth = 2

    /// Items handed from the reader to the writer at a time: a transaction's batch goes over
    /// in parts of this size, so that memory holds a few parts instead of a few batches
    /// (10,000 order events with their raw lines are about 9 MB).
    static let partItems = 1_000

    /// How long a transaction waits for the reader's next part before it commits what it has.
    static let partWaitMilliseconds = 20

    enum Chunk: Sendable {
        /// `commit`: the last part of a transaction's batch.
        case batch([AppendItem], bytesRead: Int, commit: Bool)
        case end
        case failed(any Error)
    }

    /// Runs on the reader thread: reads, decodes and hands over batches in parts.
    static func produce(fd: Int32, name: String, batchSize: Int, into handoff: Handoff<Chunk>, dropping spent: SpentParts) {
        let reader = NDJSONReader(fd: fd, name: name)
        let partSize = min(batchSize, partItems)
        var part: [AppendItem] = []
        part.reserveCapacity(partSize)
        var inBatch = 0
        struct Cancelled: Error {}
        do {
            try reader.forEachLine { line in
                part.append(AppendRunner.item(line, name: name))
                inBatch += 1
                if part.count >= partSize || inBatch >= batchSize {
                    let commit = inBatch >= batchSize
                    guard handoff.put(.batch(part, bytesRead: reader.bytesRead, commit: commit)) else { throw Cancelled() }
                    part.removeAll(keepingCapacity: true)
                    spent.drop()
                    if commit { inBatch = 0 }
                }
            }
            if inBatch > 0 { handoff.put(.batch(part, bytesRead: reader.bytesRead, commit: true)) }
            handoff.put(.end)
        } catch is Cancelled {
            return
        } catch {
            handoff.put(.failed(error))
        }
    }

    /// Decodes one line into an item for the journal.
    static func item(_ line: NDJSONReader.Line, name: String) -> AppendItem {
        if let total = line.overLengthBytes {
            let rejection = Rejection(input: name, line: line.number, eventID: nil,
                                      message: "\(name):\(line.number): line is \(total) bytes, over the limit of \(Limits.lineBytesMax) bytes (16 MiB)")
            return .rejected(rejection, raw: Array(line.bytes), rawBytes: total)
        }
        switch EventDecoder.decode(line.bytes, input: name, line: line.number) {
        case .success(let event):
            return .event(PreparedEvent(event), raw: Array(line.bytes), input: name, line: line.number)
        case .failure(let rejection):
            let raw = line.bytes.count > Limits.quarantinedRawBytesMax
                ? Array(UnsafeBufferPointer(rebasing: line.bytes[0..<Limits.quarantinedRawBytesMax])) : Array(line.bytes)
            return .rejected(rejection, raw: raw, rawBytes: line.bytes.count)
        }
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

    /// Appends events that Tally derived itself (a baseline, an ingested export), in
    /// batches, with the same validation, idempotency and quarantine as NDJSON input.
    /// Each is decoded from its text, so a derived event obeys exactly the contract's rules;
    /// decoding runs on a second thread, one batch ahead of the writer.
    public func run(derived: [DerivedEvent], into summary: inout AppendSummary, progress: ((Int) -> Void)? = nil) throws {
        try run(producer: { emit in _ = emit(derived) }, into: &summary, progress: progress)
    }

    /// Like `run(derived:)`, for derivations that stream: `producer` runs on a second thread
    /// and calls `emit` with each chunk of derived events as it has it (false: stop, the
    /// writer failed); chunks are decoded there and written here as they come.
    public func run(producer: @escaping @Sendable (_ emit: ([DerivedEvent]) -> Bool) throws -> Void,
                    into summary: inout AppendSummary, progress: ((Int) -> Void)? = nil) throws {
        let handoff = Handoff<Chunk>(depth: AppendRunner.pipelineDepth)
        let batchSize = self.batchSize
        handoff.startProducer { handoff in
            var done = 0
            var open = true
            do {
                try producer { derived in
                    var index = derived.startIndex
                    while open && index < derived.endIndex {
                        let end = min(index + batchSize, derived.endIndex)
                        done += end - index
                        open = handoff.put(.batch(AppendRunner.items(derived[index..<end]), bytesRead: done, commit: true))
                        index = end
                    }
                    return open
                }
                handoff.put(.end)
            } catch {
                handoff.put(.failed(error))
            }
        }
        defer { handoff.cancelAndWait() }
        try write(from: handoff, into: &summary, progress: progress)
    }

    /// Decodes a batch of derived events on two threads (the writer mostly waits on the
    /// disk, so the second core is free); the order of the items is kept.
    static func items(_ batch: ArraySlice<DerivedEvent>) -> [AppendItem] {
        guard batch.count >= 256 else { return batch.map(item) }
        let half = batch.count / 2
        let parts = [batch.prefix(half), batch.dropFirst(half)]
        var results: [[AppendItem]] = [[], []]
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: 2) { i in slots[i] = parts[i].map(item) }
        }
        return results[0] + results[1]
    }

    /// A derived event (or a rejected row) as an item for the journal.
    static func item(_ d: DerivedEvent) -> AppendItem {
        if d.rejection == nil, let value = d.value {
            // Validated from the value; its raw text, needed only if it is quarantined, is
            // its canonical line (the journal writes it then).
            switch EventDecoder.decode(value, input: d.origin, line: d.line) {
            case .success(let event): return .event(PreparedEvent(event), raw: [], input: d.origin, line: d.line)
            case .failure(let rejection):
                let raw = Array(d.text.utf8)
                return .rejected(rejection, raw: raw, rawBytes: raw.count)
            }
        }
        let raw = Array(d.text.utf8)
        if let message = d.rejection {
            let kept = Array(raw.prefix(Limits.quarantinedRawBytesMax))
            return .rejected(Rejection(input: d.origin, line: d.line, eventID: nil, message: message), raw: kept, rawBytes: raw.count)
        }
        switch EventDecoder.decode(d.text, input: d.origin, line: d.line) {
        case .success(let event): return .event(PreparedEvent(event), raw: raw, input: d.origin, line: d.line)
        case .failure(let rejection): return .rejected(rejection, raw: raw, rawBytes: raw.count)
        }
    }
}

/// WAL checkpoints made by a second connection on its own thread (a PASSIVE checkpoint does
/// not block the writer), so the writer does not stop every `wal_autocheckpoint` pages to
/// copy the WAL into the file: a batched append's, and `tally serve`'s (`GroupCommitter`).
/// Under steady writing those checkpoints never let the WAL start over (by the time one
/// ends, newer frames wait), so past its working size the writer checkpoints too, between
/// two commits (`afterCommit`): it copies what the other connection has not (little) and,
/// with no frame added meanwhile, the next commit starts the WAL over. Without a second
/// connection the writer keeps its own automatic checkpoints.
public final class BackgroundCheckpoints: @unchecked Sendable {
    private let journal: Journal
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let running: Bool
    /// How often a batched append's second connection checkpoints.
    static let appendIntervalMilliseconds = 250

    /// A batched append's: the second connection opened here.
    convenience init(journal: Journal) {
        self.init(journal: journal, checkpointer: try? Journal.open(at: journal.path),
                  intervalMilliseconds: BackgroundCheckpoints.appendIntervalMilliseconds)
    }

    /// `checkpointer`: a second read-write connection to `journal`'s file, used only on the
    /// checkpoint thread from now on.
    public init(journal: Journal, checkpointer: Journal?, intervalMilliseconds: Int) {
        self.journal = journal
        guard let checkpointer else { running = false; return }
        running = true
        journal.disableAutomaticCheckpoints()
        let box = CheckpointerBox(checkpointer)
        DispatchQueue.global().async { [wake, stopped] in
            while true {
                let stopping = wake.wait(timeout: .now() + .milliseconds(intervalMilliseconds)) == .success
                box.journal.checkpoint()
                if stopping { stopped.signal(); return }
            }
        }
    }

    /// The writer, after each commit (on its thread).
    public func afterCommit() {
        if running && journal.walBytes > Journal.walWorkingBytes { journal.checkpoint() }
    }

    /// Makes a last checkpoint, stops the thread, and gives the writer its automatic
    /// checkpoints back (once the writer is done).
    public func stop() {
        guard running else { return }
        wake.signal()
        stopped.wait()
        journal.enableAutomaticCheckpoints()
    }
}

/// Hands a journal to the checkpoint thread (used there alone).
private final class CheckpointerBox: @unchecked Sendable {
    let journal: Journal
    init(_ journal: Journal) { self.journal = journal }
}
