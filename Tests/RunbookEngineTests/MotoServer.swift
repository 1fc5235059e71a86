import Foundation
import TestSupport

/// moto's server on a free loopback port, started by a test and stopped by its PID.
final class MotoServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init() throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until the server answers, for at most 20 s, without blocking a thread.
    func ready() async throws {
        for _ in 0..<200 {
            if canConnect(port: port) { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw MotoError(message: "moto_server did not start on port \(port); is moto[server] installed?")
    }

    /// Runs Tests/Support/moto_seed.py against this server.
    func seedMetrics() async throws {
        let seed = Process()
        seed.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        seed.arguments = ["python3", supportFile("moto_seed.py"), url]
        seed.standardOutput = FileHandle.nullDevice
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            seed.terminationHandler = { _ in continuation.resume() }
            do { try seed.run() } catch { continuation.resume(throwing: error) }
        }
        guard seed.terminationStatus == 0 else { throw MotoError(message: "seeding moto failed") }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct MotoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

