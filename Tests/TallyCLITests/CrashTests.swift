import Foundation
import Testing
import TallyTestSupport

@Suite("Crash safety")
struct CrashTests {
    @Test("kill -9 during a large append leaves a verifiable journal; re-running lands exactly the input")
    func killDuringAppend() throws {
        let dir = TempDirectory("crash")
        defer { dir.remove() }
        let journal = dir.file("t.journal")
        var history = SyntheticHistory(seed: 7, skuCount: 2000)
        let count = 60_000
        var text = ""
        text.reserveCapacity(count * 300)
        for _ in 0..<count { text += history.next() + "\n" }
        let input = dir.write(text, to: "big.ndjson")
        _ = try runTally(["init", "--journal", journal])
        var random = SeededRandom(seed: 99)
        var killedMidway = 0
        for attempt in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tallyBinaryPath)
            process.arguments = ["append", "--journal", journal, "--batch-size", attempt % 2 == 0 ? "500" : "50", input]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(50_000 + random.below(400_000)))
            if process.isRunning { kill(process.processIdentifier, SIGKILL); killedMidway += 1 }
            process.waitUntilExit()
            let verify = try runTally(["verify", "--journal", journal])
            #expect(verify.status == 0, "after kill \(attempt): \(verify.stdout)")
        }
        #expect(killedMidway > 0, "no append was killed in flight; raise the input size")
        let final = try runTally(["append", "--journal", journal, "--format", "json", input])
        #expect(final.status == 0)
        let stats = try #require(parseJSONObject(try runTally(["stats", "--journal", journal, "--format", "json"]).stdout))
        #expect(stats["events"] as? Int == count)
        #expect(stats["last_seq"] as? Int == count)
        #expect(try runTally(["verify", "--journal", journal]).status == 0)
    }
}
