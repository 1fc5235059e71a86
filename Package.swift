// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares, declared once.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "runbook",
    products: [
        .executable(name: "runbook", targets: ["runbook"]),
        .library(name: "RunbookEngine", targets: ["RunbookEngine"]),
        .library(name: "LuaKit", targets: ["LuaKit"]),
        // For the fuzz targets of Fuzz/, which live in a package of their own.
        .library(name: "Probes", targets: ["Probes"]),
        .library(name: "AWSKit", targets: ["AWSKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `runbook serve`: the HTTP server, its graceful shutdown and its logs.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Debian's liblua5.4-dev, found through pkg-config; no vendored Lua.
        .systemLibrary(
            name: "CLua",
            path: "Sources/CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // Lua's macros as functions, the error/yield trampoline, the accounting
        // allocator and the limits hook: everything that may longjmp lives here.
        .target(name: "CLuaShim", dependencies: ["CLua"], path: "Sources/CLuaShim"),
        // Debian's libssl-dev (OpenSSL 3), found through pkg-config: SHA-256 and HMAC for SigV4, TLS for probes.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "LuaKit",
            dependencies: ["CLua", "CLuaShim"],
            swiftSettings: swiftSettings
        ),
        // libcurl, opened with dlopen at the first request (libcurl.so.4, Debian's libcurl4) and
        // never linked, so a run without HTTP does not load it and its thirty libraries. The
        // headers come from libcurl4-openssl-dev; the shim also wraps curl's variadic setopt and getinfo.
        .target(name: "CCurlShim", path: "Sources/CCurlShim"),
        // HTTP over libcurl for AWSKit and Probes; the only module that imports curl.
        .target(name: "HTTPClient", dependencies: ["CCurlShim"], swiftSettings: swiftSettings),
        // posix_spawn with clean signal state and process groups: credential_process, luacheck, the tests' peers.
        .target(name: "Spawn", swiftSettings: swiftSettings),
        // The service models of scripts/gen-aws-models, compiled in with C23 #embed (a Swift array
        // literal of the same 2.5 MB takes minutes to compile); the JSON stays readable in models/.
        .target(name: "CAWSModels", path: "Sources/CAWSModels", exclude: ["models"]),
        // libxml2's pull reader for XML answers, opened with dlopen at the first one and never linked
        // (FoundationXML would link it, with ICU, zlib and liblzma, into every start); no libxml2
        // header is needed, so the build needs no libxml2-dev.
        .target(name: "CXMLShim", path: "Sources/CXMLShim"),
        // SQLite for the guardrail state, opened with dlopen (libsqlite3.so.0) only by automated runs, so `runbook run` never maps it.
        .target(name: "CSQLiteShim", path: "Sources/CSQLiteShim"),
        .target(
            name: "AWSKit",
            dependencies: ["COpenSSL", "HTTPClient", "Spawn", "CAWSModels", "CXMLShim"],
            swiftSettings: swiftSettings
        ),
        // epoll and eventfd, which Swift's Glibc module does not bring in, and OpenSSL's macros.
        .target(name: "CProbesShim", dependencies: ["COpenSSL"], path: "Sources/CProbesShim"),
        .target(name: "Probes", dependencies: ["CProbesShim", "COpenSSL", "HTTPClient"], swiftSettings: swiftSettings),
        .target(
            name: "RunbookEngine",
            // COpenSSL for the X.509 certificates and RSA signatures of SNS messages.
            dependencies: ["LuaKit", "HTTPClient", "AWSKit", "Probes", "CSQLiteShim", "COpenSSL"],
            // The modules' Lua sources stay .lua files that Lua tools read, compiled into the binary.
            resources: [
                .embedInCode("Modules/Lua/runbook.lua"),
                .embedInCode("Modules/Lua/kafka.lua"),
                .embedInCode("Modules/Lua/aws.lua"),
                .embedInCode("Modules/Lua/cloudwatch.lua"),
                .embedInCode("Modules/Lua/testing.lua"),
            ],
            swiftSettings: swiftSettings
        ),
        // `runbook serve`: alarm events over HTTP, handed to AlarmDispatcher by a bounded pool.
        .target(
            name: "RunbookServer",
            dependencies: [
                "RunbookEngine",
                "LuaKit",
                "HTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "runbook",
            dependencies: [
                "RunbookEngine",
                "RunbookServer",
                "LuaKit",
                .product(name: "Logging", package: "swift-log"),
                "AWSKit",
                "Spawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench`: the bridge cost against a plain C function, in one process.
        .target(name: "CBenchSupport", dependencies: ["CLua"], path: "Benchmarks/CBenchSupport"),
        .executableTarget(
            name: "bridge-bench",
            dependencies: ["LuaKit", "CBenchSupport"],
            path: "Benchmarks/BridgeBench",
            swiftSettings: swiftSettings
        ),
        // `make bench`: the engine's pattern matcher against Lua's own, in one process.
        .executableTarget(
            name: "pattern-bench",
            dependencies: ["LuaKit", "CBenchSupport"],
            path: "Benchmarks/PatternBench",
            swiftSettings: swiftSettings
        ),
        // `make bench`: 1,000 TCP probes against a serial nc loop.
        .executableTarget(
            name: "tcp-probe-bench",
            dependencies: ["Probes"],
            path: "Benchmarks/TCPProbeBench",
            swiftSettings: swiftSettings
        ),
        // The tests' peers on loopback, started and stopped by PID: the servers of Tests/Support, moto,
        // ZooKeeper, stunnel, and the C programs of Tests/Peers, compiled on first use so that building
        // the package needs none of their libraries.
        .target(name: "TestSupport", dependencies: ["Spawn"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // TestSupport runs Debian's lua5.4 for the pattern matcher's differential test.
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RunbookEngineTests",
            dependencies: ["RunbookEngine", "LuaKit", "HTTPClient", "AWSKit", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunbookCLITests",
            dependencies: ["RunbookEngine", "HTTPClient", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "HTTPClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AWSKitTests",
            dependencies: ["AWSKit", "HTTPClient", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
