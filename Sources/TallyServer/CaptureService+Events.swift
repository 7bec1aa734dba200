import Hummingbird
import TallyCore
import TallyJournal

/// `POST /v1/events`: a batch of canonical events, NDJSON or a JSON array.
extension CaptureService {
    /// Names the request body in messages: `request:3: order.placed: data.lines[0].qty ...`.
    static let eventsInputName = "request"

    func events(_ request: Request) async throws -> Response {
        try authorize(request, .write)
        let body = try await self.body(request)
        let items = try EventBatch.items(body, input: CaptureService.eventsInputName)
        let outcome = try await submit(GroupRequest(items: items))
        guard case .appended(let outcomes) = outcome else { preconditionFailure("a request without a delivery is never a duplicate delivery") }
        return EventBatch.response(items: items, outcomes: outcomes)
    }
}

/// Splits a request body into items for the journal, and writes the per-event answer.
enum EventBatch {
    /// The body as items: a JSON array (one item per element, `line` = its 1-based index) or
    /// NDJSON (one per non-blank line). An empty body or an unreadable array is a 400.
    static func items(_ body: [UInt8], input: String) throws(ServerFailure) -> [AppendItem] {
        guard let first = body.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw .badRequest("the body is empty: send events as NDJSON (one per line) or a JSON array")
        }
        if body[first] == UInt8(ascii: "[") {
            let value: JSONValue
            do throws(JSONSyntaxError) { value = try JSONParser.parse(body) } catch {
                throw .badRequest("\(input): the body starts with [ but is not a JSON array: \(error)")
            }
            guard case .array(let elements) = value, !elements.isEmpty else { throw .badRequest("\(input): the array is empty") }
            guard elements.count <= AppendRunner.batchSizeMax else {
                throw .badRequest("\(input): \(elements.count) events is over the limit of \(AppendRunner.batchSizeMax) per request")
            }
            return elements.enumerated().map { index, element in AppendItem.decoding(element, input: input, line: index + 1) }
        }
        var items: [AppendItem] = []
        var lineNumber = 0
        var start = 0
        body.withUnsafeBufferPointer { buffer in
            while start <= buffer.count {
                let end = buffer[start...].firstIndex(of: 0x0A) ?? buffer.count
                lineNumber += 1
                var stop = end
                if stop > start && buffer[stop - 1] == 0x0D { stop -= 1 }
                let line = UnsafeBufferPointer(rebasing: buffer[start..<stop])
                if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                    switch EventDecoder.decode(line, input: input, line: lineNumber) {
                    case .success(let event): items.append(.event(PreparedEvent(event), raw: Array(line), input: input, line: lineNumber))
                    case .failure(let rejection): items.append(.rejected(rejection, raw: Array(line), rawBytes: line.count))
                    }
                }
                start = end + 1
            }
        }
        guard items.count <= AppendRunner.batchSizeMax else {
            throw .badRequest("\(input): \(items.count) events is over the limit of \(AppendRunner.batchSizeMax) per request")
        }
        return items
    }

    /// 200 when every event was appended or a duplicate; 400 when any was rejected (the
    /// others still landed, so sending the same batch again is safe: they are duplicates).
    static func response(items: [AppendItem], outcomes: [AppendOutcome]) -> Response {
        var appended = 0, duplicates = 0, rejected = 0
        var results: [JSONValue] = []
        var firstError: String?
        for (item, outcome) in zip(items, outcomes) {
            var members: [(String, JSONValue)] = []
            switch item {
            case .event(let prepared, _, _, let line): members = [("line", .int(line)), ("id", .string(prepared.event.id.rawValue))]
            case .rejected(let rejection, _, _): members = [("line", .int(rejection.line)), ("id", .text(rejection.eventID))]
            }
            switch outcome {
            case .appended(let seq): appended += 1; members += [("result", .string("appended")), ("seq", .int(seq.rawValue))]
            case .duplicate(let seq): duplicates += 1; members += [("result", .string("duplicate")), ("seq", .int(seq.rawValue))]
            case .rejected(let rejection):
                rejected += 1
                firstError = firstError ?? rejection.message
                members += [("result", .string("rejected")), ("message", .string(rejection.message))]
            }
            results.append(.obj(members))
        }
        var top: [(String, JSONValue)] = [("appended", .int(appended)), ("duplicates", .int(duplicates)), ("rejected", .int(rejected))]
        if let firstError { top.append(("error", .string(firstError))) }
        top.append(("results", .array(results)))
        return JSONResponse.make(.obj(top), status: rejected == 0 ? .ok : .badRequest)
    }
}
