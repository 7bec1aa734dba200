import Foundation
import TallyCore
import TallyJournal
import TallySQLite
import TallyStore
import TallyTestSupport

/// Builds a synthetic history with a snapshot at 90% and a restore at 95% of the
/// events, its journal, and the restored store (1M orders at 10M events), then
/// times the real `tally reconcile --format json` against it.
func reconcileBenchmark() throws {
    let count = number("--events", 1000000)
    let skus = number("--skus", 100000)
    let orderPermille = number("--order-permille", 100)
    let dir = benchDirectory("bench-reconcile")
    let eventsPath = dir + "/events.ndjson", journalPath = dir + "/bench.journal", storePath = dir + "/store.db"
    print("reconcile benchmark: \(count) events, \(skus) SKUs, \(orderPermille)‰ orders, in \(dir)")

    if !FileManager.default.fileExists(atPath: journalPath) {
        _ = try writeIncident(count: count, skus: skus, orderPermille: orderPermille, eventsPath: eventsPath, storePath: storePath)
        let start = now()
        let journal = try Journal.create(at: journalPath)
        var summary = AppendSummary()
        try AppendRunner(journal: journal).run(path: eventsPath, into: &summary)
        try journal.finishAppending()
        print("built the journal: \(rate(summary.appended, now() - start))")
    } else {
        // Opened once as a writer: an older journal gets the indexes of this version.
        let start = now()
        _ = try Journal.open(at: journalPath)
        print(String(format: "reusing the journal and store in %@ (opened as a writer in %.1f s)", dir, now() - start))
    }

    // The bare scan: the columns replay reads, in replay's order, nothing else.
    let connection = try Connection(path: journalPath, mode: .readOnly)
    try connection.execute("PRAGMA cache_size=-8192")
    // Twice, the better run counts (the first may read the file from disk; reconcile is best of 3).
    let scan = try connection.prepare("SELECT seq, type, occurred_us, replay FROM events ORDER BY occurred_us, seq")
    var rows = 0
    var scanSeconds = Double.infinity
    for _ in 1...2 {
        scan.reset()
        rows = 0
        var checksum: Int64 = 0
        let start = now()
        while try scan.step() {
            rows += 1
            checksum &+= scan.int64(0) &+ scan.int64(1) &+ scan.int64(2)
            checksum &+= scan.withRawBytes(3) { Int64($0?.count ?? 0) }
        }
        let seconds = now() - start
        scanSeconds = min(scanSeconds, seconds)
        print("bare SQLite scan of replay's columns:      \(rate(rows, seconds))  (checksum \(checksum % 1000))")
    }

    // The real command, three runs; report the best wall time and the highest peak memory
    // (GNU time's, per run: `RUSAGE_CHILDREN` also holds this process's own peak, which
    // building a 10M-event journal in process can raise above reconcile's).
    var best = Double.infinity, peak = 0.0
    var firstOutput: Data?
    let outputPath = dir + "/reconcile-run.json"
    for run in 1...3 {
        let r = spawn([tallyBinaryPath, "reconcile", "--journal", journalPath, "--store", storePath, "--format", "json", "--fail-on", "none"], stdout: outputPath)
        let output = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        best = min(best, r.seconds); peak = max(peak, r.peakMiB)
        if let firstOutput { precondition(firstOutput == output, "reconcile output differs between runs") } else { firstOutput = output }
        print(String(format: "tally reconcile --format json, run %d:   %.2f s wall, exit %d, %d bytes of JSON, peak RSS %.0f MiB", run, r.seconds, r.status, output.count, r.peakMiB))
    }
    let findings = (try? JSONSerialization.jsonObject(with: firstOutput ?? Data())) as? [String: Any]
    let summary = (findings?["summary"] as? [String: Any])?["by_severity"] ?? [:]
    print("  findings by severity: \(summary)")
    print(String(format: "reconcile: %.2f s wall (best of 3), %.0f events/s, peak RSS %.0f MiB, %.0f%% of the bare scan rate; output byte-identical across runs",
                 best, Double(rows) / best, peak, 100 * (Double(rows) / best) / (Double(rows) / scanSeconds)))
    // Cold: the journal and the store dropped from the page cache first (as after a reboot,
    // or on a machine that has not read them lately), so reconcile reads them from the disk.
    evictFromPageCache(journalPath)
    evictFromPageCache(storePath)
    let cold = spawn([tallyBinaryPath, "reconcile", "--journal", journalPath, "--store", storePath, "--format", "json", "--fail-on", "none"], stdout: outputPath)
    let coldOutput = try Data(contentsOf: URL(fileURLWithPath: outputPath))
    precondition(coldOutput == firstOutput, "the cold run's output differs")
    print(String(format: "tally reconcile --format json, cold (journal and store evicted from the page cache): %.2f s wall, peak RSS %.0f MiB", cold.seconds, cold.peakMiB))
    if CommandLine.arguments.contains("--checkpointed") { try checkpointedReconcile(dir: dir, journalPath: journalPath, storePath: storePath) }
}

/// The path a real journal takes: `tally append` writes a checkpoint every 1M events and
/// `tally snapshot` records the store's digest, so reconcile starts from a checkpoint and
/// hashes the store. A copy of the journal gets one more `snapshot.taken` with a digest
/// (matching nothing, before every other event); its `tally append` writes a checkpoint at
/// the head. Then reconcile three times against the same store.
func checkpointedReconcile(dir: String, journalPath: String, storePath: String) throws {
    let copy = dir + "/checkpointed.journal"
    if !FileManager.default.fileExists(atPath: copy) {
        var start = now()
        try FileManager.default.copyItem(atPath: journalPath, toPath: copy)
        print(String(format: "copied the journal to %@ in %.1f s", copy, now() - start))
        let probe = dir + "/digest-probe.ndjson"
        try (#"{"id":"digest-probe","type":"snapshot.taken","occurred_at":"2026-11-01T00:00:00Z","data":{"snapshot_id":"digest-probe","store_digest":"sha256:"#
             + String(repeating: "0", count: 64) + "\"}}\n").write(toFile: probe, atomically: true, encoding: .utf8)
        start = now()
        let appended = spawn([tallyBinaryPath, "append", "--journal", copy, probe], stdout: nil)
        print(String(format: "appended a snapshot with a digest (and a checkpoint at the head) in %.1f s, exit %d", now() - start, appended.status))
    }
    var best = Double.infinity, peak = 0.0
    for run in 1...3 {
        let r = spawn([tallyBinaryPath, "reconcile", "--journal", copy, "--store", storePath, "--format", "json", "--fail-on", "none"])
        best = min(best, r.seconds); peak = max(peak, r.peakMiB)
        print(String(format: "from a checkpoint, hashing the store, run %d: %.2f s wall, exit %d, peak RSS %.0f MiB", run, r.seconds, r.status, r.peakMiB))
    }
    print(String(format: "reconcile from a checkpoint with a digest: %.2f s wall (best of 3), peak RSS %.0f MiB", best, peak))
}

/// Writes the synthetic incident: `count` events (with a snapshot marker at 90% and a
/// restore at 95%) as NDJSON, and the restored store (everything but the lost window).
/// Returns the number of lines up to and including the snapshot marker.
func writeIncident(count: Int, skus: Int, orderPermille: Int, eventsPath: String, storePath: String) throws -> Int {
    var start = now()
    var history = SyntheticHistory(seed: 10, skuCount: skus, orderPermille: orderPermille)
    let snapshotAt = count * 9 / 10, restoreAt = count * 95 / 100
    var storeTruth = Truth()
    var orders = 0
    guard let file = fopen(eventsPath, "w") else { fail("tally-bench: cannot write \(eventsPath)") }
    var lines = 0, snapshotLines = 0
    var buffer = ""
    var lastText = ""
    for i in 0..<count {
        if i == snapshotAt {
            lines += 1; snapshotLines = lines
            buffer += "{\"id\":\"bench-snapshot\",\"type\":\"snapshot.taken\",\"occurred_at\":\"\(lastText.dropLast()).5Z\",\"data\":{\"snapshot_id\":\"bench\"}}\n"
        }
        if i == restoreAt {
            lines += 1
            buffer += "{\"id\":\"bench-restore\",\"type\":\"restore.performed\",\"occurred_at\":\"\(lastText.dropLast()).5Z\",\"data\":{\"snapshot_id\":\"bench\"}}\n"
        }
        let line = history.next()
        lines += 1
        buffer += line + "\n"
        guard case .success(let event) = EventDecoder.decode(line) else { fatalError("invalid synthetic line") }
        lastText = event.occurredAtText
        if case .orderPlaced = event.payload { orders += 1 }
        if i < snapshotAt || i >= restoreAt {
            storeTruth.apply(JournaledEvent(seq: Seq(Int64(i + 1)), recordedAt: event.occurredAt, event: event))
        }
        if i % 10_000 == 9_999 { fputs(buffer, file); buffer = "" }
    }
    fputs(buffer, file)
    fclose(file)
    print(String(format: "generated %d events (%d orders) in %.1f s", count, orders, now() - start))
    start = now()
    try StoreWriter.write(StoreSnapshot(truth: storeTruth), to: storePath)
    print(String(format: "wrote the restored store (%d orders, %d SKUs) in %.1f s", storeTruth.orders.count, storeTruth.prices.count, now() - start))
    return snapshotLines
}
