import Dispatch
import Foundation
import Glibc
@testable import Probes

/// Runs the `kafka-mock-cluster` helper (librdkafka's mock Kafka cluster) as a child process.
final class KafkaMockCluster: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let bootstrap: String
    let brokers: [HostPort]
    private let process: Process
    private let input: FileHandle
    private let output: LineReader
    private static let queue = DispatchQueue(label: "kafka-mock-cluster-io")

    private init(process: Process, input: FileHandle, output: LineReader, bootstrap: String) throws {
        self.process = process
        self.input = input
        self.output = output
        self.bootstrap = bootstrap
        self.brokers = try ConnectionStrings.bootstrapBrokers(bootstrap)
    }

    /// Starts `brokers` mock brokers with topics given as `name:partitions:replication`.
    static func start(brokers: Int = 3, topics: [String], extraArguments: [String] = []) async throws -> KafkaMockCluster {
        let process = Process()
        process.executableURL = try helperURL()
        process.arguments = ["--brokers", String(brokers)] + extraArguments + topics
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = LineReader(fd: stdoutPipe.fileHandleForReading.fileDescriptor, pipe: stdoutPipe)
        do {
            let first = try await readLine(reader, timeoutMs: 15_000)
            guard first.contains("127.0.0.1:") else { throw Failure(description: "unexpected first line \(first)") }
            return try KafkaMockCluster(process: process, input: stdinPipe.fileHandleForWriting, output: reader, bootstrap: first)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    /// Sends one command line and returns the helper's one-line reply.
    @discardableResult
    func command(_ line: String) async throws -> String {
        try input.write(contentsOf: Array((line + "\n").utf8))
        return try await Self.readLine(output, timeoutMs: 10_000)
    }

    /// Stops the helper by PID and reaps it.
    func stop() {
        let pid = process.processIdentifier
        try? input.close()
        if process.isRunning { kill(pid, SIGTERM) }
        // Wait briefly for Foundation to reap it (Process.waitUntilExit spins a run loop and can hang
        // on a cooperative thread); escalate to SIGKILL.
        for _ in 0..<300 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Reads a line on a dispatch queue (blocking `poll`/`read`), so Swift Testing's cooperative pool is never blocked.
    private static func readLine(_ reader: LineReader, timeoutMs: Int32) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try reader.readLine(timeoutMs: timeoutMs) }) }
        }
    }

    /// The helper binary: next to the test bundle, else in `swift build --show-bin-path` (built if missing).
    static func helperURL() throws -> URL {
        let name = "kafka-mock-cluster"
        let fm = FileManager.default
        var candidates: [URL] = []
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(name))
        }
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
        }
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) }) { return found }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        _ = try run("/usr/bin/env", ["swift", "build", "--product", name], in: packageRoot)
        let binPath = try run("/usr/bin/env", ["swift", "build", "--show-bin-path"], in: packageRoot)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let url = URL(fileURLWithPath: binPath).appendingPathComponent(name)
        guard fm.isExecutableFile(atPath: url.path) else { throw Failure(description: "\(name) not found at \(url.path)") }
        return url
    }

    /// Runs a short command synchronously and returns stdout (only call off the cooperative pool, or for quick tools).
    static func run(_ path: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) exited with \(p.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Like ``run(_:_:in:)`` but on a dispatch queue, awaited with a continuation.
    static func runAsync(_ path: String, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try run(path, arguments) }) }
        }
    }
}

/// Buffered line reader over a pipe descriptor with a poll timeout.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private let pipe: Pipe   // keeps the descriptor open
    private var buffer: [UInt8] = []

    init(fd: Int32, pipe: Pipe) {
        self.fd = fd
        self.pipe = pipe
    }

    func readLine(timeoutMs: Int32) throws -> String {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { throw KafkaMockCluster.Failure(description: "timed out waiting for a line from the helper") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KafkaMockCluster.Failure(description: "helper closed its output") }
            buffer += chunk.prefix(n)
        }
    }
}
