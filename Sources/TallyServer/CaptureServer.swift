import Hummingbird
import Logging
import TallyJournal

/// Builds and runs the HTTP application around a `CaptureService`.
public enum CaptureServer {
    public static func router(for service: CaptureService) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        service.routes(into: router)
        return router
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish and the writer
    /// drain. `onRunning` gets the bound port (useful with port 0).
    public static func run(_ service: CaptureService, onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(
            router: router(for: service),
            configuration: .init(address: .hostname(service.settings.host, port: service.settings.port), serverName: "tally"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? service.settings.port) },
            logger: service.logger)
        defer { service.stop() }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
