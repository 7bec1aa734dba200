import Foundation
import TallyTestSupport

/// Writes a Shopify-style orders export of `--rows` line-item rows (1–4 line items per
/// order, most fulfilled, some cancelled or refunded) and times the real
/// `tally ingest orders` into a fresh journal, then again (everything already there).
func ingestBenchmark() throws {
    let rows = number("--rows", 1000000)
    let dir = option("--dir", "/tmp/ingest-bench")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let export = dir + "/orders_export.csv"
    var random = SeededRandom(seed: 7)
    if !FileManager.default.fileExists(atPath: export) {
        guard let file = fopen(export, "w") else { fail("tally-bench: cannot write \(export)") }
        fputs("Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Lineitem fulfillment status,Cancelled at,Refunded Amount,Vendor,Id,Lineitem discount,Location\n", file)
        var written = 0, order = 0
        var buffer = ""
        var seconds = 1_767_225_600 // 2026-01-01: every order in the past
        while written < rows {
            order += 1
            seconds += 1 + random.below(20)
            let lines = min(rows - written, 1 + random.below(4))
            let fulfilled = random.chance(80), cancelled = !fulfilled && random.chance(20)
            let refunded = fulfilled && random.chance(5) ? "5.00" : "0.00"
            let created = Date(timeIntervalSince1970: TimeInterval(seconds))
            let stamp = shopifyDate(created)
            let later = shopifyDate(created.addingTimeInterval(7200))
            var prices: [Int] = []
            for _ in 0..<lines { prices.append(500 + random.below(5000)) }
            let total = prices.reduce(0, +)
            for (i, cents) in prices.enumerated() {
                let first = i == 0
                buffer += "#\(order),\(first ? "c\(order % 50_000)@example.com" : ""),\(first ? "paid" : ""),,\(first ? (fulfilled ? "fulfilled" : "unfulfilled") : ""),\(first && fulfilled ? later : ""),\(first ? "USD" : ""),,,,\(first ? money(total) : ""),,\(first ? stamp : ""),\(1 + random.below(3)),Item,\(money(cents)),SKU-\(random.below(100_000)),\(fulfilled ? "fulfilled" : "pending"),\(first && cancelled ? later : ""),\(first ? refunded : ""),Acme,\(9_000_000 + order),0.00,main\n"
            }
            written += lines
            if buffer.utf8.count > 1 << 20 { fputs(buffer, file); buffer = "" }
        }
        fputs(buffer, file)
        fclose(file)
        print("wrote \(rows) rows (\(order) orders) to \(export)")
    }
    let journal = dir + "/ingest.journal"
    for suffix in ["", "-wal", "-shm"] { unlink(journal + suffix) }
    _ = spawnQuietly([tallyBinaryPath, "init", "--journal", journal])
    for run in ["first ingest (all new)", "second ingest (all already there)"] {
        let start = now()
        let status = spawnQuietly([tallyBinaryPath, "ingest", "orders", "--journal", journal, export])
        let seconds = now() - start
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        print(String(format: "tally ingest orders, %@: %.1f s wall, exit %d, peak RSS of any child so far %.0f MiB", run, seconds, status, Double(usage.ru_maxrss) / 1024))
    }
}

func money(_ cents: Int) -> String { "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)" }

let shopifyDateFormatter: DateFormatter = {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
    return f
}()

/// Shopify's export date format: "2026-11-20 10:15:00 +0000".
func shopifyDate(_ date: Date) -> String { shopifyDateFormatter.string(from: date) }
