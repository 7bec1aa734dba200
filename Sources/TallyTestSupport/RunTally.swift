import Foundation

/// What one run of the real `tally` binary printed and returned.
public struct TallyRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// The built `tally` binary: `$TALLY_BIN`, else beside the running test bundle.
public let tallyBinaryPath: String = {
    if let override = ProcessInfo.processInfo.environment["TALLY_BIN"] { return override }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    // swift test runs <build>/TallyPackageTests.xctest; tally sits beside it.
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("tally").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir.deleteLastPathComponent()
    }
    return "tally"
}()

/// Runs `tally` with `arguments`, feeding `stdin`, in `directory`, and waits for it.
public func runTally(_ arguments: [String], stdin: String? = nil, directory: String? = nil,
                     environment: [String: String] = [:]) throws -> TallyRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tallyBinaryPath)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "TALLY_JOURNAL")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    // Read both pipes concurrently so a large output cannot block the child.
    let outData = LockedData(), errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData.set(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData.set(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    return TallyRun(status: process.terminationStatus,
                    stdout: String(decoding: outData.get(), as: UTF8.self),
                    stderr: String(decoding: errData.get(), as: UTF8.self))
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// Parses a JSON document printed by tally (for assertions).
public func parseJSONObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

/// Runs SQL on a file through Python's sqlite3 module (tests that tamper with a journal
/// or an archive, outside Tally's own SQLite layer).
public func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
}
