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

    /// A bearer token for `tally serve` (`[tokens.NAME] token = "..."`, `access = "read"` or `"write"`).
    public struct APIToken: Sendable, Equatable {
        public var name: String
        public var token: String
        public var canWrite: Bool
        public init(name: String, token: String, canWrite: Bool) { self.name = name; self.token = token; self.canWrite = canWrite }
    }

    /// A webhook platform (`[shopify]`, `[woocommerce]`): its signing secrets (several during a
    /// rotation), the location for orders that name none, and the shop's currency.
    public struct WebhookPlatform: Sendable, Equatable {
        public var secrets: [String] = []
        public var defaultLocation: String?
        public var currency: String?
        public init() {}
        /// What the payload mapping needs of it.
        public var captureSettings: CaptureSettings { CaptureSettings(defaultLocation: defaultLocation, currency: currency) }
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

    /// `tally serve`: the largest request body accepted (`[server] max_body_bytes`, default 4 MiB).
    public var maxBodyBytes = 4 * 1024 * 1024
    public var tokens: [String: APIToken] = [:]
    /// Commands that append write a checkpoint every this many events (`[checkpoints] every`; 0: never).
    public var checkpointEvery: Int64 = 1_000_000
    /// `tally append` writes a due checkpoint only when its replay is estimated to hold at
    /// most this many MiB (`[checkpoints] append_memory_mb`): the replay's memory follows the
    /// store's state, while an append streams in about 135 MB whatever its input.
    public var checkpointAppendMemoryMiB: Int64 = 100
    /// `tally prune`: how long events stay live (`[retention] keep`, e.g. "400d"; nil: no
    /// policy, so prune needs --before) and the archive folder (`[retention] archives`).
    public var retentionKeepSeconds: Int64?
    public var retentionArchives: String?
    public var shopify = WebhookPlatform()
    public var woocommerce = WebhookPlatform()

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
                guard let table = section.first, ["journal", "drills", "sources", "jobs", "systems", "server", "tokens", "shopify", "woocommerce", "checkpoints", "retention"].contains(table) else {
                    throw fail("unknown table [\(section.joined(separator: "."))]: the tables are journal, drills, sources.NAME, jobs.NAME, systems.NAME, server, tokens.NAME, shopify, woocommerce, checkpoints, retention")
                }
                let named = ["sources", "jobs", "systems", "tokens"].contains(table)
                if named && section.count != 2 { throw fail("[\(table)] needs a name: [\(table).NAME]") }
                if !named && section.count != 1 { throw fail("[\(table)] takes no name") }
                if table == "tokens", config.tokens[section[1]] == nil {
                    config.tokens[section[1]] = APIToken(name: section[1], token: "", canWrite: false)
                }
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
            var list: [String] = []
            if valueText.hasPrefix("[") {
                guard valueText.hasSuffix("]") else { throw fail("\(key): an array must end with ]") }
                for item in valueText.dropFirst().dropLast().split(separator: ",") {
                    let t = item.trimmingCharacters(in: " \t")
                    guard t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") else { throw fail("\(key): an array holds quoted strings, got \(t)") }
                    list.append(String(t.dropFirst().dropLast()))
                }
                value = valueText
            } else if valueText.hasPrefix("\"") {
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
            case ("checkpoints"?, "every"):
                guard let n = Int64(value), n >= 0 else { throw fail("every must be a number of events (0: no automatic checkpoints), got \(valueText)") }
                config.checkpointEvery = n
            case ("checkpoints"?, "append_memory_mb"):
                guard let n = Int64(value), n >= 0, n <= 1 << 40 else { throw fail("append_memory_mb must be a number of MiB (0: append never writes one), got \(valueText)") }
                config.checkpointAppendMemoryMiB = n
            case ("retention"?, "keep"):
                guard let seconds = parseDuration(value), seconds >= 86_400 else { throw fail("keep must be a duration of at least a day, such as \"400d\", got \(valueText)") }
                config.retentionKeepSeconds = seconds
            case ("retention"?, "archives"):
                guard !value.isEmpty else { throw fail("archives must be a folder") }
                config.retentionArchives = value
            case ("server"?, "max_body_bytes"):
                guard let n = Int(value), n >= 1024 else { throw fail("max_body_bytes must be an integer ≥ 1024, got \(valueText)") }
                config.maxBodyBytes = n
            case ("tokens"?, "token"):
                guard value.count >= 16 else { throw fail("token must be at least 16 characters") }
                config.tokens[section[1]]!.token = value
            case ("tokens"?, "access"):
                guard value == "read" || value == "write" else { throw fail("access must be \"read\" or \"write\", got \(valueText)") }
                config.tokens[section[1]]!.canWrite = value == "write"
            case ("shopify"?, "secrets"), ("woocommerce"?, "secrets"):
                guard valueText.hasPrefix("["), !list.isEmpty, !list.contains(where: \.isEmpty) else {
                    throw fail("secrets must be an array of non-empty strings, such as [\"new\", \"old\"]")
                }
                if section.first == "shopify" { config.shopify.secrets = list } else { config.woocommerce.secrets = list }
            case ("shopify"?, "default_location"), ("woocommerce"?, "default_location"):
                if section.first == "shopify" { config.shopify.defaultLocation = value } else { config.woocommerce.defaultLocation = value }
            case ("shopify"?, "currency"), ("woocommerce"?, "currency"):
                guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isUppercase }) else { throw fail("currency must be an ISO 4217 code such as USD, got \(valueText)") }
                if section.first == "shopify" { config.shopify.currency = value } else { config.woocommerce.currency = value }
            default:
                throw fail("unknown key \(key) in [\(section.joined(separator: "."))] (see the README's configuration section)")
            }
        }
        for token in config.tokens.values where token.token.isEmpty {
            throw ConfigError(message: "\(name): [tokens.\(token.name)] has no token")
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
    public init(message: String) { self.message = message }
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
