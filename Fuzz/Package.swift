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
    ]
)
