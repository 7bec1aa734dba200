import Dispatch
import Foundation
import Synchronization
import TallyCore
import TallyJournal

/// Group commit: every request handler hands its events to one writer thread, which
/// appends everything that queued up while the previous transaction was being made
/// durable, in one transaction with one fsync, then answers each handler.
///
/// One fsync per delivery caps a journal at the disk's sync rate (a few hundred a
/// second here); a group costs one sync whatever its size, so throughput grows with
/// load while each response still waits for its own events to be durable.
public final class GroupCommitter: Sendable {
    struct Pending: Sendable {
        var request: GroupRequest
        var continuation: CheckedContinuation<GroupOutcome, any Error>
    }

    /// Requests per transaction at most (a burst larger than this takes several).
    public static let groupRequestsMax = 512
    /// How often the writer brings the derived lookup tables up to date (each catch-up is a short
    /// transaction; every 10 s made a stall long enough to show in the p99 latency).
    public static let idleIndexSeconds: Double = 1

    private let queue = Mutex<(pending: [Pending], stopping: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let journalBox: JournalBox
    private let onCommit: @Sendable (_ requests: [GroupRequest], _ outcomes: [GroupOutcome]) -> Void

    /// The journal is only touched on the writer thread.
    final class JournalBox: @unchecked Sendable {
        let journal: Journal
        init(_ journal: Journal) { self.journal = journal }
    }

    /// `checkpointer`, a second read-write connection to the same file, makes the WAL
    /// checkpoints on its own thread (a PASSIVE checkpoint does not block the writer), so
    /// that no commit waits for one.
    public init(journal: Journal, checkpointer: Journal, onCommit: @escaping @Sendable ([GroupRequest], [GroupOutcome]) -> Void = { _, _ in }) {
        self.journalBox = JournalBox(journal)
        self.onCommit = onCommit
        self.checkpoints = BackgroundCheckpoints(journal: journal, checkpointer: checkpointer,
                                                 intervalMilliseconds: Int(GroupCommitter.checkpointSeconds * 1000))
        // Commits overwrite the WAL's blocks from the first one on (see `Journal.preallocateWAL`).
        try? journal.preallocateWAL(bytes: Journal.walWorkingBytes)
        let thread = Thread { [self] in self.loop() }
        thread.name = "tally-journal-writer"
        thread.start()
    }

    private let checkpoints: BackgroundCheckpoints
    /// How often the WAL is checkpointed while serving.
    public static let checkpointSeconds: Double = 1

    /// Appends one request durably; returns when its transaction has committed.
    public func submit(_ request: GroupRequest) async throws -> GroupOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { state -> Bool in
                guard !state.stopping else { return false }
                state.pending.append(Pending(request: request, continuation: continuation))
                return true
            }
            if accepted { wake.signal() } else { continuation.resume(throwing: ServerFailure.shuttingDown) }
        }
    }

    /// False once shutdown has begun.
    public var isAccepting: Bool { queue.withLock { !$0.stopping } }

    /// Finishes what is queued, indexes, and stops the writer (at shutdown).
    public func stop() {
        let first = queue.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        wake.signal()
        stopped.wait()
        checkpoints.stop()
    }

    private func loop() {
        var lastIndexed = DispatchTime.now()
        while true {
            _ = wake.wait(timeout: .now() + GroupCommitter.idleIndexSeconds)
            let (batch, stopping) = queue.withLock { state -> ([Pending], Bool) in
                let n = min(state.pending.count, GroupCommitter.groupRequestsMax)
                let batch = Array(state.pending.prefix(n))
                state.pending.removeFirst(n)
                return (batch, state.stopping && state.pending.isEmpty)
            }
            if !batch.isEmpty {
                commit(batch)
                // Past its working size the WAL would grow without bound under steady load,
                // every commit extending it: the writer checkpoints too (see BackgroundCheckpoints).
                checkpoints.afterCommit()
            }
            let sinceIndexed = Double(DispatchTime.now().uptimeNanoseconds - lastIndexed.uptimeNanoseconds) / 1e9
            if stopping || sinceIndexed >= GroupCommitter.idleIndexSeconds {
                try? journalBox.journal.indexDerivedTables()
                lastIndexed = DispatchTime.now()
            }
            if stopping { stopped.signal(); return }
            if queue.withLock({ !$0.pending.isEmpty }) { wake.signal() }
        }
    }

    private func commit(_ batch: [Pending]) {
        let requests = batch.map(\.request)
        do {
            let outcomes = try journalBox.journal.appendGroup(requests)
            onCommit(requests, outcomes)
            for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: ServerFailure.journal(error.description)) }
        }
    }
}
