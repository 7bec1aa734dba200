import Dispatch
import Hummingbird
import Logging

/// Around every route: turns failures into JSON responses with their status, counts the
/// request by route pattern and status, and logs one line without bodies, tokens or emails.
struct RequestGuard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let service: CaptureService

    static let routes = ["/healthz", "/readyz", "/metrics", "/v1/status", "/v1/events", "/v1/webhooks/shopify", "/v1/webhooks/woocommerce"]

    /// The route pattern of a path (never the order id itself).
    static func pattern(_ path: String) -> String {
        if routes.contains(path) { return path }
        if path.hasPrefix("/v1/orders/") { return "/v1/orders/{id}" }
        return "other"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            if let failure = error as? ServerFailure {
                response = failure.response()
            } else if let http = error as? HTTPError {
                response = ServerFailure.notFoundOrOther(http).response()
            } else {
                service.logger.error("request failed", metadata: ["route": .string(RequestGuard.pattern(request.uri.path)), "error": .string("\(type(of: error))")])
                response = JSONResponse.make(.obj([("error", .string("internal error")), ("status", .int(500))]), status: .internalServerError)
            }
        }
        let route = RequestGuard.pattern(request.uri.path)
        service.metrics.request(route: route, status: Int(response.status.code))
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        service.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route),
            "status": .stringConvertible(response.status.code), "ms": .string(String(format: "%.2f", ms)),
        ])
        return response
    }
}

extension ServerFailure {
    /// Hummingbird's own errors (no route: 404; wrong method: 405).
    static func notFoundOrOther(_ error: HTTPError) -> ServerFailure {
        error.status == .notFound ? .notFound("no such endpoint") : .badRequest(error.body ?? "\(error.status)")
    }
}
