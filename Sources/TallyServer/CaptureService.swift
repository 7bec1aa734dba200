#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TallyCore
import TallyDigest
import TallyJournal
import TallyReports

/// The capture service behind `tally serve`: one writer (group commit), one reader
/// connection for lookups, the metrics, and the settings. Routes live in `routes(into:)`.
public final class CaptureService: Sendable {
    public let settings: ServerSettings
    public let metrics: Metrics
    let committer: GroupCommitter
    let reader: Mutex<ReaderBox>
    let clock: any JournalClock
    let logger: Logger

    final class ReaderBox: @unchecked Sendable {
        let journal: Journal
        init(_ journal: Journal) { self.journal = journal }
    }

    /// Opens the journal twice (a writer and a reader; WAL lets them run side by side).
    public init(settings: ServerSettings, clock: any JournalClock, logger: Logger) throws(JournalError) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
        let writer = try Journal.open(at: settings.journalPath, clock: clock) { logger.notice("\($0)") }
        let readJournal = try Journal.open(at: settings.journalPath, readOnly: true, clock: clock)
        let metrics = Metrics(headSeq: try readJournal.head().seq, lastEventBySource: try readJournal.lastEventBySource())
        self.metrics = metrics
        self.reader = Mutex(ReaderBox(readJournal))
        let checkpointer = try Journal.open(at: settings.journalPath, clock: clock)
        self.committer = GroupCommitter(journal: writer, checkpointer: checkpointer) { requests, outcomes in
            metrics.commitFinished()
            let recordedUs = clock.now().microseconds
            for (request, outcome) in zip(requests, outcomes) {
                guard case .appended(let results) = outcome else { continue }
                let types = request.items.map { item -> EventType? in if case .event(let e, _, _, _) = item { return e.event.type }; return nil }
                let sources = request.items.map { item -> String? in if case .event(let e, _, _, _) = item { return e.event.source }; return nil }
                metrics.committed(outcomes: results, types: types, sources: sources, recordedUs: recordedUs)
            }
        }
    }

    /// Lets the writer finish what is queued (at shutdown).
    public func stop() { committer.stop() }

    func read<T>(_ body: (Journal) throws(JournalError) -> T) throws(ServerFailure) -> T {
        do throws(JournalError) {
            return try reader.withLock { box throws(JournalError) -> T in try body(box.journal) }
        } catch {
            if case .needsArchives(_, let detail) = error { throw .gone(detail + " (tally lookup --archives DIR reads them)") }
            throw .journal(error.description)
        }
    }

    /// Appends durably and times it for the histogram.
    func submit(_ request: GroupRequest) async throws -> GroupOutcome {
        let started = DispatchTime.now()
        let outcome = try await committer.submit(request)
        metrics.appendLatency(seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        return outcome
    }

    // MARK: Authentication

    enum Access { case read, write }

    /// The bearer token must be one of the configured ones (compared in constant time),
    /// and read-write for `.write`.
    func authorize(_ request: Request, _ access: Access) throws(ServerFailure) {
        guard !settings.tokens.isEmpty else {
            throw .unauthenticated("no API token is configured: add one under [tokens.NAME] in the config or set TALLY_API_TOKEN")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw .unauthenticated("this endpoint needs an Authorization: Bearer TOKEN header")
        }
        let given = Array(header.utf8.dropFirst(7))
        var match: TallyConfig.APIToken?
        for token in settings.tokens where HMACSHA256.constantTimeEqual(Array(token.token.utf8), given) { match = token }
        guard let match else { throw .unauthenticated("the bearer token is not one of the configured tokens") }
        if access == .write && !match.canWrite { throw .forbidden("token \(match.name) is read-only; this endpoint writes") }
    }

    /// The body, up to the limit (413 beyond it).
    func body(_ request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            throw ServerFailure.tooLarge(limit: settings.maxBodyBytes)
        }
        do {
            let buffer = try await request.body.collect(upTo: settings.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServerFailure.tooLarge(limit: settings.maxBodyBytes)
        }
    }

    // MARK: Routes

    public func routes(into router: Router<BasicRequestContext>) {
        router.add(middleware: RequestGuard(service: self))
        router.get("/healthz") { _, _ in JSONResponse.make(.obj([("status", .string("ok"))])) }
        router.get("/readyz") { request, _ in try self.ready(request) }
        router.get("/metrics") { request, _ in
            try self.authorize(request, .read)
            return JSONResponse.text(self.metrics.render(now: self.clock.now()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/v1/status") { request, _ in try self.status(request) }
        router.get("/v1/orders/{id}") { request, context in try self.order(request, id: context.parameters.get("id") ?? "") }
        router.post("/v1/events") { request, _ in try await self.events(request) }
        router.post("/v1/webhooks/shopify") { request, _ in try await self.shopify(request) }
        router.post("/v1/webhooks/woocommerce") { request, _ in try await self.woocommerce(request) }
    }

    func ready(_ request: Request) throws(ServerFailure) -> Response {
        try authorize(request, .read)
        let directory = settings.journalPath.contains("/") ? String(settings.journalPath[..<settings.journalPath.lastIndex(of: "/")!]) : "."
        guard access(settings.journalPath, W_OK) == 0, access(directory.isEmpty ? "/" : directory, W_OK) == 0 else {
            throw .journal("\(settings.journalPath) or its folder is not writable")
        }
        guard committer.isAccepting else { throw .shuttingDown }
        return JSONResponse.make(.obj([("status", .string("ready")), ("journal", .string(settings.journalPath))]))
    }

    func status(_ request: Request) throws(ServerFailure) -> Response {
        try authorize(request, .read)
        let stats = try read { journal throws(JournalError) in try journal.stats() }
        let head = try read { journal throws(JournalError) in try journal.head() }
        var members = stats.jsonMembers(journal: settings.journalPath)
        members.append(("head_hash", .string(SHA256Hasher.hex(head.hash))))
        return JSONResponse.make(.obj(members))
    }

    func order(_ request: Request, id: String) throws(ServerFailure) -> Response {
        try authorize(request, .read)
        guard !id.isEmpty, id.unicodeScalars.count <= Limits.identifierLengthMax else { throw .badRequest("the order id must be 1 to 200 characters") }
        switch try read({ journal throws(JournalError) in try journal.orderHistory(OrderID(id)) }) {
        case .found(let history): return JSONResponse.make(LookupJSON.order(history))
        case .unknown(let naming):
            throw .notFound(naming > 0
                ? "order \(id) is unknown: \(naming) event(s) name it, but none placed it"
                : "order \(id) is unknown: no event in the journal names it")
        }
    }
}
