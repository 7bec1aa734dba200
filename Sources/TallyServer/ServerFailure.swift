import Hummingbird
import TallyCore

/// Every way a request fails, and its HTTP status: the one place where errors become statuses.
public enum ServerFailure: Error, Sendable, Equatable {
    /// No or an unknown bearer token (401).
    case unauthenticated(String)
    /// A read-only token on a write endpoint (403).
    case forbidden(String)
    /// A webhook without a valid signature (401).
    case badSignature(String)
    /// Malformed input, naming the line and the field (400).
    case badRequest(String)
    /// Over the body limit (413).
    case tooLarge(limit: Int)
    case notFound(String)
    /// What was asked needs events pruned from the journal (410: only the archives hold them).
    case gone(String)
    /// The journal could not be written or read (503: retry later; nothing was acknowledged).
    case journal(String)
    case shuttingDown

    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated, .badSignature: return .unauthorized
        case .forbidden: return .forbidden
        case .badRequest: return .badRequest
        case .tooLarge: return .contentTooLarge
        case .notFound: return .notFound
        case .gone: return .gone
        case .journal, .shuttingDown: return .serviceUnavailable
        }
    }

    public var message: String {
        switch self {
        case .unauthenticated(let m), .forbidden(let m), .badSignature(let m), .badRequest(let m), .notFound(let m), .gone(let m): return m
        case .tooLarge(let limit): return "the request body is over the limit of \(limit) bytes ([server] max_body_bytes)"
        case .journal(let m): return "the journal could not be written: \(m)"
        case .shuttingDown: return "the server is shutting down"
        }
    }

    /// A JSON error response: `{"error": "...", "status": N}`.
    func response() -> Response {
        var headers = HTTPFields()
        if self.status == .unauthorized, case .unauthenticated = self { headers[.wwwAuthenticate] = "Bearer realm=\"tally\"" }
        return JSONResponse.make(.obj([("error", .string(message)), ("status", .int(Int(status.code)))]), status: status, headers: headers)
    }
}

enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        text(JSONWriter.encode(value, pretty: false) + "\n", contentType: "application/json", status: status, headers: headers)
    }

    static func text(_ body: String, contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
