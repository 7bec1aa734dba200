/// Tally's configuration file (`tally.toml`): recovery targets per system, backup jobs
/// and their schedules, and how long a source may stay quiet. Every key has a default.
///
/// The file is a small TOML subset: `[table]` and `[table.name]` headers, `key = value`
/// with a quoted string, an integer or true/false, and `#` comments.
public struct TallyConfig: Sendable, Equatable {
    public struct Job: Sendable, Equatable {
        public var name: String
        /// Seconds between runs (`schedule = "daily"`, `"hourly"`, `"6h"`): default a day.
        public var intervalSeconds: Int64 = 86_400
        /// Extra time before a missing run is an alert: default an hour.
        public var graceSeconds: Int64 = 3_600
        /// A run longer than this is slow (nil: only the 2×-median rule applies).
        public var slowAfterSeconds: Int64?
    }

    public struct System: Sendable, Equatable {
        public var name: String
        public var rpoSeconds: Int64
        public var rtoSeconds: Int64
    }

    public static let systemNames = ["orders", "products", "inventory", "discounts", "content", "settings"]

    /// How long any source may be quiet (default 6 hours); `[sources.NAME] quiet_limit` per source.
    public var quietLimitSeconds: Int64 = 21_600
    public var sourceQuietLimits: [String: Int64] = [:]
    public var jobs: [String: Job] = [:]
    /// The lowest severity that makes a restore drill NO-GO (`[drills] fail_on`, default critical).
    public var drillFailOn: Severity? = .critical
    public var systems: [String: System] = Dictionary(uniqueKeysWithValues: TallyConfig.systemNames.map {
        ($0, System(name: $0, rpoSeconds: 86_400, rtoSeconds: 14_400))
    })

    public init() {}

    public func quietLimit(for source: String) -> Int64 { sourceQuietLimits[source] ?? quietLimitSeconds }

    /// Parses the file's text; errors name the line and the key.
    public static func parse(_ text: String, name: String = "tally.toml") throws(ConfigError) -> TallyConfig {
        var config = TallyConfig()
        var section: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("\"") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty { continue }
            func fail(_ message: String) -> ConfigError { ConfigError(message: "\(name):\(lineNumber): \(message)") }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw fail("a table header must end with ]") }
                section = trimmed.dropFirst().dropLast().split(separator: ".").map { $0.trimmingCharacters(in: " \t") }
                guard let table = section.first, ["journal", "drills", "sources", "jobs", "systems"].contains(table) else {
                    throw fail("unknown table [\(section.joined(separator: "."))]: the tables are journal, drills, sources.NAME, jobs.NAME, systems.NAME")
                }
                if table != "journal" && table != "drills" && section.count != 2 { throw fail("[\(table)] needs a name: [\(table).NAME]") }
                if table == "systems" && !systemNames.contains(section[1]) {
                    throw fail("unknown system \(section[1]): the systems are \(systemNames.joined(separator: ", "))")
                }
                if table == "jobs", config.jobs[section[1]] == nil { config.jobs[section[1]] = Job(name: section[1]) }
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = trimmed[..<eq].trimmingCharacters(in: " \t")
            let valueText = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: " \t")
            let value: String
            if valueText.hasPrefix("\"") {
                guard valueText.count >= 2, valueText.hasSuffix("\"") else { throw fail("\(key): a string must be quoted on both sides") }
                value = String(valueText.dropFirst().dropLast())
            } else {
                value = valueText
            }
            func duration() throws(ConfigError) -> Int64 {
                guard let seconds = parseDuration(value) else { throw fail("\(key) must be a duration such as \"15m\", \"6h\" or \"1d\", got \(valueText)") }
                return seconds
            }
            switch (section.first, key) {
            case ("journal"?, "quiet_limit"): config.quietLimitSeconds = try duration()
            case ("drills"?, "fail_on"):
                guard value == "none" || Severity(rawValue: value) != nil else { throw fail("fail_on must be critical, high, warning or none, got \(valueText)") }
                config.drillFailOn = Severity(rawValue: value)
            case ("sources"?, "quiet_limit"): config.sourceQuietLimits[section[1]] = try duration()
            case ("jobs"?, "schedule"):
                switch value {
                case "hourly": config.jobs[section[1]]!.intervalSeconds = 3_600
                case "daily": config.jobs[section[1]]!.intervalSeconds = 86_400
                case "weekly": config.jobs[section[1]]!.intervalSeconds = 604_800
                default: config.jobs[section[1]]!.intervalSeconds = try duration()
                }
            case ("jobs"?, "grace"): config.jobs[section[1]]!.graceSeconds = try duration()
            case ("jobs"?, "slow_after"): config.jobs[section[1]]!.slowAfterSeconds = try duration()
            case ("systems"?, "rpo"): config.systems[section[1]]!.rpoSeconds = try duration()
            case ("systems"?, "rto"): config.systems[section[1]]!.rtoSeconds = try duration()
            default:
                throw fail("unknown key \(key) in [\(section.joined(separator: "."))] (see the README's configuration section)")
            }
        }
        return config
    }

    /// "90s", "15m", "6h", "1d", or "0".
    public static func parseDuration(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        guard let unit = text.last, let n = Int64(text.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3_600
        case "d": return n * 86_400
        default: return nil
        }
    }
}

public struct ConfigError: Error, Sendable, Equatable {
    public let message: String
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String { Substring(self).trimmingCharacters(in: set) }
}
