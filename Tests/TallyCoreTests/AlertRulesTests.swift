import Testing
import TallyCore

@Suite("Alert rules and the config file (issue 4)")
struct AlertRulesTests {
    let config: TallyConfig = {
        try! TallyConfig.parse("""
        # a healthy shop
        [journal]
        quiet_limit = "6h"
        [sources.webshop]
        quiet_limit = "2h"
        [jobs.nightly]
        schedule = "daily"
        grace = "2h"
        """)
    }()

    let start = Timestamp.parse("2026-10-01T00:00:00Z")!.microseconds
    func at(_ hours: Int64) -> Timestamp { Timestamp(microseconds: start + hours * 3_600_000_000) }

    /// 30 days: a nightly backup at 02:00 taking 10–12 minutes, the webshop sending events every hour.
    func history(days: Int = 30, skipDay: Int? = nil, failDay: Int? = nil, slowDay: Int? = nil) -> [JobRun] {
        (0..<days).compactMap { day -> JobRun? in
            guard day != skipDay else { return nil }
            let begin = at(Int64(day) * 24 + 2)
            let minutes: Int64 = day == slowDay ? 40 : 10 + Int64(day % 3)
            return JobRun(name: "nightly", started: begin, ended: Timestamp(microseconds: begin.microseconds + minutes * 60_000_000),
                          exitStatus: day == failDay ? 1 : 0, outputBytes: 1_000_000)
        }
    }

    /// Evaluates every hour of the 30 days, as a cron would, and collects distinct alerts.
    func simulate(runs all: [JobRun], silentFrom: Int64? = nil, broken: Bool = false) -> [Alert] {
        var seen: [Alert] = []
        for hour in Int64(3)..<(30 * 24) {
            let now = at(hour)
            let runs = ["nightly": Array(all.filter { $0.ended <= now }.suffix(21))]
            let lastEvent = silentFrom.map { min(hour, $0) } ?? hour
            let alerts = AlertRules.evaluate(config: config, runs: runs, sources: ["webshop": at(lastEvent)],
                                             journalProblem: broken && hour == 100 ? "seq 9 does not match its hash" : nil, now: now)
            for a in alerts where !seen.contains(where: { $0.kind == a.kind && $0.subject == a.subject }) { seen.append(a) }
        }
        return seen
    }

    @Test("a healthy 30 days raises nothing")
    func healthy() {
        #expect(simulate(runs: history()).isEmpty)
    }

    @Test("each injected failure raises exactly one alert of its kind", arguments: ["failed", "slow", "missed", "silent", "broken"])
    func injected(_ what: String) {
        let alerts: [Alert]
        switch what {
        case "failed": alerts = simulate(runs: history(failDay: 12))
        case "slow": alerts = simulate(runs: history(slowDay: 20))
        case "missed": alerts = simulate(runs: history(skipDay: 7))
        case "silent": alerts = simulate(runs: history(), silentFrom: 400)
        default: alerts = simulate(runs: history(), broken: true)
        }
        let expected: Alert.Kind = ["failed": .failedRun, "slow": .slowRun, "missed": .missedRun, "silent": .silentSource][what] ?? .journalBroken
        #expect(alerts.map(\.kind) == [expected], "\(alerts)")
    }

    @Test("a failed run is not also a missed run until the schedule and grace have passed")
    func failedThenMissed() {
        let runs = history(days: 2, failDay: 1)
        let now = at(24 + 5)
        let alerts = AlertRules.evaluate(config: config, runs: ["nightly": runs], sources: [:], journalProblem: nil, now: now)
        #expect(alerts.map(\.kind) == [.failedRun])
    }

    @Test("the config: defaults for missing keys, clear errors naming line and key")
    func configFile() throws {
        let empty = try TallyConfig.parse("")
        #expect(empty.quietLimitSeconds == 21_600 && empty.systems["orders"]?.rpoSeconds == 86_400 && empty.jobs.isEmpty)
        let some = try TallyConfig.parse("[systems.orders]\nrpo = \"15m\"\nrto = \"1h\"\n[jobs.db]\nslow_after = \"30m\"\n")
        #expect(some.systems["orders"]?.rpoSeconds == 900 && some.systems["orders"]?.rtoSeconds == 3_600)
        #expect(some.jobs["db"]?.intervalSeconds == 86_400 && some.jobs["db"]?.slowAfterSeconds == 1_800)
        let cases: [(String, String)] = [
            ("[jobs.db]\nschedule = \"often\"\n", "tally.toml:2: schedule must be a duration"),
            ("[systems.payments]\n", "tally.toml:1: unknown system payments"),
            ("[jobs.db]\ncolour = \"red\"\n", "tally.toml:2: unknown key colour in [jobs.db]"),
            ("[jobs]\n", "tally.toml:1: [jobs] needs a name"),
            ("[journal]\nquiet_limit\n", "tally.toml:2: expected key = value"),
            ("[backups.x]\n", "tally.toml:1: unknown table [backups.x]"),
        ]
        for (text, message) in cases {
            #expect(throws: ConfigError.self) { try TallyConfig.parse(text) }
            do { _ = try TallyConfig.parse(text) } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
        }
    }
}
