// swift-tools-version:6.0
import PackageDescription

// Tally: an append-only journal of store events, replayed and diffed against a
// restored store. One external dependency (swift-argument-parser) keeps CI's
// clean builds short; SQLite and SHA-256 come from the system libraries.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The pure core: event model, strict JSON, validation, replay, findings.
        .target(name: "TallyCore", swiftSettings: strict),
        // The one SQLite boundary.
        .target(name: "TallySQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        // SHA-256 from the system's libcrypto.
        .target(name: "TallyDigest", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "TallyJournal", dependencies: ["TallyCore", "TallySQLite", "TallyDigest"], swiftSettings: strict),
        .target(name: "TallyStore", dependencies: ["TallyCore", "TallySQLite", "TallyDigest"], swiftSettings: strict),
        .target(name: "TallyReports", dependencies: ["TallyCore"], swiftSettings: strict),
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyCore", "TallyJournal", "TallyStore", "TallyReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tally-bench",
            dependencies: ["TallyCore", "TallyJournal", "TallySQLite", "TallyStore", "TallyTestSupport"],
            swiftSettings: strict
        ),
        .target(name: "TallyTestSupport", dependencies: ["TallyCore", "TallyJournal", "TallySQLite"], swiftSettings: strict),
        .testTarget(name: "TallyCoreTests", dependencies: ["TallyCore", "TallyTestSupport"], swiftSettings: strict),
        .testTarget(name: "TallyJournalTests", dependencies: ["TallyJournal", "TallyStore", "TallyTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TallyCLITests",
            dependencies: ["TallyTestSupport"],
            swiftSettings: strict
        ),
    ]
)
