import Foundation
import Glibc

/// librdkafka's mock Kafka cluster (Tests/Peers/kafka-mock-cluster) on 127.0.0.1, started by a test and
/// stopped by its PID.
public final class KafkaMockCluster: Sendable {
    /// The bootstrap servers the cluster printed, `127.0.0.1:<port>` for each broker, comma-separated.
    public let bootstrap: String
    /// The brokers' ports, in the order of `bootstrap`.
    public let ports: [Int]
    private let process: ChildProcess

    private init(bootstrap: String, ports: [Int], process: ChildProcess) {
        self.bootstrap = bootstrap
        self.ports = ports
        self.process = process
    }

    /// Starts `brokers` mock brokers with topics given as `name:partitions:replication`.
    public static func start(brokers: Int = 3, topics: [String], extraArguments: [String] = []) async throws -> KafkaMockCluster {
        let process = try ChildProcess.start(try await executable.value, ["--brokers", String(brokers)] + extraArguments + topics,
                                             input: .lines, output: .lines)
        let bootstrap = try await process.readLine()
        let ports = bootstrap.split(separator: ",").compactMap { broker in
            broker.hasPrefix("127.0.0.1:") ? Int(broker.dropFirst("127.0.0.1:".count)) : nil
        }
        guard ports.count == brokers else { throw TestServerError("the Kafka mock cluster printed \(bootstrap) for \(brokers) brokers") }
        return KafkaMockCluster(bootstrap: bootstrap, ports: ports, process: process)
    }

    /// Sends one command line (see Tests/Peers/kafka-mock-cluster/main.c) and returns the one-line reply.
    @discardableResult
    public func command(_ line: String) async throws -> String {
        try process.send(line)
        return try await process.readLine(timeout: .seconds(10))
    }

    /// Stops the cluster by its PID at once, so a `defer` can call it.
    public func stop() { process.kill() }

    /// The executable, compiled by the first test that needs it.
    private static let executable = Task { try await compiledPeer("kafka-mock-cluster", libraries: ["rdkafka"]) }
}

/// Compiles the C program Tests/Peers/<name>/main.c, linked with `libraries`, with the C compiler on PATH,
/// and returns the executable's path: .build/test-peers/<name>-<hash of the source and libraries>, reused
/// while neither changes. It is compiled under a temporary name and renamed into place, so test processes
/// compiling it at the same time each find a whole executable.
///
/// Compiled here rather than declared as a target in Package.swift, so that building the package does not
/// need the libraries of test peers.
func compiledPeer(_ name: String, libraries: [String]) async throws -> String {
    let source = packageRoot + "/Tests/Peers/\(name)/main.c"
    guard let code = FileManager.default.contents(atPath: source) else { throw TestServerError("cannot read \(source)") }
    let links = libraries.map { "-l" + $0 }
    let folder = packageRoot + "/.build/test-peers"
    let executable = folder + "/\(name)-" + fnv1a(Array(code) + Array(links.joined(separator: " ").utf8))
    if FileManager.default.isExecutableFile(atPath: executable) { return executable }

    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let temporary = executable + ".\(getpid())-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: temporary) }
    do {
        try await ChildProcess.run(try cCompiler(), ["-O1", "-o", temporary, source] + links).check()
    } catch {
        throw TestServerError("cannot compile \(source) (it needs the headers of \(libraries.joined(separator: ", "))): \(error)")
    }
    guard rename(temporary, executable) == 0 else {
        throw TestServerError("cannot rename \(temporary) to \(executable): \(String(cString: strerror(errno)))")
    }
    return executable
}

/// `cc`, or else `clang`, from PATH.
private func cCompiler() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in ["cc", "clang"] {
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
    }
    throw TestServerError("no C compiler on PATH (cc or clang) to compile the tests' peers")
}

/// 64-bit FNV-1a, in hex: a cache key, not a checksum against tampering.
private func fnv1a(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3 }
    return String(hash, radix: 16)
}
