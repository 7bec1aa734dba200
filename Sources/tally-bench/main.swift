import Foundation
import TallyCore
import TallyJournal
import TallyTestSupport

// tally-bench: release-build benchmarks that print rates. Not unit tests.
// `usage` below lists each benchmark with the options it reads; any other option is an error.

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}

/// A whole-number option: its value, or `fallback` when it is not given.
func number(_ name: String, _ fallback: Int) -> Int {
    let text = option(name, String(fallback))
    guard let value = Int(text), value >= 0 else { fail("tally-bench: \(name) must be a whole number, got \(text)") }
    return value
}

/// An option the benchmark cannot run without.
func required(_ name: String) -> String {
    let value = option(name, "")
    guard !value.isEmpty else { fail("tally-bench: \(name) is required\n" + usage) }
    return value
}

/// `--ids sequential|random`: time-ordered event ids, or random 128-bit ones.
func idStyle() -> SyntheticHistory.IDStyle {
    switch option("--ids", "sequential") {
    case "sequential": return .sequential
    case "random": return .random128
    case let other: fail("tally-bench: --ids must be sequential or random, got \(other)")
    }
}

/// `--dir DIR` (created when missing), else a new temporary folder named after `name`.
func benchDirectory(_ name: String) -> String {
    let given = option("--dir", "")
    let dir = given.isEmpty ? TempDirectory(name).path : given
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func rate(_ n: Int, _ seconds: Double) -> String {
    String(format: "%10.0f events/s  (%d events in %.2f s)", Double(n) / seconds, n, seconds)
}

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func generate(_ count: Int, ids: SyntheticHistory.IDStyle) -> [String] {
    var history = SyntheticHistory(seed: 2026, skuCount: 100_000, idStyle: ids)
    return (0..<count).map { _ in history.next() }
}

/// fdatasync calls per second in `dir`, each after writing `pages` 4 KiB pages:
/// overwriting in place (`append` false) or appending to a growing file, as a WAL does.
func fdatasyncRate(dir: String, pages: Int = 1, append: Bool = false, seconds: Double = 3) -> Double {
    let path = dir + "/fsync.probe"
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
    defer { close(fd); unlink(path) }
    let block = [UInt8](repeating: 7, count: 4096)
    let start = now()
    var n = 0
    var offset = 0
    while now() - start < seconds {
        for _ in 0..<pages {
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t(append ? offset : (n % 256) * 4096)) }
            offset += 4096
        }
        fdatasync(fd)
        n += 1
    }
    return Double(n) / (now() - start)
}

/// Runs `bench/naive_ingest.py` (from the working directory: the repository's top) on `file`
/// and returns its events/s, or nil when the script or python3 is not there.
func naivePythonIngest(_ file: String) -> Double? {
    let script = FileManager.default.currentDirectoryPath + "/bench/naive_ingest.py"
    guard FileManager.default.fileExists(atPath: script) else { return nil }
    let out = NSTemporaryDirectory() + "tally-bench-python-\(getpid()).txt"
    defer { unlink(out) }
    guard spawn(["/usr/bin/env", "python3", script, file], stdout: out).status == 0,
          let text = try? String(contentsOfFile: out, encoding: .utf8) else { return nil }
    // "naive Python ingest (...): 75178 events/s  (...)"
    guard let range = text.range(of: "):") else { return nil }
    return Double(text[range.upperBound...].split(separator: " ").first ?? "")
}

func appendBenchmark() throws {
    let count = number("--events", 1000000)
    let singleCount = number("--single", 3000)
    let ids = idStyle()
    let batches = option("--batches", "10000,100").split(separator: ",", omittingEmptySubsequences: false).map { part in
        guard let n = Int(part), n >= 1 else { fail("tally-bench: --batches must be whole numbers ≥ 1, got \(part)") }
        return n
    }
    let dir = TempDirectory("bench")
    defer { dir.remove() }
    print("append benchmark: \(count) events, ids \(ids), SQLite \(sqliteVersion()), dir \(dir.path)")
    let lines = generate(count, ids: ids)
    let file = dir.file("events.ndjson")
    _ = FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
    let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
    print(String(format: "input: %.1f MiB NDJSON, %.0f bytes/event", Double(bytes) / 1_048_576, Double(bytes) / Double(count)))

    let syncs = fdatasyncRate(dir: dir.path)
    print(String(format: "fdatasync rate (4 KiB overwrite + fdatasync):  %10.0f /s", syncs))
    print(String(format: "fdatasync rate (13 x 4 KiB appended, as one single-event WAL commit writes): %.0f /s",
                 fdatasyncRate(dir: dir.path, pages: 13, append: true)))

    // Rounds: the batched appends, the bare insert and the naive Python ingest one after the
    // other, `--rounds` times. This machine's speed drifts by a third within minutes, so each
    // round's ratios compare figures taken close together, and the rounds show the spread.
    let rounds = max(1, number("--rounds", 1))
    var ratios: [String: [Double]] = [:]
    var ratioNames: [String] = []
    func keep(_ name: String, _ value: Double) {
        if ratios[name] == nil { ratioNames.append(name) }
        ratios[name, default: []].append(value)
    }
    for round in 1...rounds {
        if rounds > 1 { print("round \(round) of \(rounds):") }
        var results: [(String, Double)] = []
        for batch in batches {
            let path = dir.file("batch\(batch)-\(round).journal")
            let journal = try Journal.create(at: path)
            var summary = AppendSummary()
            let start = now()
            try AppendRunner(journal: journal, batchSize: batch).run(path: file, into: &summary)
            try journal.finishAppending() // the lookup tables' catch-up and checkpoint `tally append` ends with
            let seconds = now() - start
            precondition(summary.appended == count, "appended \(summary.appended) of \(count)")
            print("tally append, batch \(String(batch).padding(toLength: 6, withPad: " ", startingAt: 0)):          \(rate(count, seconds))")
            results.append(("batch \(batch)", Double(count) / seconds))
        }
        let bare = try BareInsertBaseline.run(lines: lines, path: dir.file("bare-\(round).db"), batchSize: 10_000, now: now)
        let bareRate = Double(count) / bare.insert
        let bareWithSKUsRate = Double(count) / (bare.insert + bare.orderSKUs)
        print("bare prepared INSERT, batch 10000, same indexes: \(rate(count, bare.insert))")
        print("  and order_skus filled by one SQL statement:    \(rate(count, bare.insert + bare.orderSKUs))  (order_skus \(String(format: "%.2f s", bare.orderSKUs)))")
        for (name, r) in results {
            let label = name.padding(toLength: 12, withPad: " ", startingAt: 0)
            print(String(format: "  tally append %@ / bare insert:            %9.0f%%", label, 100 * r / bareRate))
            print(String(format: "  tally append %@ / bare insert, order_skus:%9.0f%%", label, 100 * r / bareWithSKUsRate))
            keep("tally append \(label) / bare insert", 100 * r / bareRate)
            keep("tally append \(label) / bare insert, order_skus", 100 * r / bareWithSKUsRate)
        }
        // The naive Python ingest of the same file, in the same round.
        if let pythonRate = naivePythonIngest(file) {
            print("naive Python ingest (bench/naive_ingest.py):  \(String(format: "%9.0f events/s", pythonRate))")
            for (name, r) in results {
                let label = name.padding(toLength: 12, withPad: " ", startingAt: 0)
                print(String(format: "  tally append %@ / naive Python:           %9.0f%%", label, 100 * r / pythonRate))
                keep("tally append \(label) / naive Python", 100 * r / pythonRate)
            }
        }
        // Journals of later rounds are not read again (verify reads round 1's).
        if round > 1 {
            for batch in batches { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.file("batch\(batch)-\(round).journal") + suffix) } }
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.file("bare-\(round).db") + suffix) }
    }
    if rounds > 1 {
        print("over \(rounds) rounds (lowest-highest, each round's own ratio):")
        for name in ratioNames {
            let values = ratios[name] ?? []
            print(String(format: "  %@ %5.0f%% - %.0f%%", name.padding(toLength: 56, withPad: " ", startingAt: 0), values.min() ?? 0, values.max() ?? 0))
        }
    }
    // Batch 1 (one fsync per event) on the first `singleCount` lines: the full million would take hours.
    do {
        let path = dir.file("batch1.journal")
        let journal = try Journal.create(at: path)
        let subset = dir.file("subset.ndjson")
        _ = FileManager.default.createFile(atPath: subset, contents: Data((lines.prefix(singleCount).joined(separator: "\n") + "\n").utf8))
        var summary = AppendSummary()
        let pagesBefore = journal.pagesWritten
        let start = now()
        try AppendRunner(journal: journal, batchSize: 1).run(path: subset, into: &summary)
        let seconds = now() - start
        print("tally append, batch 1 (first \(singleCount)):   \(rate(singleCount, seconds))")
        print(String(format: "  pages written per single-event commit:        %9.1f", Double(journal.pagesWritten - pagesBefore) / Double(singleCount)))
        print(String(format: "  WAL file after the run: %.1f MiB", Double(journal.walBytes) / 1_048_576))
        print(String(format: "  single-event appends / fdatasync rate:       %9.0f%%", 100 * Double(singleCount) / seconds / syncs))
        let served = try serverSingleEventAppends(lines: lines.prefix(singleCount), path: dir.file("served.journal"))
        print("tally serve's commit path, one event at a time: \(rate(singleCount, served.seconds))")
        print(String(format: "  pages written per commit (index and chain):   %9.1f  (the lookup tables' catch-up each second included)", served.pagesPerCommit))
        print(String(format: "  single-event appends / fdatasync rate:       %9.0f%%", 100 * Double(singleCount) / served.seconds / syncs))
        // Webhooks arrive together: 32 clients at once, each event still acknowledged only
        // after its own durable commit (the server's writer commits what queued meanwhile).
        let together = try serverSingleEventAppends(lines: lines.prefix(singleCount), path: dir.file("served32.journal"), concurrency: 32)
        print("tally serve's commit path, 32 clients at once: \(rate(singleCount, together.seconds))")
        print(String(format: "  pages written per event:                      %9.1f", together.pagesPerCommit))
        print(String(format: "  single-event appends / fdatasync rate:       %9.0f%%", 100 * Double(singleCount) / together.seconds / syncs))
    }
    // Verify of the first batch size's journal.
    let journal = try Journal.open(at: dir.file("batch\(batches.first ?? 10_000)-1.journal"), readOnly: true)
    let start = now()
    let report = try journal.verify()
    precondition(report.isIntact)
    print("tally verify:                                 \(rate(Int(report.events), now() - start))")
    print(String(format: "peak RSS of this benchmark process: %.0f MiB (holds all %d lines in memory)", peakRSSMiB(), count))
}

func sqliteVersion() -> String { BenchSQLite.version }

enum BenchSQLite {
    static var version: String { TallyJournalVersion.sqlite }
}

/// Foundation's decoders against Tally's strict parser on the same lines.
func decodeBenchmark() throws {
    let count = number("--events", 200000)
    let lines = generate(count, ids: .sequential)
    let datas = lines.map { Data($0.utf8) }
    var start = now()
    var ok = 0
    for line in lines {
        var copy = line
        copy.withUTF8 { if case .success = EventDecoder.decode($0, input: "-", line: 1) { ok += 1 } }
    }
    print("Tally EventDecoder (parse + validate + canonical): \(rate(ok, now() - start))")
    start = now()
    ok = 0
    for data in datas where (try? JSONSerialization.jsonObject(with: data)) != nil { ok += 1 }
    print("Foundation JSONSerialization (parse only):         \(rate(ok, now() - start))")
    start = now()
    ok = 0
    let decoder = JSONDecoder()
    for data in datas where (try? decoder.decode(AnyJSON.self, from: data)) != nil { ok += 1 }
    print("Foundation JSONDecoder (parse only, to an enum):   \(rate(ok, now() - start))")
}

/// Any JSON value through Codable, the way a JSONDecoder-based ingest would read `data`.
enum AnyJSON: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([AnyJSON]), object([String: AnyJSON])
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }
}

/// Streams a synthetic history to a file (for memory measurements and other tools).
func generateCommand() {
    let count = number("--events", 1000000)
    let out = option("--out", "events.ndjson")
    let ids = idStyle()
    var history = SyntheticHistory(seed: UInt64(number("--seed", 2026)), skuCount: number("--skus", 100000), idStyle: ids)
    guard let file = fopen(out, "w") else { fail("tally-bench: cannot write \(out)") }
    var buffer = ""
    for i in 0..<count {
        buffer += history.next()
        buffer += "\n"
        if i % 10_000 == 9_999 { fputs(buffer, file); buffer = "" }
    }
    fputs(buffer, file)
    fclose(file)
    print("wrote \(count) events to \(out)")
}

let usage = "usage: tally-bench append [--events N] [--ids sequential|random] [--single N] [--batches N,N...] [--rounds N] | single [--events N] [--rounds N] | decode [--events N] | generate [--events N] [--out FILE] [--ids sequential|random] [--seed N] [--skus N] | reconcile [--events N] [--skus N] [--order-permille N] [--dir DIR] [--checkpointed] | lookup --journal J [--lookups N] [--cold N] [--commands N] [--slowest N] | ingest [--rows N] [--dir DIR] | archive [--events N] [--dir DIR] | checkpoints [--events N] [--padding N] [--skus N] [--order-permille N] [--dir DIR] | store --store S [--mode M]"

/// The options each benchmark reads (each takes a value) and its flags: anything else is a
/// mistake, said before any work starts (a misspelt option would otherwise run the defaults,
/// possibly for many minutes, and `generate --help` wrote a million events).
let knownOptions: [String: (options: Set<String>, flags: Set<String>)] = [
    "append": (["--events", "--ids", "--single", "--batches", "--rounds"], []),
    "single": (["--events", "--rounds"], []),
    "decode": (["--events"], []),
    "generate": (["--events", "--out", "--ids", "--seed", "--skus"], []),
    "reconcile": (["--events", "--skus", "--order-permille", "--dir"], ["--checkpointed"]),
    "lookup": (["--journal", "--lookups", "--cold", "--commands", "--slowest"], []),
    "ingest": (["--rows", "--dir"], []),
    "archive": (["--events", "--dir"], []),
    "checkpoints": (["--events", "--padding", "--skus", "--order-permille", "--dir"], []),
    "store": (["--store", "--mode"], []),
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func checkArguments() {
    let args = Array(CommandLine.arguments.dropFirst())
    if args.contains("--help") || args.contains("-h") { print(usage); exit(0) }
    guard let command = args.first, let known = knownOptions[command] else {
        fail(usage)
    }
    var i = 1
    while i < args.count {
        let arg = args[i]
        if known.flags.contains(arg) { i += 1; continue }
        guard known.options.contains(arg) else {
            fail("tally-bench \(command): unknown option \(arg)\n" + usage)
        }
        guard i + 1 < args.count else { fail("tally-bench \(command): \(arg) needs a value") }
        i += 2
    }
}

checkArguments()
switch CommandLine.arguments.dropFirst().first {
case "generate": generateCommand()
case "reconcile": try reconcileBenchmark()
case "append": try appendBenchmark()
case "single": try singleBenchmark()
case "decode": try decodeBenchmark()
case "lookup": try lookupBenchmark()
case "ingest": try ingestBenchmark()
case "archive": try archiveBenchmark()
case "checkpoints": try checkpointBenchmark()
case "store": try storeBenchmark()
default:
    fail(usage)
}
