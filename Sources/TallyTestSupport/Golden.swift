import Foundation

/// Compares `actual` with the golden file at `path`. With `TALLY_RECORD=1` it
/// writes the file instead and returns a failure message, so a new baseline
/// never passes silently. Returns nil when they match.
public func checkGolden(_ actual: String, path: String) -> String? {
    if ProcessInfo.processInfo.environment["TALLY_RECORD"] == "1" {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
        return "recorded \(path); run again without TALLY_RECORD to check it"
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
        return "no golden file at \(path) (run with TALLY_RECORD=1 to create it)"
    }
    if expected == actual { return nil }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, e.count) {
        let x = i < a.count ? String(a[i]) : "<end>"
        let y = i < e.count ? String(e[i]) : "<end>"
        if x != y { return "\(path):\(i + 1) differs\n  expected: \(y)\n  actual:   \(x)" }
    }
    return "\(path) differs"
}
