import Foundation
import TallyJournal
import TallyTestSupport

/// Single-event durable appends against this disk's fdatasync rate, measured side by side:
/// this disk's sync latency moves by 2× from minute to minute, so a ratio whose two figures
/// were taken minutes apart (the append benchmark's probe runs before its batched phase)
/// says more about the minute than about the code. Each round probes the fdatasync rate for
/// a second, submits `--events` single events through `tally serve`'s commit path (one at a
/// time, each waiting for its own durable commit), then probes again; its ratio is the
/// events' rate over the mean of the two probes around it.
func singleBenchmark() throws {
    let count = number("--events", 2000)
    let rounds = max(1, number("--rounds", 5))
    let dir = TempDirectory("single")
    defer { dir.remove() }
    print("single-event benchmark: \(rounds) rounds of \(count) events, SQLite \(sqliteVersion()), dir \(dir.path)")
    let lines = generate(count * rounds, ids: .sequential)
    var ratios: [Double] = []
    var probe = fdatasyncRate(dir: dir.path, seconds: 1)
    for round in 0..<rounds {
        let before = probe
        let path = dir.file("served-\(round).journal")
        let served = try serverSingleEventAppends(lines: lines[(round * count)..<((round + 1) * count)], path: path, quiet: true)
        probe = fdatasyncRate(dir: dir.path, seconds: 1)
        let eventsRate = Double(count) / served.seconds
        let ratio = 100 * eventsRate / ((before + probe) / 2)
        ratios.append(ratio)
        print(String(format: "round %d: fdatasync %5.0f /s, serve's commit path %5.0f events/s (%.1f pages a commit), fdatasync %5.0f /s: %3.0f%%",
                     round + 1, before, eventsRate, served.pagesPerCommit, probe, ratio))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    let sorted = ratios.sorted()
    print(String(format: "single-event appends / fdatasync rate around them: lowest %.0f%%, median %.0f%%, highest %.0f%%",
                 sorted.first ?? 0, sorted[sorted.count / 2], sorted.last ?? 0))
}
