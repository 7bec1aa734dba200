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
    /// How often the writer indexes new orders' SKUs for lookups (`finishAppending`).
    public static let idleIndexSeconds: Double = 10

    private let queue = Mutex<(pending: [Pending], stopping: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let journalBox: JournalBox
    private let onCommit: @Sendable (_ requests: [GroupRequest], _ outcomes: [GroupOutcome], _ seconds: Double) -> Void

    /// The journal is only touched on the writer thread.
    final class JournalBox: @unchecked Sendable {
        let journal: Journal
        init(_ journal: Journal) { self.journal = journal }
    }

    public init(journal: Journal, onCommit: @escaping @Sendable ([GroupRequest], [GroupOutcome], Double) -> Void = { _, _, _ in }) {
        self.journalBox = JournalBox(journal)
        self.onCommit = onCommit
        let thread = Thread { [self] in self.loop() }
        thread.name = "tally-journal-writer"
        thread.start()
    }

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
            if !batch.isEmpty { commit(batch) }
            let sinceIndexed = Double(DispatchTime.now().uptimeNanoseconds - lastIndexed.uptimeNanoseconds) / 1e9
            if stopping || sinceIndexed >= GroupCommitter.idleIndexSeconds {
                try? journalBox.journal.finishAppending()
                lastIndexed = DispatchTime.now()
            }
            if stopping { stopped.signal(); return }
            if queue.withLock({ !$0.pending.isEmpty }) { wake.signal() }
        }
    }

    private func commit(_ batch: [Pending]) {
        let started = DispatchTime.now()
        let requests = batch.map(\.request)
        do {
            let outcomes = try journalBox.journal.appendGroup(requests)
            onCommit(requests, outcomes, Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
            for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: ServerFailure.journal(error.description)) }
        }
    }
}
