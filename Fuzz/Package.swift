// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the parsers of outside input, in a package of their own so that a plain
// `swift build` of runbook never needs libFuzzer. `make fuzz` builds them with -sanitize=fuzzer.
let package = Package(
    name: "runbook-fuzz",
    dependencies: [.package(name: "runbook", path: "..")],
    targets: [
        // libFuzzer's entry for a program with its own main (LLVMFuzzerRunDriver).
        .target(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        // The driver behind a Swift closure, the property check, and an encoder of the harnesses' own.
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Sources/FuzzSupport"),
        .executableTarget(
            name: "fuzz-prometheus-text",
            dependencies: ["CFuzzDriver", .product(name: "Probes", package: "runbook")],
            path: "Sources/fuzz-prometheus-text"
        ),
        .executableTarget(
            name: "fuzz-connection-strings",
            dependencies: ["CFuzzDriver", .product(name: "Probes", package: "runbook")],
            path: "Sources/fuzz-connection-strings"
        ),
        .executableTarget(
            name: "fuzz-kafka-codec",
            dependencies: ["FuzzSupport", .product(name: "Probes", package: "runbook")],
            path: "Sources/fuzz-kafka-codec"
        ),
        .executableTarget(
            name: "fuzz-jute-codec",
            dependencies: ["FuzzSupport", .product(name: "Probes", package: "runbook")],
            path: "Sources/fuzz-jute-codec"
        ),
        .executableTarget(
            name: "fuzz-zookeeper-4lw",
            dependencies: ["FuzzSupport", .product(name: "Probes", package: "runbook")],
            path: "Sources/fuzz-zookeeper-4lw"
        ),
        .executableTarget(
            name: "fuzz-aws-config",
            dependencies: ["FuzzSupport", .product(name: "AWSKit", package: "runbook")],
            path: "Sources/fuzz-aws-config"
        ),
        .executableTarget(
            name: "fuzz-sigv4",
            dependencies: ["FuzzSupport", .product(name: "AWSKit", package: "runbook")],
            path: "Sources/fuzz-sigv4"
        ),
        .executableTarget(
            name: "fuzz-aws-xml",
            dependencies: ["FuzzSupport", .product(name: "AWSKit", package: "runbook")],
            path: "Sources/fuzz-aws-xml"
        ),
        .executableTarget(
            name: "fuzz-strict-json",
            dependencies: [
                "FuzzSupport",
                .product(name: "RunbookEngine", package: "runbook"),
                .product(name: "LuaKit", package: "runbook"),
            ],
            path: "Sources/fuzz-strict-json"
        ),
        .executableTarget(
            name: "fuzz-alarm-events",
            dependencies: ["FuzzSupport", .product(name: "RunbookEngine", package: "runbook")],
            path: "Sources/fuzz-alarm-events"
        ),
    ]
)
