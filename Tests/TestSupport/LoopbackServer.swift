import Foundation

/// A test server from Tests/Support, started on 127.0.0.1 by a test and stopped by its PID when the
/// test lets go of it. The script prints its port on its first line.
public final class LoopbackServer: Sendable {
    /// The port the server listens on.
    public let port: Int
    private let process: ChildProcess

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `python3 Tests/Support/<script> <arguments>` and waits for its port.
    public init(script: String, arguments: [String] = []) async throws {
        process = try ChildProcess.start("python3", [supportFile(script)] + arguments, output: .lines)
        let line = try await process.readLine()
        guard let port = Int(line) else { throw TestServerError("\(script) printed \(line) where its port belongs") }
        self.port = port
    }
}

/// A server program that listens on a port the test chose (moto, node_exporter), started by a test and
/// stopped by its PID when the test lets go of it.
public final class LoopbackProcess: Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: ChildProcess

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `command` (found on PATH) with `arguments(port)` on a free port and waits, for at most 20 s,
    /// until it accepts connections.
    public init(_ command: String, arguments: (Int) -> [String]) async throws {
        let port = try freePort()
        let process = try ChildProcess.start(command, arguments(port))
        try await waitUntil("\(command) accepts connections on port \(port)", timeout: .seconds(20)) {
            guard process.isRunning else { throw TestServerError("\(command) exited: \(process.exitStatus.map(\.description) ?? "")") }
            return canConnect(port: port)
        }
        self.port = port
        self.process = process
    }
}

/// Why a test server or tool could not be used.
public struct TestServerError: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks `condition` every `interval` until it holds, without blocking a thread; throws after `timeout`,
/// saying what did not happen. For conditions a test can observe, where a fixed sleep would only hope.
public func waitUntil(_ what: String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(10),
                      _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestServerError("timed out after \(timeout) waiting until \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// The package's root folder.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The path of a file in Tests/Support.
public func supportFile(_ name: String) -> String {
    packageRoot + "/Tests/Support/" + name
}

/// A product `swift build` put next to the running test bundle (`runbook`).
public func builtProduct(_ name: String) -> String {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = (executable as NSString).deletingLastPathComponent
    while !FileManager.default.fileExists(atPath: folder + "/" + name), folder.count > 1 {
        folder = (folder as NSString).deletingLastPathComponent
    }
    return folder + "/" + name
}
