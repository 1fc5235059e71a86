import Foundation

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

func supportFile(_ name: String) -> String {
    (((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent as NSString)
        .appendingPathComponent("Support/\(name)")
}

/// A port nothing listens on now: bind port 0, read it, close.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw MotoError(message: "cannot bind a loopback port") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
