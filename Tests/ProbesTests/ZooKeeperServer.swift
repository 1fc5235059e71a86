import Foundation
import Glibc
import Probes
import Synchronization
import Testing

/// Failures while starting, seeding or stopping a test ZooKeeper server.
struct ZooKeeperServerError: Error, CustomStringConvertible {
    let description: String
}

/// Collects a child process's output on a DispatchQueue, off Swift's cooperative thread pool.
final class OutputCollector: Sendable {
    private let text = Mutex("")
    private let done = Mutex(false)

    init(_ pipe: Pipe, label: String) {
        let handle = pipe.fileHandleForReading
        DispatchQueue(label: label).async { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let chunk = String(decoding: data, as: UTF8.self)
                text.withLock { $0 += chunk }
            }
            done.withLock { $0 = true }
        }
    }

    var output: String { text.withLock { $0 } }
    var finished: Bool { done.withLock { $0 } }

    /// The last `lines` lines, for error messages.
    func tail(_ lines: Int = 30) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// A real ZooKeeper server from Debian's `zookeeper` package, listening on 127.0.0.1 only.
///
/// Started as `java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar
/// org.apache.zookeeper.server.ZooKeeperServerMain <dir>/zoo.cfg`, stopped with SIGTERM by PID.
final class ZooKeeperServer: Sendable {
    static let java = "/usr/bin/java"
    static let classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
    static let zkCli = "/usr/share/zookeeper/bin/zkCli.sh"
    /// Small, quick-starting JVMs: the machine is shared and has 2 cores.
    static let jvmFlags = ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"]

    let port: Int
    let directory: URL
    let pid: Int32
    private let process: Process
    private let collector: OutputCollector

    var connectString: String { "127.0.0.1:\(port)" }

    private init(port: Int, directory: URL, process: Process, collector: OutputCollector) {
        self.port = port
        self.directory = directory
        self.pid = process.processIdentifier
        self.process = process
        self.collector = collector
    }

    /// Writes a zoo.cfg in a fresh temporary directory, starts the server and waits until it answers `srvr`.
    ///
    /// - Parameter whitelistAll: Adds `4lw.commands.whitelist=*`; without it ZooKeeper 3.8 allows only `srvr`.
    static func start(whitelistAll: Bool) async throws -> ZooKeeperServer {
        let port = try freePort()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zk-test-\(port)-\(UUID().uuidString)", isDirectory: true)
        let data = directory.appendingPathComponent("data", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var config = """
            tickTime=2000
            dataDir=\(data.path)
            clientPort=\(port)
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            maxClientCnxns=0

            """
        if whitelistAll { config += "4lw.commands.whitelist=*\n" }
        let cfg = directory.appendingPathComponent("zoo.cfg")
        try config.write(to: cfg, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: java)
        process.arguments = jvmFlags + [
            "-Dzookeeper.log.dir=\(directory.path)",
            "-Dzookeeper.root.logger=INFO,CONSOLE",
            "-cp", classpath,
            "org.apache.zookeeper.server.ZooKeeperServerMain", cfg.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = ZooKeeperServer(port: port, directory: directory, process: process,
                                     collector: OutputCollector(pipe, label: "zookeeper-\(port)"))
        do {
            try await server.waitUntilServing(timeout: .seconds(90))
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    /// Polls with `Task.sleep` until `srvr` reports a mode (the port accepts and the server serves).
    private func waitUntilServing(timeout: Duration) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw ZooKeeperServerError(description: "ZooKeeper on port \(port) exited early:\n\(collector.tail())")
            }
            if let connection = try? await ProbeConnection.connect(host: "127.0.0.1", port: port, timeout: .seconds(1)) {
                defer { connection.close() }
                let soon = ContinuousClock.now.advanced(by: .seconds(2))
                if (try? await connection.write(Array("srvr".utf8), deadline: soon)) != nil,
                   let reply = try? await connection.readToEnd(limit: 65_536, deadline: soon),
                   String(decoding: reply, as: UTF8.self).contains("Mode:") {
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ZooKeeperServerError(description: "ZooKeeper on port \(port) did not start within \(timeout):\n\(collector.tail())")
    }

    /// Stops the server: SIGTERM to its PID, wait (polling) up to 15 s, then SIGKILL; removes its directory.
    func stop() async {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now.advanced(by: .seconds(15))
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning {
                kill(pid, SIGKILL)
                while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `commands` in one session of the package's zkCli.sh against this server and returns its output.
    @discardableResult
    func cli(_ commands: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.zkCli, "-server", connectString]
        var environment = ProcessInfo.processInfo.environment
        environment["CLIENT_JVMFLAGS"] = Self.jvmFlags.joined(separator: " ")
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let collector = OutputCollector(output, label: "zkCli-\(port)")
        let script = (commands + ["quit"]).joined(separator: "\n") + "\n"
        try input.fileHandleForWriting.write(contentsOf: Data(script.utf8))
        try input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now.advanced(by: .seconds(90))
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw ZooKeeperServerError(description: "zkCli.sh timed out:\n\(collector.tail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        while !collector.finished { try await Task.sleep(for: .milliseconds(20)) }
        guard process.terminationStatus == 0 else {
            throw ZooKeeperServerError(description: "zkCli.sh exited with \(process.terminationStatus):\n\(collector.tail())")
        }
        return collector.output
    }

    /// Creates each node (and its missing parents, in order) with empty data via zkCli.sh.
    func createNodes(_ paths: [String]) async throws {
        var all: [String] = []
        for path in paths {
            var prefix = ""
            for segment in path.split(separator: "/") {
                prefix += "/\(segment)"
                if !all.contains(prefix) { all.append(prefix) }
            }
        }
        let output = try await cli(all.map { "create \($0) \"\"" })
        for path in all where !output.contains("Created \(path)") {
            throw ZooKeeperServerError(description: "zkCli.sh did not create \(path):\n\(output)")
        }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ZooKeeperServerError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ZooKeeperServerError(description: "bind() failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ZooKeeperServerError(description: "getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

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
