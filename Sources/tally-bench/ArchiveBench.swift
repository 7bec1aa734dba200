import Foundation
import TallyCore
import TallyJournal
import TallyTestSupport

/// Builds a journal of `--events` synthetic events recorded in October 2026, then times
/// the real `tally archive --period 2026-10` and `tally verify --archive` of it.
func archiveBenchmark() throws {
    let count = Int(option("--events", "1000000"))!
    let dir = option("--dir", "/tmp/archive-bench")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let journalPath = dir + "/october.journal", eventsPath = dir + "/events.ndjson"
    if !FileManager.default.fileExists(atPath: journalPath) {
        var history = SyntheticHistory(seed: 31, skuCount: 100_000)
        guard let file = fopen(eventsPath, "w") else { print("cannot write \(eventsPath)"); exit(2) }
        var buffer = ""
        for i in 0..<count {
            buffer += history.next() + "\n"
            if i % 10_000 == 9_999 { fputs(buffer, file); buffer = "" }
        }
        fputs(buffer, file)
        fclose(file)
        let journal = try Journal.create(at: journalPath, clock: FixedClock(Timestamp.parse("2026-10-15T12:00:00Z")!))
        var summary = AppendSummary()
        let start = now()
        try AppendRunner(journal: journal).run(path: eventsPath, into: &summary)
        try journal.finishAppending()
        print("built a journal of \(summary.appended) events recorded in October 2026: \(rate(summary.appended, now() - start))")
    }
    let archiveDir = dir + "/archives"
    try? FileManager.default.removeItem(atPath: archiveDir)
    var start = now()
    var status = spawnQuietly([tallyBinaryPath, "archive", "--journal", journalPath, "--period", "2026-10", "--to", archiveDir])
    print(String(format: "tally archive --period 2026-10: %.1f s wall, exit %d", now() - start, status))
    let archive = archiveDir + "/tally-archive-2026-10.sqlite"
    let size = (try? FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int) ?? 0
    print(String(format: "  archive file %.0f MiB", Double(size) / 1_048_576))
    start = now()
    status = spawnQuietly([tallyBinaryPath, "verify", "--archive", archive])
    print(String(format: "tally verify --archive: %.1f s wall, exit %d", now() - start, status))
    start = now()
    status = spawnQuietly([tallyBinaryPath, "verify", "--archive", archive, "--journal", journalPath])
    print(String(format: "tally verify --archive --journal: %.1f s wall, exit %d", now() - start, status))
}
