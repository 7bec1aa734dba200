#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TallyCore

/// Where the journal's `recorded_at` comes from; tests inject a fixed clock.
public protocol JournalClock: Sendable {
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: JournalClock {
    public init() {}
    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}

/// A clock that returns a set instant (tests, reproducible demos).
public struct FixedClock: JournalClock {
    public let instant: Timestamp
    public init(_ instant: Timestamp) { self.instant = instant }
    public func now() -> Timestamp { instant }
}
