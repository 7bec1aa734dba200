// swift-tools-version:6.1
import PackageDescription

// Tally: an append-only journal of store events, replayed and diffed against a
// restored store. SQLite, SHA-256 and HMAC come from the system libraries;
// swift-argument-parser is the CLI, Hummingbird 2 (with swift-log, swift-nio and
// swift-service-lifecycle, which it builds on anyway) is `tally serve`. Hummingbird's
// traits are off: its swift-configuration support is not used.
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
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
        // glibc's malloc.h: reconcile hands memory freed by replay back before the diff.
        .systemLibrary(name: "CMalloc"),
        // A cache prefetch hint for replay's hash tables (a header-only builtin, no library).
        .systemLibrary(name: "CPrefetch"),
        // The pure core: event model, strict JSON, validation, replay, findings.
        .target(name: "TallyCore", dependencies: ["CPrefetch"], swiftSettings: strict),
        // The one SQLite boundary.
        .target(name: "TallySQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        // SHA-256 from the system's libcrypto.
        .target(name: "TallyDigest", dependencies: ["CCrypto"], swiftSettings: strict),
        // Whole-file reads and folder listings.
        .target(name: "TallyFiles", swiftSettings: strict),
        .target(name: "TallyJournal", dependencies: ["TallyCore", "TallySQLite", "TallyDigest", "TallyFiles"], swiftSettings: strict),
        .target(name: "TallyStore", dependencies: ["TallyCore", "TallySQLite", "TallyDigest", "TallyFiles"], swiftSettings: strict),
        .target(name: "TallyReports", dependencies: ["TallyCore"], swiftSettings: strict),
        // The capture service: HTTP routes, webhooks, group commit, metrics.
        .target(
            name: "TallyServer",
            dependencies: [
                "TallyCore", "TallyJournal", "TallyReports", "TallyDigest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyCore", "TallyJournal", "TallyStore", "TallyReports", "TallyServer", "TallyFiles", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tally-bench",
            dependencies: ["TallyCore", "TallyJournal", "TallySQLite", "TallyStore", "TallyServer", "TallyTestSupport"],
            swiftSettings: strict
        ),
        .target(name: "TallyTestSupport", dependencies: ["TallyCore", "TallyJournal", "TallySQLite"], swiftSettings: strict),
        .testTarget(name: "TallyCoreTests", dependencies: ["TallyCore", "TallyReports", "TallyTestSupport"], swiftSettings: strict),
        .testTarget(name: "TallyJournalTests", dependencies: ["TallyJournal", "TallySQLite", "TallyStore", "TallyTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TallyServerTests",
            dependencies: [
                "TallyServer", "TallyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TallyCLITests",
            dependencies: ["TallyTestSupport", "TallyJournal", "TallyDigest"],
            swiftSettings: strict
        ),
    ]
)
