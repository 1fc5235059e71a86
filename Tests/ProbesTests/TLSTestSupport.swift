import Foundation
import Glibc
import Probes

/// Errors raised by the TLS test fixtures (setup problems, not probe assertions).
struct TLSFixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Which leaf certificate a test server presents.
enum TestLeaf: String, Sendable {
    /// CN=localhost, SAN DNS:localhost + IP:127.0.0.1, valid for 30 days from now.
    case valid
    /// Same names, valid 2020-01-01 .. 2020-02-01 (already expired).
    case expired
    /// CN=wrong.example, SAN DNS:wrong.example, valid for 30 days.
    case wrongName
}

/// A throwaway PKI in a temp directory, made with the `openssl` command line tool.
struct TestPKI: Sendable {
    let dir: String
    var caFile: String { dir + "/ca.pem" }

    static let caSubject = "CN=Probe Test CA,O=Probes Tests"

    /// Creates the directory and a self-signed EC CA.
    static func make() async throws -> TestPKI {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tls-probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pki = TestPKI(dir: dir)
        try await pki.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                               "-nodes", "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "60",
                               "-subj", "/O=Probes Tests/CN=Probe Test CA",
                               "-addext", "basicConstraints=critical,CA:TRUE",
                               "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return pki
    }

    /// Issues the leaf; returns (certificate path, key path).
    func issue(_ leaf: TestLeaf) async throws -> (cert: String, key: String) {
        let name = leaf.rawValue
        let cn = leaf == .wrongName ? "wrong.example" : "localhost"
        let sans = leaf == .wrongName ? "DNS:wrong.example" : "DNS:localhost,IP:127.0.0.1"
        try "subjectAltName=\(sans)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
        try await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr", "-subj", "/CN=\(cn)"])
        switch leaf {
        case .valid, .wrongName:
            try await openssl(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                               "-set_serial", leaf == .valid ? "1001" : "1003", "-days", "30", "-sha256",
                               "-extfile", "\(dir)/\(name).ext", "-out", "\(dir)/\(name).pem"])
        case .expired:
            // OpenSSL 3.0's `x509 -req` has no -not_before/-not_after; `openssl ca` takes explicit dates.
            try """
            [ ca ]
            default_ca = tca
            [ tca ]
            database = \(dir)/index.txt
            new_certs_dir = \(dir)
            serial = \(dir)/serial
            default_md = sha256
            policy = anything
            unique_subject = no
            [ anything ]
            commonName = supplied
            """.write(toFile: "\(dir)/ca.cnf", atomically: true, encoding: .utf8)
            try "".write(toFile: "\(dir)/index.txt", atomically: true, encoding: .utf8)
            try "1002\n".write(toFile: "\(dir)/serial", atomically: true, encoding: .utf8)
            try await openssl(["ca", "-batch", "-config", "\(dir)/ca.cnf", "-cert", "\(dir)/ca.pem", "-keyfile", "\(dir)/ca.key",
                               "-in", "\(dir)/\(name).csr", "-out", "\(dir)/\(name).pem", "-notext",
                               "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                               "-extfile", "\(dir)/\(name).ext"])
        }
        return ("\(dir)/\(name).pem", "\(dir)/\(name).key")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs `openssl args` (with absolute paths); throws with its output if it fails.
    func openssl(_ args: [String]) async throws {
        let log = "\(dir)/openssl.log"
        let child = try ChildProcess.spawn("/usr/bin/openssl", args, log: log)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var status: Int32?
        while status == nil {
            if ContinuousClock.now > deadline {
                await child.stop()
                throw TLSFixtureError(description: "openssl \(args.joined(separator: " ")) hung")
            }
            try await Task.sleep(for: .milliseconds(5))
            status = child.exitStatus()
        }
        guard status == 0 else {
            let out = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TLSFixtureError(description: "openssl \(args.joined(separator: " ")) failed: \(out)")
        }
    }
}

/// A child process started with posix_spawn.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and Swift concurrency threads
/// block SIGTERM, so a stunnel started that way ignores `kill(pid, SIGTERM)`. This spawns with an empty
/// mask and default dispositions, and reaps with waitpid(WNOHANG) so waiting never blocks a thread.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is only touched by the owning test task.
    let pid: pid_t
    private var status: Int32?

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path args` with stdin from /dev/null and stdout+stderr appended to `log`.
    static func spawn(_ path: String, _ args: [String], log: String) throws -> ChildProcess {
        var attr = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawnattr_init(&attr)
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawnattr_destroy(&attr)
            posix_spawn_file_actions_destroy(&actions)
        }
        var empty = sigset_t()
        var all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        guard rc == 0 else { throw TLSFixtureError(description: "posix_spawn \(path): errno \(rc)") }
        return ChildProcess(pid: pid)
    }

    /// The exit status once the child has exited (reaping it), nil while it runs.
    func exitStatus() -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == pid {
            // WIFEXITED ? WEXITSTATUS : 128 + signal
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        } else if r < 0 && errno == ECHILD {
            status = -1
        }
        return status
    }

    var isRunning: Bool { exitStatus() == nil }

    /// SIGTERM by PID, then SIGKILL if it lingers; waits for exit by polling.
    func stop() async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }
}

/// A listening TCP socket on 127.0.0.1 that never accepts or speaks (the kernel completes handshakes).
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw TLSFixtureError(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        _ = setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let port = bindLoopback(s, port: 0), listen(s, 16) == 0 else {
            Glibc.close(s)
            throw TLSFixtureError(description: "bind/listen failed: errno \(errno)")
        }
        fd = s
        self.port = port
    }

    deinit { Glibc.close(fd) }
}

/// A listener on 127.0.0.1 that answers every connection with a plain-text HTTP error and closes it
/// (a non-TLS server). Accepting is polled with Task.sleep, so no thread blocks.
final class PlainTextServer: Sendable {
    let listener: SilentListener
    private let task: Task<Void, Never>

    init() throws {
        let l = try SilentListener()
        listener = l
        let flags = fcntl(l.fd, F_GETFL)
        _ = fcntl(l.fd, F_SETFL, flags | O_NONBLOCK)
        task = Task {
            let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
            while !Task.isCancelled {
                let c = accept(l.fd, nil, nil)
                if c >= 0 {
                    _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    // Give the client time to read before the close (a reset could discard the data).
                    try? await Task.sleep(for: .milliseconds(50))
                    Glibc.close(c)
                } else {
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
    }

    var port: Int { listener.port }

    deinit { task.cancel() }
}

/// Binds `fd` to 127.0.0.1:`port` and returns the bound port.
func bindLoopback(_ fd: Int32, port: UInt16) -> Int? {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { return nil }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let gr = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard gr == 0 else { return nil }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A loopback port that nothing listens on (bound, read, released).
func unusedLoopbackPort() throws -> Int {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard s >= 0 else { throw TLSFixtureError(description: "socket: errno \(errno)") }
    defer { Glibc.close(s) }
    guard let port = bindLoopback(s, port: 0) else { throw TLSFixtureError(description: "bind: errno \(errno)") }
    return port
}

/// One stunnel4 process terminating TLS on 127.0.0.1:`port` in front of a backend: a silent
/// listener of its own, or a port the test gives (an echo server, a mock Kafka broker).
final class StunnelServer: Sendable {
    let port: Int
    let process: ChildProcess
    let logPath: String
    let backend: SilentListener?

    private init(port: Int, process: ChildProcess, logPath: String, backend: SilentListener?) {
        self.port = port
        self.process = process
        self.logPath = logPath
        self.backend = backend
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static func start(pki: TestPKI, cert: String, key: String, name: String, backendPort: Int? = nil) async throws -> StunnelServer {
        let backend = backendPort == nil ? try SilentListener() : nil
        let target = backendPort ?? backend?.port ?? 0
        // Pick a free port; retry if another process grabs it between our probe and stunnel's bind.
        var lastLog = ""
        for _ in 0..<3 {
            let port = try unusedLoopbackPort()
            let conf = "\(pki.dir)/stunnel-\(name).conf"
            try """
            foreground = yes
            pid =
            debug = 5
            [probe]
            accept = 127.0.0.1:\(port)
            connect = 127.0.0.1:\(target)
            cert = \(cert)
            key = \(key)
            """.write(toFile: conf, atomically: true, encoding: .utf8)
            let logPath = "\(pki.dir)/stunnel-\(name).log"
            let p = try ChildProcess.spawn("/usr/bin/stunnel4", [conf], log: logPath)
            let server = StunnelServer(port: port, process: p, logPath: logPath, backend: backend)
            if try await server.waitUntilAccepting() { return server }
            lastLog = server.log
            await server.stop()
        }
        throw TLSFixtureError(description: "stunnel did not start:\n\(lastLog)")
    }

    /// Polls the port (without blocking the cooperative pool) until it accepts; false if stunnel exited.
    private func waitUntilAccepting() async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(15))
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if await TCPProbe.probe(host: "127.0.0.1", port: port, timeout: .milliseconds(500)).ok { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Stops stunnel by PID (SIGTERM, then SIGKILL) and waits for it without blocking a thread.
    func stop() async {
        await process.stop()
    }
}

/// Makes a PKI with `leaf`, starts stunnel with it, runs `body`, and always stops stunnel and cleans up.
func withStunnel<T: Sendable>(_ leaf: TestLeaf,
                              _ body: (StunnelServer, TestPKI) async throws -> T) async throws -> T {
    let pki = try await TestPKI.make()
    do {
        let (cert, key) = try await pki.issue(leaf)
        let server = try await StunnelServer.start(pki: pki, cert: cert, key: key, name: leaf.rawValue)
        do {
            let result = try await body(server, pki)
            await server.stop()
            pki.remove()
            return result
        } catch {
            await server.stop()
            throw error
        }
    } catch {
        pki.remove()
        throw error
    }
}
