import Foundation
import TallyCore
import TallyJournal
import TallyTestSupport

/// Builds a journal of `--events` synthetic events recorded in October 2026, then times
/// the real `tally archive --period 2026-10` and `tally verify --archive` of it; then, on a
/// copy with one event recorded in November, `tally prune --before 2026-11-01` (which
/// rehashes the archive first), `tally verify` of what is left, and an order lookup
/// through the archive.
func archiveBenchmark() throws {
    let count = number("--events", 1000000)
    let dir = option("--dir", "/tmp/archive-bench")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let journalPath = dir + "/october.journal", eventsPath = dir + "/events.ndjson"
    if !FileManager.default.fileExists(atPath: journalPath) {
        var history = SyntheticHistory(seed: 31, skuCount: 100_000)
        guard let file = fopen(eventsPath, "w") else { fail("tally-bench: cannot write \(eventsPath)") }
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

    let pruned = dir + "/pruned.journal"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: pruned + suffix) }
    try FileManager.default.copyItem(atPath: journalPath, toPath: pruned)
    let late = dir + "/november.ndjson"
    try "{\"id\":\"november-1\",\"type\":\"price.changed\",\"occurred_at\":\"2026-11-02T00:00:00Z\",\"source\":\"catalog\",\"data\":{\"sku\":\"SKU-1\",\"price\":999,\"currency\":\"USD\"}}\n"
        .write(toFile: late, atomically: true, encoding: .utf8)
    setenv("TALLY_CLOCK", "2026-11-02T00:00:00Z", 1)
    status = spawnQuietly([tallyBinaryPath, "append", "--journal", pruned, late])
    unsetenv("TALLY_CLOCK")
    let prune = spawn([tallyBinaryPath, "prune", "--journal", pruned, "--before", "2026-11-01", "--archives", archiveDir])
    print(String(format: "tally prune --before 2026-11-01 (%d events, archive rehashed first): %.1f s wall, exit %d, peak RSS %.0f MiB", count, prune.seconds, prune.status, prune.peakMiB))
    let verify = spawn([tallyBinaryPath, "verify", "--journal", pruned])
    print(String(format: "tally verify of the pruned journal: %.2f s wall, exit %d", verify.seconds, verify.status))
    let lookup = spawn([tallyBinaryPath, "lookup", "--journal", pruned, "--order", "1000", "--archives", archiveDir, "--format", "json"])
    print(String(format: "tally lookup --order 1000 --archives (through the archive): %.2f s wall, exit %d", lookup.seconds, lookup.status))
}
