import Testing
import TestSupport

/// The servers shared by the ZooKeeper suite.
struct ZooKeeperServers: Sendable {
    /// `4lw.commands.whitelist=*`, seeded with /brokers/ids/{1,2,3} and /kafka/brokers/ids/{1001,1002,1003}.
    let open: ZooKeeperServer
    /// No whitelist line: only `srvr` is allowed.
    let restricted: ZooKeeperServer

    @TaskLocal static var current: ZooKeeperServers?
}

/// Starts the two shared servers once for the suite, seeds them, and stops them at the end.
struct ZooKeeperServersTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        async let startedOpen = capture { try await ZooKeeperServer.start(whitelistAll: true) }
        async let startedRestricted = capture { try await ZooKeeperServer.start(whitelistAll: false) }
        let (openResult, restrictedResult) = await (startedOpen, startedRestricted)
        switch (openResult, restrictedResult) {
        case (.success(let open), .success(let restricted)):
            do {
                try await open.createNodes(["/brokers/ids/1", "/brokers/ids/2", "/brokers/ids/3",
                                            "/kafka/brokers/ids/1001", "/kafka/brokers/ids/1002",
                                            "/kafka/brokers/ids/1003"])
                try await ZooKeeperServers.$current.withValue(ZooKeeperServers(open: open, restricted: restricted)) {
                    try await function()
                }
            } catch {
                await open.stop()
                await restricted.stop()
                throw error
            }
            await open.stop()
            await restricted.stop()
        case (.failure(let error), let other), (let other, .failure(let error)):
            if case .success(let server) = other { await server.stop() }
            throw error
        }
    }
}

extension Trait where Self == ZooKeeperServersTrait {
    /// Runs the suite against two real ZooKeeper servers (see ``ZooKeeperServers``).
    static var zooKeeperServers: Self { Self() }
}

private func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
