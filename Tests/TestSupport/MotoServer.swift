/// moto's server on a free loopback port, started by a test and stopped by its PID.
public final class MotoServer: Sendable {
    private let server: LoopbackProcess
    /// `http://127.0.0.1:<port>`.
    public var url: String { server.url }

    /// Starts `moto_server` (pip's `moto[server]`) and waits until it accepts connections.
    public init() async throws {
        server = try await LoopbackProcess("moto_server") { ["-H", "127.0.0.1", "-p", String($0)] }
    }

    /// Runs Tests/Support/moto_seed.py against this server.
    public func seedMetrics() async throws {
        try await ChildProcess.run("python3", [supportFile("moto_seed.py"), url]).check()
    }
}
