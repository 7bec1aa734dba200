import Foundation
import TallyCore
import TallyJournal
import TallyTestSupport

/// Issue 8's checkpoint target. Two journals hold the same state (the same orders, SKUs and
/// discounts) and the same lost window: the 1M-event incident of the reconcile benchmark,
/// and the same incident after `--padding` events of older catalog churn (price changes and
/// stock counts on the same SKUs, all superseded by the incident's own catalog). Each gets
/// a checkpoint at the nightly snapshot, as `tally snapshot` writes it; then the real `tally
/// reconcile --format json` is timed on both against the same restored store.
func checkpointBenchmark() throws {
    let count = number("--events", 1000000)
    let padding = number("--padding", 9000000)
    let skus = number("--skus", 100000)
    let orderPermille = number("--order-permille", 100)
    // The incident opens with a price and a stock count for each SKU, and the padding churns
    // every SKU: an incident shorter than that catalog leaves SKUs only the padded journal
    // knows, and the two journals would not hold the same state.
    guard count > 2 * skus else {
        fail("tally-bench: --events (\(count)) must be more than twice --skus (\(skus)): the incident's catalog comes first and the padding churns every SKU")
    }
    let dir = benchDirectory("bench-checkpoints")
    let incident = dir + "/incident.ndjson", store = dir + "/store.db", paddingPath = dir + "/padding.ndjson"
    let head = dir + "/head.ndjson", tail = dir + "/tail.ndjson"
    let small = dir + "/small.journal", big = dir + "/big.journal"
    print("checkpoint benchmark: a \(count)-event incident, alone and after \(padding) older events, in \(dir)")

    if !FileManager.default.fileExists(atPath: tail) {
        let snapshotLines = try writeIncident(count: count, skus: skus, orderPermille: orderPermille, eventsPath: incident, storePath: store)
        try split(incident, afterLines: snapshotLines, head: head, tail: tail)
        try writePadding(padding, skus: skus, to: paddingPath)
    }
    for (journal, before) in [(small, [head]), (big, [paddingPath, head])] where !FileManager.default.fileExists(atPath: journal) {
        let start = now()
        let j = try Journal.create(at: journal)
        var summary = AppendSummary()
        for file in before { try AppendRunner(journal: j).run(path: file, into: &summary) }
        let checkpointStart = now()
        let written = try j.writeCheckpoint(try j.replay())
        let checkpointSeconds = now() - checkpointStart
        try AppendRunner(journal: j).run(path: tail, into: &summary)
        try j.finishAppending()
        print(String(format: "built %@: %d events in %.1f s (checkpoint at seq %lld, the snapshot, %.1f MiB, written in %.1f s)",
                     journal, summary.appended, now() - start, written?.headSeq ?? 0, Double(written?.bytes ?? 0) / 1_048_576, checkpointSeconds))
    }

    var results: [(String, Double, Double, String)] = []
    for journal in [small, big] {
        var best = Double.infinity, peak = 0.0
        var first: Data?
        for run in 1...3 {
            let out = dir + "/reconcile-\(run).json"
            let r = spawn([tallyBinaryPath, "reconcile", "--journal", journal, "--store", store, "--format", "json", "--fail-on", "none"], stdout: out)
            let output = try Data(contentsOf: URL(fileURLWithPath: out))
            if let first { precondition(first == output, "reconcile output differs between runs") } else { first = output }
            best = min(best, r.seconds); peak = max(peak, r.peakMiB)
            print(String(format: "  %@ run %d: %.2f s wall, exit %d, peak RSS %.0f MiB", (journal as NSString).lastPathComponent, run, r.seconds, r.status, r.peakMiB))
        }
        let json = (try? JSONSerialization.jsonObject(with: first ?? Data())) as? [String: Any]
        let byKind = ((json?["summary"] as? [String: Any])?["by_kind"] as? [String: Int]).map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? "?"
        results.append((journal, best, peak, byKind))
    }
    for (journal, best, peak, byKind) in results {
        print(String(format: "%@: reconcile %.2f s wall (best of 3), peak RSS %.0f MiB; findings %@", (journal as NSString).lastPathComponent, best, peak, byKind))
    }
    print(results[0].3 == results[1].3 ? "same findings by kind in both (the same state and lost window)" : "FINDINGS DIFFER: the journals do not hold the same state")
    print(String(format: "ratio: %.2f× (target ≤ 1.5×)", results[1].1 / results[0].1))
}

/// Copies the first `afterLines` lines of `path` to `head` and the rest to `tail`.
func split(_ path: String, afterLines: Int, head: String, tail: String) throws {
    guard let input = fopen(path, "r"), let a = fopen(head, "w"), let b = fopen(tail, "w") else { throw CocoaError(.fileWriteUnknown) }
    defer { fclose(input); fclose(a); fclose(b) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    var n = 0
    while getline(&line, &capacity, input) > 0 {
        n += 1
        fputs(line, n <= afterLines ? a : b)
    }
    free(line)
}

/// `count` events of catalog churn before the incident: price changes, stock counts and
/// adjustments on the incident's own SKUs, one a second from 2025-06-01.
func writePadding(_ count: Int, skus: Int, to path: String) throws {
    guard let file = fopen(path, "w") else { throw CocoaError(.fileWriteUnknown) }
    defer { fclose(file) }
    var random = SeededRandom(seed: 99)
    let start: Int64 = 1_748_736_000 // 2025-06-01T00:00:00Z
    var buffer = ""
    for i in 0..<count {
        let at = Timestamp(microseconds: (start + Int64(i)) * 1_000_000).rfc3339
        let sku = "SKU-\(random.below(skus))"
        let data: String
        switch random.below(10) {
        case 0..<4: data = "\"type\":\"price.changed\",\"occurred_at\":\"\(at)\",\"source\":\"catalog\",\"data\":{\"sku\":\"\(sku)\",\"price\":\(500 + random.below(20_000)),\"currency\":\"USD\"}"
        case 4..<8: data = "\"type\":\"inventory.adjusted\",\"occurred_at\":\"\(at)\",\"source\":\"warehouse\",\"data\":{\"sku\":\"\(sku)\",\"location\":\"main\",\"delta\":\(1 + random.below(40)),\"reason\":\"restock\",\"ref\":\"PO-\(random.below(100_000))\"}"
        default: data = "\"type\":\"inventory.set\",\"occurred_at\":\"\(at)\",\"source\":\"warehouse\",\"data\":{\"sku\":\"\(sku)\",\"location\":\"main\",\"available\":\(random.below(500)),\"reason\":\"count\"}"
        }
        buffer += "{\"id\":\"pad-\(i)\",\(data)}\n"
        if i % 10_000 == 9_999 { fputs(buffer, file); buffer = "" }
    }
    fputs(buffer, file)
}
