import ArgumentParser
import Dispatch
import Logging
import Synchronization
import TallyCore
import TallyJournal
import TallyServer
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The capture service: canonical events and Shopify/WooCommerce webhooks over HTTP, lookups, status and metrics.",
        discussion: """
        Endpoints: POST /v1/events, POST /v1/webhooks/shopify, POST /v1/webhooks/woocommerce, \
        GET /v1/orders/{id}, GET /v1/status, GET /healthz, GET /readyz, GET /metrics. Every endpoint but \
        /healthz needs a bearer token ([tokens.NAME] in the config, or TALLY_API_TOKEN); webhooks are \
        authenticated by their signature (TALLY_SHOPIFY_SECRET, TALLY_WOOCOMMERCE_SECRET or the config). \
        A 2xx is sent only once the events are durable in the journal. Stops cleanly on SIGTERM or SIGINT.
        """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var configOption: ConfigOption

    @Option(help: "The address to listen on (loopback by default: put a TLS-terminating proxy in front).")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port; the chosen one is printed).")
    var port = 8080

    @Option(help: "Log format: text or json (one object per line on standard error).")
    var logFormat: TextOrJSON = .text

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
    }

    func run() throws {
        let config = try configOption.load()
        let path = try journalOption.existingPath()
        var environment: [String: String] = [:]
        for name in ["TALLY_API_TOKEN", "TALLY_SHOPIFY_SECRET", "TALLY_WOOCOMMERCE_SECRET"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        var settings = ServerSettings(journalPath: path, config: config, environment: environment)
        settings.host = host
        settings.port = port
        let json = logFormat == .json
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "tally.serve")
        let service: CaptureService
        do throws(JournalError) {
            service = try CaptureService(settings: settings, clock: JournalOption.clock, logger: logger)
        } catch {
            throw CLIFailure.from(error)
        }
        if settings.tokens.isEmpty {
            Output.error("tally serve: warning: no API token is configured; every endpoint but /healthz and the signed webhooks will answer 401")
        }
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let host = self.host
        Task {
            do {
                try await CaptureServer.run(service) { port in
                    Output.error("tally serve: listening on http://\(host):\(port) (journal \(path))")
                }
            } catch {
                failure.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = failure.withLock({ $0 }) {
            throw CLIFailure.usage("tally serve: \(error)")
        }
        Output.error("tally serve: stopped; every acknowledged event is in the journal")
    }
}
