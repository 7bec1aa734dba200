import Foundation
import TallyCore
import TallyTestSupport
import TallyJournal
import TallySQLite

/// Random order lookups on an existing journal (e.g. the 10M-event one `reconcile --dir`
/// builds): in-process latency warm, then after evicting the journal from the page
/// cache, then the whole `tally lookup --format json` command.
func lookupBenchmark() throws {
    let path = required("--journal")
    let lookups = number("--lookups", 10000)
    let coldLookups = number("--cold", 200)
    let commands = number("--commands", 100)
    let journal = try Journal.open(at: path, readOnly: true)
    let stats = try journal.stats()
    print("lookup benchmark: \(stats.events) events in \(path)")

    // Random orders: the order_id of random seqs until there are enough, within a bound on
    // the tries (a journal where few events name an order, e.g. only its catalog, looped
    // forever); then the orders there are, in seq order, repeated.
    let connection = try Connection(path: path, mode: .readOnly)
    let orderAt = try connection.prepare("SELECT order_id FROM events WHERE seq = ? AND order_id IS NOT NULL")
    var random = SeededRandom(seed: 99)
    var orders: [String] = []
    var tries = 0
    while orders.count < lookups && tries < lookups * 50 && stats.lastSeq > 0 {
        tries += 1
        orderAt.reset()
        orderAt.bind(Int64(random.below(Int(stats.lastSeq))) + 1, at: 1)
        if try orderAt.step() { orders.append(orderAt.text(0)) }
    }
    if orders.count < lookups {
        let first = try connection.prepare("SELECT order_id FROM events WHERE order_id IS NOT NULL ORDER BY seq LIMIT ?")
        first.bind(Int64(lookups), at: 1)
        var found: [String] = []
        while try first.step() { found.append(first.text(0)) }
        guard !found.isEmpty else { fail("tally-bench: \(path) has no events that name an order: nothing to look up") }
        while orders.count < lookups { orders.append(found[orders.count % found.count]) }
    }

    func percentiles(_ samples: [Double]) -> String {
        guard !samples.isEmpty else { return "none measured" }
        let sorted = samples.sorted()
        func at(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        return String(format: "p50 %.3f ms  p99 %.3f ms  max %.3f ms", at(0.5), at(0.99), sorted.last! * 1000)
    }

    // Warm: one pass to load the pages, then the measured pass.
    for id in orders.prefix(1000) { _ = try journal.orderHistory(OrderID(id)) }
    var total: [Double] = [], integrity: [Double] = [], timelineSizes = 0, rehashed = 0
    for id in orders {
        let start = now()
        let result = try journal.orderHistory(OrderID(id))
        total.append(now() - start)
        guard case .found(let history) = result else { continue }
        let seqs = history.timeline.map(\.seq.rawValue) + history.pricesAtOrder.compactMap { $0.listSeq?.rawValue }
        let checkStart = now()
        let report = try journal.checkIntegrity(seqs: seqs)
        integrity.append(now() - checkStart)
        precondition(report.verified, "the bench journal fails its tamper check")
        timelineSizes += history.timeline.count
        rehashed += report.rowsRehashed
    }
    print("warm, \(orders.count) random orders (\(String(format: "%.1f", Double(timelineSizes) / Double(orders.count))) timeline events, \(rehashed / orders.count) rows rehashed each):")
    print("  lookup with integrity:   " + percentiles(total))
    print("  of which integrity:      " + percentiles(integrity))
    print("  lookup minus integrity:  " + percentiles(zip(total, integrity).map { $0 - $1 }))
    if option("--slowest", "0") != "0" {
        for (i, t) in total.enumerated().sorted(by: { $0.1 > $1.1 }).prefix(8) {
            print(String(format: "  slow: order %@ %.3f ms", orders[i], t * 1000))
        }
    }

    // Cold: evict the journal's pages from the OS cache and open a new connection each time.
    var cold: [Double] = []
    for id in orders.suffix(coldLookups) {
        evictFromPageCache(path)
        let start = now()
        let fresh = try Journal.open(at: path, readOnly: true)
        _ = try fresh.orderHistory(OrderID(id))
        cold.append(now() - start)
    }
    print("cold (page cache evicted with posix_fadvise, new connection), \(cold.count) lookups: " + percentiles(cold))

    // The whole command, as a script runs it, warm again (the cold phase evicted the file).
    for id in orders.prefix(commands) { _ = try journal.orderHistory(OrderID(id)) }
    var wall: [Double] = []
    for id in orders.prefix(commands) {
        let start = now()
        let status = spawnQuietly([tallyBinaryPath, "lookup", "--journal", path, "--order", id, "--format", "json"])
        wall.append(now() - start)
        precondition(status == 0, "tally lookup exited \(status)")
    }
    print("tally lookup --order ID --format json, \(wall.count) runs (wall): " + percentiles(wall))
}

/// Runs a program with standard output to /dev/null and returns its exit status
/// (posix_spawn: Foundation's Process adds tens of milliseconds of its own).
func spawnQuietly(_ argv: [String]) -> Int32 { spawn(argv).status }

/// Runs `argv` with standard output to `stdout` (a file path; /dev/null by default; nil:
/// this process's own) and returns its exit status, wall seconds and peak RSS (MiB).
///
/// The peak is GNU time's (`/usr/bin/time -f %M`) when it is installed: a child started by
/// posix_spawn reports at least this process's own peak in wait4's ru_maxrss (Linux carries
/// the parent's high-water mark into a vfork child's exec), and the benchmarks hold large
/// inputs and reports. GNU time forks its child, whose mark starts from time's own size.
func spawn(_ argv: [String], stdout: String? = "/dev/null") -> (status: Int32, seconds: Double, peakMiB: Double) {
    let timeFile = NSTemporaryDirectory() + "tally-bench-\(getpid()).time"
    guard access("/usr/bin/time", X_OK) == 0 else { return spawnMeasuredByWait4(argv, stdout: stdout) }
    unlink(timeFile)
    let r = spawnMeasuredByWait4(["/usr/bin/time", "-f", "%M", "-o", timeFile] + argv, stdout: stdout)
    let kib = (try? String(contentsOfFile: timeFile, encoding: .utf8))?.split(separator: "\n").last.flatMap { Double($0) }
    unlink(timeFile)
    return (r.status, r.seconds, kib.map { $0 / 1024 } ?? r.peakMiB)
}

private func spawnMeasuredByWait4(_ argv: [String], stdout: String?) -> (status: Int32, seconds: Double, peakMiB: Double) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var pid: pid_t = 0
    let start = now()
    guard posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 else { return (-1, 0, 0) }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    return ((status >> 8) & 0xff, now() - start, Double(usage.ru_maxrss) / 1024)
}

/// Drops a file's clean pages from the OS page cache (no root needed).
func evictFromPageCache(_ path: String) {
    for file in [path, path + "-wal"] {
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { continue }
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        close(fd)
    }
}
