import Foundation

/// A fresh folder under the system temp directory, removed by `remove()`.
public struct TempDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "tally-test") {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ text: String, to name: String) -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: Data(text.utf8))
        return target
    }

    public func write(bytes: [UInt8], to name: String) -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: Data(bytes))
        return target
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository's `fixtures/` folder.
public let fixturesPath: String = {
    // Sources/TallyTestSupport/TempDirectory.swift → repository root.
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("fixtures").path
}()
