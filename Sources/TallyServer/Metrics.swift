import Synchronization
import TallyCore
import TallyJournal

/// The server's metrics in the Prometheus text format (version 0.0.4).
///
/// Written here rather than with swift-prometheus: the set is small and fixed, two of the
/// gauges are read from the journal at scrape time, and one more package would be built
/// on every clean CI run. Labels are bounded: event types, platforms, topics that passed a
/// signature check, results and route patterns. Never an order id, SKU or email.
public final class Metrics: Sendable {
    /// Append latency buckets, in seconds (from a handler's submit to its durable commit).
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct State {
        var appendedByType: [String: Int] = [:]
        var rejected = 0
        var duplicates = 0
        var deliveries: [[String]: Int] = [:]
        var signatureFailures: [String: Int] = [:]
        var latencyCounts = [Int](repeating: 0, count: Metrics.latencyBuckets.count)
        var latencySum = 0.0
        var latencyCount = 0
        var commits = 0
        var requests: [[String]: Int] = [:]
        var headSeq: Int64 = 0
        var lastEventUsBySource: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    public init(headSeq: Int64, lastEventBySource: [String: Timestamp]) {
        state.withLock {
            $0.headSeq = headSeq
            $0.lastEventUsBySource = lastEventBySource.mapValues(\.microseconds)
        }
    }

    func committed(outcomes: [AppendOutcome], types: [EventType?], sources: [String?], recordedUs: Int64) {
        state.withLock { s in
            for (i, outcome) in outcomes.enumerated() {
                switch outcome {
                case .appended(let seq):
                    if let type = types[i] { s.appendedByType[type.rawValue, default: 0] += 1 }
                    if let source = sources[i] { s.lastEventUsBySource[source] = recordedUs }
                    s.headSeq = max(s.headSeq, seq.rawValue)
                case .duplicate: s.duplicates += 1
                case .rejected: s.rejected += 1
                }
            }
        }
    }

    func commitFinished() { state.withLock { $0.commits += 1 } }

    func appendLatency(seconds: Double) {
        state.withLock { s in
            if let i = Metrics.latencyBuckets.firstIndex(where: { seconds <= $0 }) { s.latencyCounts[i] += 1 }
            s.latencySum += seconds
            s.latencyCount += 1
        }
    }

    func delivery(source: String, topic: String, result: String) {
        state.withLock { $0.deliveries[[source, topic, result], default: 0] += 1 }
    }

    func signatureFailure(source: String) { state.withLock { $0.signatureFailures[source, default: 0] += 1 } }

    func request(route: String, status: Int) { state.withLock { $0.requests[[route, String(status)], default: 0] += 1 } }

    /// The exposition text at `now`.
    public func render(now: Timestamp) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            let l = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Metrics.escape($0.1))\"" }.joined(separator: ",") + "}"
            out += "\(name)\(l) \(value)\n"
        }
        family("tally_events_appended_total", "counter", "Events appended to the journal through the server, by type.")
        for type in EventType.allCases { sample("tally_events_appended_total", [("type", type.rawValue)], String(s.appendedByType[type.rawValue] ?? 0)) }
        family("tally_events_duplicate_total", "counter", "Events received again with the same id and content (not appended again).")
        sample("tally_events_duplicate_total", [], String(s.duplicates))
        family("tally_events_rejected_total", "counter", "Events rejected and kept in the quarantine.")
        sample("tally_events_rejected_total", [], String(s.rejected))
        family("tally_webhook_deliveries_total", "counter", "Webhook deliveries that passed their signature check, by platform, topic and result.")
        for (key, value) in s.deliveries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            sample("tally_webhook_deliveries_total", [("source", key[0]), ("topic", key[1]), ("result", key[2])], String(value))
        }
        family("tally_webhook_signature_failures_total", "counter", "Webhook deliveries refused for a missing or wrong signature.")
        for source in ["shopify", "woocommerce"] {
            sample("tally_webhook_signature_failures_total", [("source", source)], String(s.signatureFailures[source] ?? 0))
        }
        family("tally_append_duration_seconds", "histogram", "Time from a request's hand-over to the writer until its events are durable.")
        var cumulative = 0
        for (i, bound) in Metrics.latencyBuckets.enumerated() {
            cumulative += s.latencyCounts[i]
            sample("tally_append_duration_seconds_bucket", [("le", Metrics.number(bound))], String(cumulative))
        }
        sample("tally_append_duration_seconds_bucket", [("le", "+Inf")], String(s.latencyCount))
        sample("tally_append_duration_seconds_sum", [], Metrics.number(s.latencySum))
        sample("tally_append_duration_seconds_count", [], String(s.latencyCount))
        family("tally_journal_commits_total", "counter", "Journal transactions made by the writer (one fsync each).")
        sample("tally_journal_commits_total", [], String(s.commits))
        family("tally_journal_head_seq", "gauge", "The journal's last seq.")
        sample("tally_journal_head_seq", [], String(s.headSeq))
        family("tally_source_last_event_age_seconds", "gauge", "Seconds since the last event from each source was recorded.")
        for (source, us) in s.lastEventUsBySource.sorted(by: { $0.key < $1.key }) {
            sample("tally_source_last_event_age_seconds", [("source", source)], Metrics.number(Double(now.microseconds - us) / 1e6))
        }
        family("tally_http_requests_total", "counter", "HTTP requests by route pattern and status.")
        for (key, value) in s.requests.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            sample("tally_http_requests_total", [("route", key[0]), ("status", key[1])], String(value))
        }
        return out
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
