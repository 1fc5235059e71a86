import Foundation
import TestSupport

/// moto's server on a free loopback port, started by a test and stopped by its PID.
final class MotoServer: Sendable {
    let server: LoopbackProcess
    var url: String { server.url }

    init() async throws {
        server = try await LoopbackProcess("moto_server") { ["-H", "127.0.0.1", "-p", String($0)] }
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
}

struct MotoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

