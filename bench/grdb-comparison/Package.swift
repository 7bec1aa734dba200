// swift-tools-version:6.0
// A separate package, not part of Tally's build: measures GRDB against the raw
// SQLite C API on the journal's two hot paths (batched insert, replay scan).
// Run: cd bench/grdb-comparison && swift build -c release && .build/release/grdbbench
import PackageDescription
let package = Package(
    name: "grdbbench",
    dependencies: [.package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0")],
    targets: [.executableTarget(name: "grdbbench", dependencies: [.product(name: "GRDB", package: "GRDB.swift")])]
)
