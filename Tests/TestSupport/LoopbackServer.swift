import Dispatch
import Foundation

/// A test server from Tests/Support, started on 127.0.0.1 by a test and stopped by its
/// PID when the test lets go of it. The script prints its port on its first line.
public final class LoopbackServer: @unchecked Sendable {
    /// The port the server listens on.
    public let port: Int
    private let process: Process

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `python3 Tests/Support/<script> <arguments>` and waits for its port.
    public init(script: String, arguments: [String] = []) async throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", supportFile(script)] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            port = try await readPort(from: output.fileHandleForReading)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Why a test server could not be used.
public struct TestServerError: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The path of a file in Tests/Support.
public func supportFile(_ name: String) -> String {
    (((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent as NSString)
        .appendingPathComponent("Support/\(name)")
}

/// Reads the port a server prints first. The read blocks, so it runs on a dispatch thread:
/// Swift Testing's pool has one thread per core, and a test blocking one stalls every
/// other test's timers.
func readPort(from handle: FileHandle) async throws -> Int {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            var line = Data()
            while let byte = try? handle.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
            if let port = Int(String(decoding: line, as: UTF8.self)) {
                continuation.resume(returning: port)
            } else {
                continuation.resume(throwing: TestServerError("the test server printed no port"))
            }
        }
    }
}

/// A loopback port nothing listens on now: bind port 0, read it, close.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw TestServerError("cannot bind a loopback port") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// True when something accepts connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port: port)
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

/// A server program that listens on a port the test chose (moto, node_exporter), started
/// by a test and stopped by its PID.
public final class LoopbackProcess: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    private let process = Process()

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `command` (found on PATH) with `arguments(port)` on a free port and waits, for
    /// at most 20 s and without blocking a thread, until it accepts connections.
    public init(_ command: String, arguments: (Int) -> [String]) async throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments(port)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if canConnect(port: port) { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        kill(process.processIdentifier, SIGKILL)
        throw TestServerError("\(command) did not start on port \(port); is it installed?")
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A program that prints where it listens on its first line (librdkafka's mock cluster prints
/// its bootstrap servers), started by a test and stopped by its PID.
public final class FirstLineProcess: @unchecked Sendable {
    /// The first line the program printed.
    public let firstLine: String
    private let process = Process()

    /// Starts `executable` with `arguments` and waits for its first line.
    public init(executable: String, arguments: [String]) async throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()  // the mock cluster reads commands; an open pipe keeps it running
        try process.run()
        let handle = output.fileHandleForReading
        firstLine = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var line = Data()
                while let byte = try? handle.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
                if line.isEmpty {
                    continuation.resume(throwing: TestServerError("\(executable) printed nothing"))
                } else {
                    continuation.resume(returning: String(decoding: line, as: UTF8.self))
                }
            }
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A product `swift build` put next to the running test bundle (`runbook`, `kafka-mock-cluster`).
public func builtProduct(_ name: String) -> String {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = (executable as NSString).deletingLastPathComponent
    while !FileManager.default.fileExists(atPath: folder + "/" + name), folder.count > 1 {
        folder = (folder as NSString).deletingLastPathComponent
    }
    return folder + "/" + name
}
