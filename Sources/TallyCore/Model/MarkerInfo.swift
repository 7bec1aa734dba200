/// A snapshot or restore marker event as reconcile and stats use it.
public struct MarkerInfo: Sendable, Equatable {
    public var seq: Seq
    public var snapshotID: String
    public var occurredAt: Timestamp
    public var occurredAtText: String
    public var label: String?
    public var storeDigest: String?

    public init(seq: Seq, snapshotID: String, occurredAt: Timestamp, occurredAtText: String, label: String?, storeDigest: String?) {
        self.seq = seq; self.snapshotID = snapshotID; self.occurredAt = occurredAt; self.occurredAtText = occurredAtText
        self.label = label; self.storeDigest = storeDigest
    }

    public var time: EventTime { EventTime(occurredAt, seq) }
}
