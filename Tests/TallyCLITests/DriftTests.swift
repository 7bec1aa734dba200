import Foundation
import Testing
import TallyTestSupport

@Suite("tally drift (issue 4)")
struct DriftTests {
    let dir = TempDirectory("drift")

    func demo() throws -> (journal: String, store: String) {
        _ = try runTally(["demo"], directory: dir.path)
        return (dir.file("tally-demo/tally.journal"), dir.file("tally-demo/store.db"))
    }

    @Test("drift is ranked by money at stake; the day's activity is counted; each run joins the trend unless --no-record")
    func rankingAndTrend() throws {
        let (journal, store) = try demo()
        let run = try runTally(["drift", "--journal", journal, "--store", store, "--day", "2026-11-19", "--settle", "0", "--format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        let report = try #require(parseJSONObject(run.stdout))
        let ranked = try #require(report["at_stake"] as? [[String: Any]])
        let amounts = ranked.compactMap { $0["amount"] as? Int }
        #expect(amounts == amounts.sorted(by: >) && amounts.first == 11997, "\(amounts)")
        #expect(ranked.first?["kind"] as? String == "order_status_drift")
        let activity = try #require(report["activity"] as? [String: Any])
        #expect(activity["orders"] as? Int == 5 && activity["units_sold"] as? Int == 11 && activity["refunds"] as? Int == 1)
        #expect((activity["events_by_hour"] as? [Int])?.reduce(0, +) == 15)
        #expect((report["trend"] as? [Any])?.count == 1)
        _ = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json"])
        let third = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json", "--no-record"])
        #expect((parseJSONObject(third.stdout)?["trend"] as? [Any])?.count == 2)
        dir.remove()
    }

    @Test("events younger than the settling window are left out of truth: no false alarm for an order still in flight")
    func settle() throws {
        let journal = dir.file("s.journal")
        _ = try runTally(["init", "--journal", journal])
        let store = dir.file("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        _ = dir.write("sku,price,currency\nA,100,USD\n", to: "store/products.csv")
        let events = """
        {"id":"p1","type":"price.changed","occurred_at":"2026-11-27T08:00:00Z","data":{"sku":"A","price":100,"currency":"USD"}}
        {"id":"o1","type":"order.placed","occurred_at":"2026-11-27T11:55:00Z","data":{"order_id":"9","location":"main","currency":"USD","lines":[{"line_id":"1","sku":"A","qty":1,"unit_price":100}],"total":100}}

        """
        _ = try runTally(["append", "--journal", journal, "-"], stdin: events)
        let clock = ["TALLY_CLOCK": "2026-11-27T12:00:00Z"]
        let settled = try runTally(["drift", "--journal", journal, "--store", store, "--format", "json"], environment: clock)
        #expect(settled.status == 0, "\(settled.stdout)")
        #expect((parseJSONObject(settled.stdout)?["findings"] as? [Any])?.isEmpty == true)
        #expect(parseJSONObject(settled.stdout)?["as_of"] as? String == "2026-11-27T11:45:00Z")
        let unsettled = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "json"], environment: clock)
        #expect(unsettled.status == 1)
        #expect(unsettled.stdout.contains("lost_order"))
        let activity = parseJSONObject(unsettled.stdout)?["activity"] as? [String: Any]
        #expect(activity?["orders"] as? Int == 1)
        dir.remove()
    }

    @Test("text, Markdown and self-contained HTML with both charts; bad flags exit 2")
    func formats() throws {
        let (journal, store) = try demo()
        let html = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "html", "--fail-on", "none"])
        #expect(html.status == 0)
        #expect(html.stdout.contains("<svg") && html.stdout.contains("Drift by kind") && html.stdout.contains("Events per hour"))
        #expect(!html.stdout.contains("http://") || html.stdout.components(separatedBy: "http://").count - 1 == html.stdout.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        let md = try runTally(["drift", "--journal", journal, "--store", store, "--settle", "0", "--format", "markdown", "--fail-on", "none"])
        #expect(md.stdout.contains("## Drift ranked by money at stake"))
        #expect(try runTally(["drift", "--journal", journal, "--store", store, "--settle", "soon"]).status == 2)
        #expect(try runTally(["drift", "--journal", journal, "--store", store, "--day", "yesterday"]).status == 2)
        #expect(try runTally(["drift", "--journal", journal, "--store", dir.file("nope.db")]).status == 2)
        dir.remove()
    }
}

@Suite("tally job and tally alerts (issue 4)")
struct JobAlertTests {
    let dir = TempDirectory("jobs")

    @Test("job run streams the command's output, records the run and exits with its status; alerts list what failed")
    func runAndAlert() throws {
        let journal = dir.file("j.journal")
        _ = try runTally(["init", "--journal", journal])
        let ok = try runTally(["job", "run", "--journal", journal, "--name", "nightly", "--", "sh", "-c", "echo dumped 3 tables"])
        #expect(ok.status == 0 && ok.stdout == "dumped 3 tables\n" && ok.stderr.contains("16 bytes of output"), "\(ok.stdout) \(ok.stderr)")
        _ = dir.write("[jobs.nightly]\nschedule = \"daily\"\n", to: "tally.toml")
        let clean = try runTally(["alerts", "--journal", journal, "--config", dir.file("tally.toml")])
        #expect(clean.status == 0 && clean.stdout == "no open alerts\n", "\(clean.stdout)")
        let failed = try runTally(["job", "run", "--journal", journal, "--name", "nightly", "--", "sh", "-c", "exit 4"])
        #expect(failed.status == 4)
        let alerts = try runTally(["alerts", "--journal", journal, "--config", dir.file("tally.toml"), "--format", "json"])
        #expect(alerts.status == 1)
        let list = try #require(parseJSONObject(alerts.stdout)?["alerts"] as? [[String: Any]])
        #expect(list.map { $0["kind"] as? String } == ["failed_run"])
        #expect(try runTally(["job", "run", "--journal", journal, "--name", "x", "--", "/no/such/backup"]).status == 127)
        dir.remove()
    }

    @Test("job record, a missed run from the schedule, a silent source and a broken journal; bad config exits 2")
    func recordAndMissed() throws {
        let journal = dir.file("j.journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["append", "--journal", journal, fixturesPath + "/events/valid.ndjson"], environment: ["TALLY_CLOCK": "2026-11-25T00:00:00Z"])
        let record = try runTally(["job", "record", "--journal", journal, "--name", "db", "--started", "2026-11-25T02:00:00Z",
                                   "--ended", "2026-11-25T02:10:00Z", "--exit-status", "0"])
        #expect(record.status == 0, "\(record.stderr)")
        _ = dir.write("[jobs.db]\nschedule = \"daily\"\ngrace = \"1h\"\n[journal]\nquiet_limit = \"1d\"\n", to: "tally.toml")
        let env = ["TALLY_CLOCK": "2026-11-27T12:00:00Z"]
        let run = try runTally(["alerts", "--journal", journal, "--config", dir.file("tally.toml"), "--format", "json"], environment: env)
        let kinds = (parseJSONObject(run.stdout)?["alerts"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(Set(kinds) == ["missed_run", "silent_source"], "\(run.stdout)")
        try sqlite(journal, "DROP TRIGGER events_no_update; UPDATE events SET source = 'x' WHERE seq = 3;")
        let broken = try runTally(["alerts", "--journal", journal, "--config", dir.file("tally.toml"), "--format", "json"], environment: env)
        #expect(broken.stdout.contains("journal_broken"))
        _ = dir.write("[jobs.db]\nschedule = \"whenever\"\n", to: "bad.toml")
        let bad = try runTally(["alerts", "--journal", journal, "--config", dir.file("bad.toml")])
        #expect(bad.status == 2 && bad.stderr.contains("bad.toml:2: schedule must be a duration"))
        #expect(try runTally(["job", "record", "--journal", journal, "--name", "db", "--started", "2026-11-25T02:00:00Z",
                              "--ended", "2026-11-25T01:00:00Z", "--exit-status", "0"]).status == 2)
        dir.remove()
    }
}

@Suite("tally drill and tally status (issue 4)")
struct DrillStatusTests {
    let dir = TempDirectory("drill")

    /// A journal started from the demo's restored store, with a snapshot of it recorded at 10:00.
    func setUp() throws -> (journal: String, store: String) {
        _ = try runTally(["demo"], directory: dir.path)
        let store = dir.file("tally-demo/store.db")
        let journal = dir.file("b.journal")
        _ = try runTally(["baseline", "--journal", journal, "--store", store, "--at", "2026-11-20T09:00:00Z"], environment: ["TALLY_CLOCK": "2026-11-20T09:00:00Z"])
        let snap = try runTally(["snapshot", "--journal", journal, "--store", store, "--id", "nightly", "--at", "2026-11-20T10:00:00Z"],
                                environment: ["TALLY_CLOCK": "2026-11-20T10:00:00Z"])
        #expect(snap.status == 0, "\(snap.stderr)")
        return (journal, store)
    }

    @Test("a clean staged restore is GO; a corrupt file is NO-GO; an unknown snapshot is bad usage; drills are recorded")
    func drills() throws {
        let (journal, store) = try setUp()
        let go = try runTally(["drill", "--journal", journal, "--snapshot", "nightly", "--store", store, "--format", "json"])
        #expect(go.status == 0, "\(go.stdout) \(go.stderr)")
        #expect(parseJSONObject(go.stdout)?["verdict"] as? String == "GO")
        let corrupt = dir.write("this is not a database, it is a text file pretending to be one\n", to: "corrupt.db")
        let nogo = try runTally(["drill", "--journal", journal, "--snapshot", "nightly", "--store", corrupt])
        #expect(nogo.status == 1 && nogo.stdout.contains("NO-GO because"), "\(nogo.stdout)")
        #expect(try runTally(["drill", "--journal", journal, "--snapshot", "weekly", "--store", store]).status == 2)
        _ = dir.write("[drills]\nfail_on = \"warning\"\n", to: "strict.toml")
        let status = try runTally(["status", "--journal", journal, "--format", "json"], environment: ["TALLY_CLOCK": "2026-11-20T11:00:00Z"])
        let drills = try #require(parseJSONObject(status.stdout)?["drills"] as? [[String: Any]])
        #expect(drills.count == 1 && drills.first?["verdict"] as? String == "NO-GO")   // the last drill of the snapshot
        dir.remove()
    }

    @Test("status compares snapshot age with each RPO and the last drill with each RTO; exit 1 on a breach")
    func status() throws {
        let (journal, store) = try setUp()
        _ = try runTally(["drill", "--journal", journal, "--snapshot", "nightly", "--store", store])
        _ = dir.write("[systems.orders]\nrpo = \"1h\"\nrto = \"1h\"\n", to: "tally.toml")
        let ok = try runTally(["status", "--journal", journal, "--config", dir.file("tally.toml"), "--format", "json"],
                              environment: ["TALLY_CLOCK": "2026-11-20T10:30:00Z"])
        #expect(ok.status == 0, "\(ok.stdout)")
        let object = try #require(parseJSONObject(ok.stdout))
        let orders = try #require((object["systems"] as? [[String: Any]])?.first { $0["system"] as? String == "orders" })
        #expect(orders["snapshot_age_seconds"] as? Int == 1800 && orders["rpo_met"] as? Bool == true && orders["rto_met"] as? Bool == true)
        #expect((object["journal_lag_seconds"] as? [String: Any])?["events"] as? Int == 1)   // the snapshot marker, recorded in the last hour
        let late = try runTally(["status", "--journal", journal, "--config", dir.file("tally.toml")], environment: ["TALLY_CLOCK": "2026-11-20T12:00:00Z"])
        #expect(late.status == 1 && late.stdout.contains("orders     RPO 1h 0m: last snapshot 2h 0m ago  BREACHED"), "\(late.stdout)")
        dir.remove()
    }
}

/// A real HTTP listener on a loopback port: answers every request with `status`, or never
/// answers (`status` nil); keeps the bodies it received.
final class LoopbackListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var received: [String] = []
    var bodies: [String] { lock.lock(); defer { lock.unlock() }; return received }

    init(status: Int?) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 16)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: bound.sin_port))
        self.status = status
        start()
    }

    private let status: Int?

    private func start() {
        let listening = fd
        let status = self.status
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listening, nil, nil)
                guard client >= 0 else { return }
                var data = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    data += buffer[0..<n]
                    let text = String(decoding: data, as: UTF8.self)
                    if let split = text.range(of: "\r\n\r\n"),
                       let lengthLine = text[..<split.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                       let length = Int(lengthLine.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
                       text.utf8.count - text[..<split.upperBound].utf8.count >= length {
                        self.lock.lock(); self.received.append(String(text[split.upperBound...])); self.lock.unlock()
                        break
                    }
                }
                if let status {
                    let answer = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    _ = answer.withCString { send(client, $0, strlen($0), 0) }
                    close(client)
                } // else: never answer, keep the connection open
            }
        }
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

@Suite("tally alerts --notify against a real loopback listener")
struct NotifyTests {
    let dir = TempDirectory("notify")

    func failingJournal() throws -> String {
        let journal = dir.file("j.journal")
        _ = try runTally(["init", "--journal", journal])
        _ = try runTally(["job", "run", "--journal", journal, "--name", "nightly", "--", "sh", "-c", "exit 2"])
        return journal
    }

    @Test("the open alerts are POSTed as JSON; a 2xx answer is delivery")
    func delivered() throws {
        let journal = try failingJournal()
        let listener = LoopbackListener(status: 200)
        defer { listener.stop() }
        let run = try runTally(["alerts", "--journal", journal, "--notify", "http://127.0.0.1:\(listener.port)/hooks/tally"])
        #expect(run.status == 1 && run.stderr.contains("1 alert posted"), "\(run.stderr)")
        #expect(listener.bodies.count == 1)
        let body = try #require(listener.bodies.first.flatMap(parseJSONObject))
        #expect((body["alerts"] as? [[String: Any]])?.first?["kind"] as? String == "failed_run")
        dir.remove()
    }

    @Test("a 500 is retried three times, then a clear error and exit 2")
    func serverError() throws {
        let journal = try failingJournal()
        let listener = LoopbackListener(status: 500)
        defer { listener.stop() }
        let run = try runTally(["alerts", "--journal", journal, "--notify", "http://127.0.0.1:\(listener.port)/"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("the alerts were not delivered: HTTP 500 (after 3 attempts)"), "\(run.stderr)")
        #expect(listener.bodies.count == 3)
        dir.remove()
    }

    @Test("a listener that never answers times out; https goes through curl; other schemes are bad usage")
    func timeout() throws {
        let journal = try failingJournal()
        let listener = LoopbackListener(status: nil)
        defer { listener.stop() }
        let run = try runTally(["alerts", "--journal", journal, "--notify", "http://127.0.0.1:\(listener.port)/", "--notify-timeout", "1"])
        #expect(run.status == 2 && run.stderr.contains("no answer within 1 s (after 3 attempts)"), "\(run.stderr)")
        let https = try runTally(["alerts", "--journal", journal, "--notify", "https://127.0.0.1:1/x", "--notify-timeout", "2"])
        #expect(https.status == 2 && https.stderr.contains("the alerts were not delivered: cannot connect (after 3 attempts)"), "\(https.stderr)")
        #expect(try runTally(["alerts", "--journal", journal, "--notify", "ftp://x"]).status == 2)
        dir.remove()
    }
}
