/// Every input limit in one place (contract §1 and §10).
public enum Limits {
    /// Identifiers are non-empty and at most this many Unicode code points.
    public static let identifierLengthMax = 200
    /// The longest accepted input line, in bytes (16 MiB).
    public static let lineBytesMax = 16 * 1024 * 1024
    /// How much of a rejected over-long line the quarantine keeps, in bytes.
    public static let quarantinedRawBytesMax = 64 * 1024
}
