import Foundation

/// Which leaf certificate a test server presents.
public enum TestLeaf: String, Sendable {
    /// CN=localhost, SAN DNS:localhost + IP:127.0.0.1, valid for 30 days from now.
    case valid
    /// Same names, valid 2020-01-01 .. 2020-02-01 (already expired).
    case expired
    /// CN=wrong.example, SAN DNS:wrong.example, valid for 30 days.
    case wrongName
}

/// The key a test leaf certificate holds.
public enum TestKeyType: Sendable {
    /// P-256, as TLS servers in tests use.
    case ec
    /// RSA 2048, as SNS signs messages with.
    case rsa

    /// The `-newkey` arguments of `openssl req`.
    var newKey: [String] {
        switch self {
        case .ec: ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        case .rsa: ["rsa:2048"]
        }
    }
}

/// A throwaway PKI in a temp directory, made with the `openssl` command line tool.
public struct TestPKI: Sendable {
    /// The directory holding the CA, the leaves and stunnel's files.
    public let dir: String
    /// The test CA's certificate, to trust.
    public var caFile: String { dir + "/ca.pem" }

    /// The test CA's subject, as OpenSSL prints it.
    public static let caSubject = "CN=Probe Test CA,O=Probes Tests"

    /// Creates the directory and a self-signed EC CA.
    public static func make() async throws -> TestPKI {
        let dir = NSTemporaryDirectory() + "tls-probe-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pki = TestPKI(dir: dir)
        try await pki.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                               "-nodes", "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "60",
                               "-subj", "/O=Probes Tests/CN=Probe Test CA",
                               "-addext", "basicConstraints=critical,CA:TRUE",
                               "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return pki
    }

    /// Issues the leaf with a new `key`; returns (certificate path, key path).
    public func issue(_ leaf: TestLeaf, key: TestKeyType = .ec) async throws -> (cert: String, key: String) {
        let name = leaf.rawValue
        let cn = leaf == .wrongName ? "wrong.example" : "localhost"
        let sans = leaf == .wrongName ? "DNS:wrong.example" : "DNS:localhost,IP:127.0.0.1"
        try "subjectAltName=\(sans)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
        try await openssl(["req", "-new", "-newkey"] + key.newKey + ["-nodes",
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

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs `openssl args` (with absolute paths); throws with its output if it fails.
    public func openssl(_ args: [String]) async throws {
        try await ChildProcess.run("/usr/bin/openssl", args, timeout: .seconds(30)).check()
    }
}

/// One stunnel4 process terminating TLS on 127.0.0.1:`port` in front of a backend: a silent
/// listener of its own, or a port the test gives (an echo server, a mock Kafka broker).
public final class StunnelServer: Sendable {
    /// The TLS port.
    public let port: Int
    /// The stunnel process.
    public let process: ChildProcess
    /// stunnel's log, its standard output and error.
    public let logPath: String
    /// The listener stunnel forwards to when the test gave no backend port.
    public let backend: TestSocket?

    private init(port: Int, process: ChildProcess, logPath: String, backend: TestSocket?) {
        self.port = port
        self.process = process
        self.logPath = logPath
        self.backend = backend
    }

    /// What stunnel has logged so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts stunnel with `cert` and `key` from `pki` in front of `backendPort` (a silent listener when nil),
    /// and waits until it accepts connections. `name` tells this server's files in the PKI's directory apart.
    public static func start(pki: TestPKI, cert: String, key: String, name: String, backendPort: Int? = nil) async throws -> StunnelServer {
        let backend = backendPort == nil ? try makeListener() : nil
        let target = backendPort ?? backend?.port ?? 0
        // Another process may take the free port before stunnel binds it; then try another.
        var lastLog = ""
        for _ in 0..<3 {
            let port = try freePort()
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
            let process = try ChildProcess.start("/usr/bin/stunnel4", [conf], output: .file(logPath))
            let server = StunnelServer(port: port, process: process, logPath: logPath, backend: backend)
            do {
                try await waitUntil("stunnel accepts on port \(port)", timeout: .seconds(15), interval: .milliseconds(20)) {
                    guard process.isRunning else { throw TestServerError("stunnel exited") }
                    return canConnect(port: port)
                }
                return server
            } catch {
                lastLog = server.log
                await server.stop()
            }
        }
        throw TestServerError("stunnel did not start:\n\(lastLog)")
    }

    /// Stops stunnel by its PID (SIGTERM, then SIGKILL) and waits for it without blocking a thread.
    public func stop() async {
        await process.stop()
    }
}

/// Makes a PKI with `leaf`, starts stunnel with it, runs `body`, and always stops stunnel and cleans up.
public func withStunnel<T: Sendable>(_ leaf: TestLeaf,
                                     _ body: (StunnelServer, TestPKI) async throws -> T) async throws -> T {
    let pki = try await TestPKI.make()
    defer { pki.remove() }
    let (cert, key) = try await pki.issue(leaf)
    let server = try await StunnelServer.start(pki: pki, cert: cert, key: key, name: leaf.rawValue)
    do {
        let result = try await body(server, pki)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
