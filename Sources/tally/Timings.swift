#if canImport(Glibc)
import Glibc
#endif

/// Phase timings and the peak RSS so far on stderr when `TALLY_TIMINGS=1` (for profiling; off by default).
enum Timings {
    static let enabled = getenv("TALLY_TIMINGS").map { String(cString: $0) == "1" } ?? false

    static func measure<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard enabled else { return try body() }
        var start = timespec(), end = timespec(), threadStart = timespec(), threadEnd = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &threadStart)
        let result = try body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &threadEnd)
        func ms(_ a: timespec, _ b: timespec) -> Double { Double(b.tv_sec - a.tv_sec) * 1000 + Double(b.tv_nsec - a.tv_nsec) / 1e6 }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        // The calling thread's CPU in the phase: below the wall time, it waited (for input, the disk, other threads).
        Output.error("timing: \(name) " + String(Int(ms(start, end) * 1000)) + " µs, this thread's CPU "
                     + String(Int(ms(threadStart, threadEnd) * 1000)) + " µs (peak RSS so far \(usage.ru_maxrss / 1024) MiB)")
        return result
    }
}
