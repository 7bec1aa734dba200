import Foundation
import TallyCore
import TallyStore

/// Reads a store and prints the time and the memory it holds: in full (`StoreSnapshot`,
/// what repair, drift's baseline and CSV stores use) and as reconcile reads an SQLite
/// store (`StoreFacts`, with the digest and without), each in its own process:
/// `tally-bench store --store S`.
func storeBenchmark() throws {
    let path = required("--store")
    switch option("--mode", "") {
    case "full": try readFull(path)
    case "facts": try readFacts(path, digest: true)
    case "facts-only": try readFacts(path, digest: false)
    default:
        // This executable's own path: `spawn` runs it under /usr/bin/time, for which
        // /proc/self/exe would name time itself.
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        for mode in ["full", "facts", "facts-only"] {
            fflush(nil)
            let r = spawn([me, "store", "--store", path, "--mode", mode], stdout: nil)
            if r.status != 0 { print("\(mode): exit \(r.status)") }
        }
    }
}

func readFacts(_ path: String, digest: Bool) throws {
    let before = currentRSSMiB()
    let start = now()
    let read = try StoreReader.readFacts(path, digest: digest)
    let seconds = now() - start
    let after = currentRSSMiB()
    print(String(format: "facts (reconcile's read, %@): %d orders, %d fulfillments in %.2f s; held %.0f MiB (%.0f bytes per order); peak RSS %.0f MiB; digest %@",
                 digest ? "with the digest" : "no digest", read.facts.orders.count, read.facts.fulfillments.count, seconds, after - before,
                 (after - before) * 1_048_576 / Double(max(1, read.facts.orders.count)), peakRSSMiB(), String(read.digest?.prefix(20) ?? "")))
}

func readFull(_ path: String) throws {
    let before = currentRSSMiB()
    let start = now()
    let store = try StoreReader.read(path)
    let seconds = now() - start
    let after = currentRSSMiB()
    let lines = store.orders.values.reduce(0) { $0 + $1.lines.count }
    print(String(format: "full read of %@: %d orders (%d lines), %d fulfillments, %d refunds, %d SKUs in %.2f s",
                 path, store.orders.count, lines, store.fulfillments.count, store.refunds.count, store.products.count, seconds))
    print(String(format: "  held: %.0f MiB (%.0f bytes per order, all tables); peak RSS %.0f MiB", after - before,
                 (after - before) * 1_048_576 / Double(max(1, store.orders.count)), peakRSSMiB()))
    let digestStart = now()
    let digest = StoreReader.digest(store)
    print(String(format: "  digest %@ in %.2f s", String(digest.prefix(20)), now() - digestStart))
}

/// The resident set now (VmRSS of /proc/self/status), in MiB.
func currentRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}
