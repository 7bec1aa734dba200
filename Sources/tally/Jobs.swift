import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TallyCore
import TallyJournal

/// `--config F`, or ./tally.toml when it exists, else every default.
struct ConfigOption: ParsableArguments {
    @Option(help: ArgumentHelp("The configuration file (default: ./tally.toml when it exists; every key has a default).", valueName: "F"))
    var config: String?

    func load() throws(CLIFailure) -> TallyConfig {
        let path = config ?? "tally.toml"
        if config == nil && access(path, F_OK) != 0 { return TallyConfig() }
        let bytes = try EvidencePack.readFile(path)
        do throws(ConfigError) { return try TallyConfig.parse(String(decoding: bytes, as: UTF8.self), name: path) } catch {
            throw .usage("tally: " + error.message)
        }
    }
}

struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a backup job and record it, or record a run done elsewhere (for tally alerts).",
        subcommands: [JobRunCommand.self, JobRecord.self])
}

struct JobRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a backup command, stream its output, and record start, end, exit status, duration and output size.",
        discussion: "tally job run --name nightly-db -- pg_dump shop -f /backups/shop.sql. Exits with the command's exit status (127 when it cannot be started).")

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The job's name (as in the config's [jobs.NAME]).", valueName: "NAME"))
    var name: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --: tally job run --name NAME -- COMMAND ARGS...") }
    }

    func run() throws {
        let journal = try journalOption.open(readOnly: false)
        let clock = JournalOption.clock
        let started = clock.now()
        let (status, bytes) = JobRunCommand.spawnStreaming(command)
        let ended = clock.now()
        try guarded { try journal.recordJobRun(JobRun(name: name, started: started, ended: ended, exitStatus: Int(status), outputBytes: bytes)) }
        let seconds = Double(ended.microseconds - started.microseconds) / 1e6
        Output.error("tally: job \(name): exit status \(status), \(String(format2: seconds)) s, \(bytes) bytes of output (recorded)")
        if status != 0 { throw CLIFailure(code: status, message: "") }
    }

    /// Runs `argv` with stdout and stderr into one pipe, copied to our stdout as it comes;
    /// returns the exit status and the bytes of output.
    static func spawnStreaming(_ argv: [String]) -> (Int32, Int64) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return (127, 0) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            Output.error("tally: cannot run \(argv[0]): \(String(cString: strerror(rc)))")
            return (127, 0)
        }
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += Int64(n)
            _ = buffer.withUnsafeBufferPointer { Output.writeAll(fd: 1, UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), total)
    }
}

extension String {
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        self = "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
    }
}

struct JobRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a backup run done elsewhere.",
        discussion: "tally job record --name nightly-db --started 2026-11-27T02:00:00Z --ended 2026-11-27T02:14:00Z --exit-status 0 [--output-bytes N]")

    @OptionGroup var journalOption: JournalOption

    @Option(help: ArgumentHelp("The job's name.", valueName: "NAME"))
    var name: String

    @Option(help: ArgumentHelp("When it started (RFC 3339).", valueName: "T"))
    var started: String

    @Option(help: ArgumentHelp("When it ended (RFC 3339).", valueName: "T"))
    var ended: String

    @Option(help: "Its exit status (0 is success).")
    var exitStatus: Int

    @Option(help: "Bytes of output it wrote.")
    var outputBytes: Int64 = 0

    func validate() throws {
        try validateTimestamp(started, "--started")
        try validateTimestamp(ended, "--ended")
        if let s = Timestamp.parse(started), let e = Timestamp.parse(ended), e < s { throw ValidationError("--ended (\(ended)) is before --started (\(started))") }
    }

    func run() throws {
        let journal = try journalOption.open(readOnly: false)
        try guarded { try journal.recordJobRun(JobRun(name: name, started: Timestamp.parse(started)!, ended: Timestamp.parse(ended)!,
                                                      exitStatus: exitStatus, outputBytes: outputBytes)) }
        print("recorded job \(name): exit status \(exitStatus), \(started) to \(ended)")
    }
}

struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List open alerts: failed, slow and missed backup runs, silent sources, a journal that fails verify.",
        discussion: """
        Slow: over the job's slow_after, or over twice the median of its previous 20 successful runs \
        (with at least 3). Missed: no successful run within the schedule plus grace. Silent: no event \
        from a source for longer than its quiet limit. Exit status: 0 none open, 1 some open, 2 bad \
        usage or an unreadable journal or config.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: ArgumentHelp("POST the open alerts as JSON to this http:// webhook (3 attempts).", valueName: "URL"))
    var notify: String?

    @Option(help: ArgumentHelp("Seconds each webhook attempt may take.", valueName: "S"))
    var notifyTimeout: Int = 10

    func validate() throws {
        if let notify { do { _ = try Webhook.parse(notify) } catch { throw ValidationError(error.message) } }
        guard notifyTimeout >= 1 else { throw ValidationError("--notify-timeout must be at least 1 second") }
    }

    func run() throws {
        let config = try configOption.load()
        let journal = try journalOption.open(readOnly: true)
        let verify = try guarded { try journal.verify() }
        let alerts = AlertRules.evaluate(config: config, runs: try guarded { try journal.jobRuns() },
                                         sources: try guarded { try journal.lastEventBySource() },
                                         journalProblem: verify.isIntact ? nil : "seq \(verify.firstBadSeq ?? 0): \(verify.problem ?? "")",
                                         now: JournalOption.clock.now())
        let json = JSONValue.obj([
            ("report", .string("alerts")), ("open", .int(alerts.count)),
            ("alerts", .array(alerts.map { .obj([("kind", .string($0.kind.rawValue)), ("subject", .string($0.subject)), ("message", .string($0.message))]) })),
        ])
        switch format {
        case .json:
            print(JSONWriter.encode(json))
        case .text:
            if alerts.isEmpty { print("no open alerts") }
            for a in alerts { print("\(a.kind.rawValue.uppercased()): \(a.message)") }
        }
        if let notify, !alerts.isEmpty {
            if let problem = try Webhook.post(notify, body: JSONWriter.encode(json, pretty: false), timeoutSeconds: notifyTimeout) {
                throw CLIFailure.usage("tally: --notify \(notify): the alerts were not delivered: \(problem)")
            }
            Output.error("tally: \(alerts.count) alert\(alerts.count == 1 ? "" : "s") posted to \(notify)")
        }
        if !alerts.isEmpty { throw CLIFailure.findings() }
    }
}
