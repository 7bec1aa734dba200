import Foundation
import Logging
import TallyCore

/// swift-log's handler for `--log-format json`: one JSON object per line on standard error
/// (`ts`, `level`, `message`, then the metadata), for log shippers.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1e6)).rfc3339), ("level", event.level.rawValue), ("logger", label), ("message", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields.append((key, value.description)) }
        let line = "{" + fields.map { CanonicalJSON.quoted($0.0) + ":" + CanonicalJSON.quoted($0.1) }.joined(separator: ",") + "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
