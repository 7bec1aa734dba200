/// How far a lookup checked its events against the journal's hash chain.
///
/// For each event shown, its row is rehashed (content plus the stored hash of the
/// row before it) and compared with its stored hash; then the chain is rehashed
/// forward to the next anchor (a chain hash the journal also keeps every
/// `interval` seqs, and which evidence packs and `tally verify` print), or to the
/// journal's head. An anchor copied elsewhere therefore vouches for every event
/// before it: editing one would change the anchor.
public struct IntegrityReport: Sendable, Equatable {
    /// One rehashed stretch of the chain.
    public struct Span: Sendable, Equatable {
        public var from: Int64
        public var through: Int64
        /// How the stretch ended: at an anchor, at the head, or at the walk limit (old journals without anchors).
        public enum End: String, Sendable { case anchor, head, limit }
        public var end: End
        /// The chain hash at `through` (hex).
        public var hash: String
        public init(from: Int64, through: Int64, end: End, hash: String) {
            self.from = from; self.through = through; self.end = end; self.hash = hash
        }
    }

    public var verified: Bool
    /// Events of the lookup that were checked.
    public var events: Int
    /// Rows rehashed in all.
    public var rowsRehashed: Int
    public var spans: [Span]
    /// The first row that failed, and why.
    public var firstBadSeq: Int64?
    public var problem: String?

    public init(verified: Bool, events: Int, rowsRehashed: Int, spans: [Span], firstBadSeq: Int64?, problem: String?) {
        self.verified = verified; self.events = events; self.rowsRehashed = rowsRehashed
        self.spans = spans; self.firstBadSeq = firstBadSeq; self.problem = problem
    }

    /// The highest seq the check reached.
    public var reachedSeq: Int64 { spans.map(\.through).max() ?? 0 }

    /// One sentence for people: what was checked and how far.
    public var summary: String {
        if let problem { return "NOT verified: \(problem)" }
        guard events > 0 else { return "no events to check" }
        let anchors = spans.filter { $0.end == .anchor }.count
        let heads = spans.contains { $0.end == .head }
        var ends: [String] = []
        if anchors > 0 { ends.append(anchors == 1 ? "1 chain anchor" : "\(anchors) chain anchors") }
        if heads { ends.append("the journal's head") }
        let limited = spans.contains { $0.end == .limit }
        return "verified: \(events) event\(events == 1 ? "" : "s") rehashed and linked to the chain through seq \(reachedSeq)"
            + (ends.isEmpty ? "" : " (" + ends.joined(separator: " and ") + ")")
            + (limited ? "; some stretches stopped at the walk limit (no anchor yet: the journal predates anchors)" : "")
    }
}
