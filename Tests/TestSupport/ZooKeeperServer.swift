import Foundation

/// A real ZooKeeper server from Debian's `zookeeper` package, listening on 127.0.0.1 only.
///
/// Started as `java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar
/// org.apache.zookeeper.server.ZooKeeperServerMain <dir>/zoo.cfg`, stopped with SIGTERM by PID.
public final class ZooKeeperServer: Sendable {
    static let java = "/usr/bin/java"
    static let classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
    static let zkCli = "/usr/share/zookeeper/bin/zkCli.sh"
    /// Small, quick-starting JVMs: the machine is shared and has 2 cores.
    static let jvmFlags = ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"]

    /// The client port.
    public let port: Int
    private let directory: String
    private let process: ChildProcess

    /// `127.0.0.1:<port>`.
    public var connectString: String { "127.0.0.1:\(port)" }

    private init(port: Int, directory: String, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Writes a zoo.cfg in a fresh temporary directory, starts the server and waits until it answers `srvr`.
    ///
    /// - Parameter whitelistAll: Adds `4lw.commands.whitelist=*`; without it ZooKeeper 3.8 allows only `srvr`.
    public static func start(whitelistAll: Bool) async throws -> ZooKeeperServer {
        try await start(whitelistAll: whitelistAll, outOfQuorum: false)
    }

    /// Starts member 1 of a three-server ensemble whose other two members never start: a node out of
    /// quorum, as after a network partition. It answers `ruok` with `imok`, `srvr` with "This ZooKeeper
    /// instance is not currently serving requests", and closes every session's connection. Every
    /// four-letter word is allowed.
    public static func startOutOfQuorum() async throws -> ZooKeeperServer {
        try await start(whitelistAll: true, outOfQuorum: true)
    }

    private static func start(whitelistAll: Bool, outOfQuorum: Bool) async throws -> ZooKeeperServer {
        // The port is free when chosen, but a parallel test's freePort() may be handed it before
        // the JVM binds it (the suite once failed with "exited early"): try another port then.
        var attempt = 1
        while true {
            do {
                return try await start(whitelistAll: whitelistAll, port: try freePort(), outOfQuorum: outOfQuorum)
            } catch is ExitedEarly where attempt < 3 {
                attempt += 1
            }
        }
    }

    /// The server exited before it served, most often because its port was taken meanwhile.
    private struct ExitedEarly: Error, CustomStringConvertible {
        let log: String
        var description: String { "ZooKeeper exited before it served\n\(log)" }
    }

    private static func start(whitelistAll: Bool, port: Int, outOfQuorum: Bool) async throws -> ZooKeeperServer {
        let directory = NSTemporaryDirectory() + "zk-test-\(port)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        var config = """
            tickTime=2000
            dataDir=\(directory)/data
            clientPort=\(port)
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            maxClientCnxns=0

            """
        if whitelistAll { config += "4lw.commands.whitelist=*\n" }
        if outOfQuorum {
            // Quorum and election ports on loopback; only member 1's are ever bound.
            config += "initLimit=5\nsyncLimit=2\n"
            for member in 1...3 { config += "server.\(member)=127.0.0.1:\(try freePort()):\(try freePort())\n" }
            try "1\n".write(toFile: directory + "/data/myid", atomically: true, encoding: .utf8)
        }
        try config.write(toFile: directory + "/zoo.cfg", atomically: true, encoding: .utf8)

        let mainClass = outOfQuorum ? "org.apache.zookeeper.server.quorum.QuorumPeerMain" : "org.apache.zookeeper.server.ZooKeeperServerMain"
        let process = try ChildProcess.start(java, jvmFlags + [
            "-Dzookeeper.log.dir=\(directory)",
            "-Dzookeeper.root.logger=INFO,CONSOLE",
            "-cp", classpath,
            mainClass, directory + "/zoo.cfg",
        ], output: .file(directory + "/console.log"))
        let server = ZooKeeperServer(port: port, directory: directory, process: process)
        do {
            try await waitUntil("ZooKeeper on port \(port) serves", timeout: .seconds(90), interval: .milliseconds(200)) {
                guard process.isRunning else { throw ExitedEarly(log: "") }
                let reply = await exchange(port: port, request: Array("srvr".utf8), timeout: .seconds(2))
                return reply?.contains(outOfQuorum ? "not currently serving requests" : "Mode:") == true
            }
        } catch {
            let tail = server.logTail
            await server.stop()
            if error is ExitedEarly { throw ExitedEarly(log: tail) }
            throw TestServerError("\(error)\n\(tail)")
        }
        return server
    }

    /// Stops the server (SIGTERM by PID, SIGKILL after 15 s) and removes its directory.
    public func stop() async {
        await process.stop(grace: .seconds(15))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `commands` in one session of the package's zkCli.sh against this server and returns its output.
    @discardableResult
    public func cli(_ commands: [String]) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["CLIENT_JVMFLAGS"] = Self.jvmFlags.joined(separator: " ")
        let outcome = try await ChildProcess.run("/bin/bash", [Self.zkCli, "-server", connectString],
                                                 input: (commands + ["quit"]).joined(separator: "\n") + "\n",
                                                 environment: environment, timeout: .seconds(90))
        return try outcome.check() + outcome.stderr
    }

    /// Creates each node (and its missing parents, in order) with empty data via zkCli.sh.
    public func createNodes(_ paths: [String]) async throws {
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
            throw TestServerError("zkCli.sh did not create \(path):\n\(output)")
        }
    }

    /// The end of the server's console log, for error messages.
    private var logTail: String {
        let log = (try? String(contentsOfFile: directory + "/console.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n", omittingEmptySubsequences: false).suffix(30).joined(separator: "\n")
    }
}
