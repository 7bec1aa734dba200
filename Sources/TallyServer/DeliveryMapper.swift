import TallyCore
import TallyJournal

/// One webhook delivery to a journal request: its events (validated like any appended
/// line), or kept as evidence, or quarantined with its raw body. Used by the webhook
/// routes and by `tally deliveries --replay` (a mapping fixed after the fact).
public enum DeliveryMapper {
    public static func request(source: String, topic: String, key: String, headers: String, body: [UInt8],
                               settings: CaptureSettings, currentPrice: (String) -> CurrentPrice?,
                               isJournaled: (String) -> Bool) -> (request: GroupRequest, failure: String?) {
        let input = "\(source) \(topic)"
        var delivery = Delivery(source: source, key: key, topic: topic, headers: headers, body: body, result: .mapped)
        var items: [AppendItem] = []
        do throws(MappingError) {
            let value: JSONValue
            do throws(JSONSyntaxError) { value = try JSONParser.parse(body) } catch { throw MappingError("the body is not JSON: \(error)") }
            let mapping: CaptureMapping
            switch source {
            case ShopifyMapping.source:
                mapping = try ShopifyMapping.map(topic: topic, body: value, settings: settings, currentPrice: currentPrice)
            case WooCommerceMapping.source:
                mapping = try WooCommerceMapping.map(topic: topic, body: value, settings: settings, currentPrice: currentPrice, isJournaled: isJournaled)
            default:
                throw MappingError("no mapping for source \(source)")
            }
            switch mapping {
            case .kept(let why):
                delivery.result = .kept
                delivery.message = why
            case .events(let events):
                items = events.enumerated().map { i, event in AppendItem.decoding(event, input: input, line: i + 1) }
            }
            return (GroupRequest(delivery: delivery, items: items), nil)
        } catch {
            let failure = "\(input) (delivery \(key)): \(error.message)"
            delivery.result = .quarantined
            delivery.message = failure
            let rejection = Rejection(input: input, line: 1, eventID: nil, message: failure)
            return (GroupRequest(delivery: delivery, items: [.rejected(rejection, raw: body, rawBytes: body.count)]), failure)
        }
    }
}
