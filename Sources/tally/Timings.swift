#if canImport(Glibc)
import Glibc
#endif

/// Phase timings and the peak RSS so far on stderr when `TALLY_TIMINGS=1` (for profiling; off by default).
enum Timings {
    static let enabled = getenv("TALLY_TIMINGS").map { String(cString: $0) == "1" } ?? false

    static func measure<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard enabled else { return try body() }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let result = try body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let ms = Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        Output.error("timing: \(name) " + String(Int(ms * 1000)) + " µs (peak RSS so far \(usage.ru_maxrss / 1024) MiB)")
        return result
    }
}
