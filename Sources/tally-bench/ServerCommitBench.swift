import Dispatch
import Foundation
import TallyCore
import TallyJournal
import TallyServer

/// Single-event appends the way `tally serve` makes them (a webhook each): the server's
/// `GroupCommitter` (its writer thread, with the WAL checkpointed every second by a second
/// connection, so commits reuse the WAL file's blocks instead of growing it), one request
/// at a time, each waiting for its durable commit. No HTTP.
/// With `concurrency` above 1, that many clients submit at once (webhooks arriving together),
/// each waiting for its own commit, as `tally serve`'s request handlers do.
/// Returns the seconds taken and the pages written per commit.
func serverSingleEventAppends(lines: ArraySlice<String>, path: String, concurrency: Int = 1, quiet: Bool = false) throws -> (seconds: Double, pagesPerCommit: Double) {
    let journal = try Journal.create(at: path)
    let checkpointer = try Journal.open(at: path)
    let committer = GroupCommitter(journal: journal, checkpointer: checkpointer)
    let requests = lines.enumerated().map { i, line -> GroupRequest in
        let item: AppendItem
        switch EventDecoder.decode(line, input: "bench", line: i + 1) {
        case .success(let event): item = .event(PreparedEvent(event), raw: Array(line.utf8), input: "bench", line: i + 1)
        case .failure(let rejection): item = .rejected(rejection, raw: Array(line.utf8), rawBytes: line.utf8.count)
        }
        return GroupRequest(items: [item])
    }
    let pagesBefore = journal.pagesWritten
    let done = DispatchSemaphore(value: 0)
    let start = now()
    let failures = Failures()
    Task {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<concurrency {
                let mine = stride(from: client, to: requests.count, by: concurrency).map { requests[$0] }
                group.addTask {
                    for request in mine {
                        do {
                            let outcome = try await committer.submit(request)
                            guard case .appended(let outcomes) = outcome, case .appended = outcomes.first else {
                                failures.add("not appended: \(outcome)"); continue
                            }
                        } catch {
                            failures.add("\(error)")
                        }
                    }
                }
            }
        }
        done.signal()
    }
    done.wait()
    if let first = failures.messages.first {
        print("\(failures.messages.count) single-event appends failed, the first: \(first)"); fflush(nil)
        exit(1)
    }
    let seconds = now() - start
    let walBytes = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    if !quiet { print(String(format: "  WAL file after serve's run: %.1f MiB", Double(walBytes) / 1_048_576)) }
    let open = journal.activeStatements + checkpointer.activeStatements
    if !open.isEmpty { print("  statements left open (they keep the WAL from starting over): \(open)") }
    committer.stop()
    let pages = journal.pagesWritten - pagesBefore
    return (seconds, Double(pages) / Double(lines.count))
}

/// Failed submissions (written by the submitting task, read after it has finished).
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var messages: [String] { lock.withLock { list } }
    func add(_ message: String) { lock.withLock { list.append(message) } }
}
