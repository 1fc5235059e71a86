import COpenSSL
import CProbesShim
import Glibc

/// Why a TLS probe failed (the TCP connection or the TLS handshake did not complete).
///
/// A certificate that fails verification is *not* a failure: the handshake completes and the
/// problem is reported in ``TLSProbeResult/verification``.
public enum TLSProbeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP connection could not be established (refused, timed out, unreachable, name not resolved, ...).
    case connectFailed(TCPProbeFailure)
    /// The TCP connection was established but the TLS handshake did not finish before the timeout.
    case handshakeTimedOut
    /// The TLS handshake failed; the text is OpenSSL's error reason (for example `wrong version number`,
    /// `sslv3 alert handshake failure`) or the socket error (`connection closed by peer`).
    case handshakeFailed(String)
    /// The calling task was cancelled.
    case cancelled
    /// The probe could not be set up (for example the CA file could not be loaded).
    case setupFailed(String)

    /// A short human-readable reason.
    public var description: String {
        switch self {
        case .connectFailed(let f): return "connect failed: \(f)"
        case .handshakeTimedOut: return "TLS handshake timed out"
        case .handshakeFailed(let text): return "TLS handshake failed: \(text)"
        case .cancelled: return "cancelled"
        case .setupFailed(let text): return "TLS setup failed: \(text)"
        }
    }

    /// The failure in the vocabulary every probe shares; a failed connect gives its TCP reason.
    public var reason: ProbeFailureReason {
        switch self {
        case .connectFailed(let failure): failure.reason
        case .handshakeTimedOut: .timedOut
        case .handshakeFailed: .tls
        case .cancelled: .cancelled
        case .setupFailed: .setupFailed
        }
    }
}

/// Details of the certificate the server presented (the leaf certificate).
public struct TLSCertificateInfo: Sendable, Equatable {
    /// Subject distinguished name in RFC 2253 form, for example `CN=localhost,O=Example`.
    public let subject: String
    /// Issuer distinguished name in RFC 2253 form.
    public let issuer: String
    /// DNS names from the subject alternative name extension, in certificate order.
    public let dnsNames: [String]
    /// IP addresses from the subject alternative name extension, in certificate order.
    public let ipAddresses: [String]
    /// Start of validity, ISO 8601 UTC (`2025-01-31T12:00:00Z`).
    public let notBefore: String
    /// End of validity, ISO 8601 UTC.
    public let notAfter: String
    /// Whole days until `notAfter`, rounded down; negative once the certificate has expired.
    public let daysLeft: Int
}

/// Outcome of one TLS probe.
public struct TLSProbeResult: Sendable, Equatable {
    /// The probed host name or address.
    public let host: String
    /// The probed port.
    public let port: Int
    /// The name sent as SNI (unless it is an IP literal) and checked against the certificate.
    public let serverName: String
    /// The numeric address that accepted the TCP connection, if any.
    public let address: String?
    /// Connect plus handshake time in milliseconds on success; total elapsed time on failure.
    public let latencyMs: Double
    /// TCP connect time in milliseconds, when the connection was established.
    public let connectMs: Double?
    /// TLS handshake time in milliseconds, when the handshake completed.
    public let handshakeMs: Double?
    /// Negotiated protocol, for example `TLSv1.3`.
    public let protocolVersion: String?
    /// Negotiated cipher suite, for example `TLS_AES_256_GCM_SHA384`.
    public let cipher: String?
    /// The server's leaf certificate, present whenever the handshake completed with a certificate,
    /// also when verification failed.
    public let certificate: TLSCertificateInfo?
    /// `"ok"` when the chain and the name verified, otherwise OpenSSL's verification error text
    /// (`certificate has expired`, `hostname mismatch`, `unable to get local issuer certificate`, ...);
    /// nil when the handshake did not complete.
    public let verification: String?
    /// Why the probe failed; nil when the handshake completed.
    public let failure: TLSProbeFailure?

    /// True when the TLS handshake completed (whatever the verification result).
    public var ok: Bool { failure == nil }
    /// True when the handshake completed and the certificate verified (chain, validity dates and name).
    public var verified: Bool { ok && verification == "ok" }
}

/// TLS checks: TCP connect, non-blocking OpenSSL handshake on the shared event loop, certificate report.
public enum TLSProbe {
    /// Connects to `host:port`, performs a TLS handshake and reports the negotiated parameters and the
    /// server certificate, all within `timeout`.
    ///
    /// - Parameters:
    ///   - host: Host name or IP address to connect to.
    ///   - port: TCP port (1-65535).
    ///   - serverName: Name to send as SNI and to verify the certificate against; defaults to `host`.
    ///     An IP literal is not sent as SNI and is matched against the certificate's IP addresses.
    ///   - timeout: Budget for connect and handshake together.
    ///   - caFile: PEM file of trusted CA certificates; nil uses the system trust store.
    /// - Returns: The result; certificate details are filled in even when verification fails
    ///   (the handshake runs with verification recorded, not enforced).
    public static func probe(host: String, port: Int, serverName: String? = nil, timeout: Duration,
                             caFile: String? = nil) async -> TLSProbeResult {
        let start = ContinuousClock.now
        let deadline = start.advanced(by: timeout)
        let name = serverName ?? host
        var report = Report(host: host, port: port, serverName: name)

        guard let loop = EventLoop.shared else {
            return report.failed(.setupFailed("event loop unavailable"), start: start)
        }
        let ctx: OpaquePointer
        switch TLSClient.makeContext(caFile: caFile) {
        case .success(let c): ctx = c
        case .failure(let f): return report.failed(f, start: start)
        }
        defer { SSL_CTX_free(ctx) }

        let connected: Connector.Connected
        switch await Connector.connect(host: host, port: port, deadline: deadline) {
        case .success(let c):
            connected = c
        case .failure(let f):
            report.address = f.address?.text
            return report.failed(f.reason == .cancelled ? .cancelled : .connectFailed(f.reason), start: start)
        }
        let fd = connected.fd
        defer { closeSocket(fd) }
        report.address = connected.address.text
        report.connectMs = connected.latencyMs

        let ssl: OpaquePointer
        switch TLSClient.makeSSL(ctx: ctx, fd: fd, name: name) {
        case .success(let s): ssl = s
        case .failure(let f): return report.failed(f, start: start)
        }
        defer { SSL_free(ssl) } // runs before closeSocket: declared later

        let handshakeStart = ContinuousClock.now
        if let failure = await TLSClient.handshake(ssl: ssl, fd: fd, loop: loop, deadline: deadline) {
            return report.failed(failure, start: start)
        }
        report.handshakeMs = elapsedMs(since: handshakeStart)
        let latencyMs = elapsedMs(since: start)

        if let v = SSL_get_version(ssl) { report.protocolVersion = String(cString: v) }
        if let c = SSL_get_current_cipher(ssl), let n = SSL_CIPHER_get_name(c) {
            report.cipher = String(cString: n)
        }
        if let cert = SSL_get1_peer_certificate(ssl) {
            report.certificate = certificateInfo(cert)
            X509_free(cert)
            let code = Int32(truncatingIfNeeded: SSL_get_verify_result(ssl))
            if code == X509_V_OK {
                report.verification = "ok"
            } else if let text = X509_verify_cert_error_string(Int(code)) {
                report.verification = String(cString: text)
            } else {
                report.verification = "verification error \(code)"
            }
        } else {
            report.verification = "no peer certificate"
        }

        // Best effort close_notify; a non-blocking socket may not take it, which is fine.
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        return report.finished(latencyMs: latencyMs)
    }

    // MARK: Internals

    /// Accumulates the fields of a result as the probe progresses.
    private struct Report {
        let host: String
        let port: Int
        let serverName: String
        var address: String?
        var connectMs: Double?
        var handshakeMs: Double?
        var protocolVersion: String?
        var cipher: String?
        var certificate: TLSCertificateInfo?
        var verification: String?

        init(host: String, port: Int, serverName: String) {
            self.host = host
            self.port = port
            self.serverName = serverName
        }

        func failed(_ failure: TLSProbeFailure, start: ContinuousClock.Instant) -> TLSProbeResult {
            TLSProbeResult(host: host, port: port, serverName: serverName, address: address,
                           latencyMs: elapsedMs(since: start), connectMs: connectMs, handshakeMs: nil,
                           protocolVersion: nil, cipher: nil, certificate: nil, verification: nil, failure: failure)
        }

        func finished(latencyMs: Double) -> TLSProbeResult {
            TLSProbeResult(host: host, port: port, serverName: serverName, address: address,
                           latencyMs: latencyMs, connectMs: connectMs, handshakeMs: handshakeMs,
                           protocolVersion: protocolVersion, cipher: cipher, certificate: certificate,
                           verification: verification, failure: nil)
        }
    }

    private static func certificateInfo(_ cert: OpaquePointer) -> TLSCertificateInfo {
        let subject = readCString { cprobes_x509_name(cert, 0, $0, $1) }
        let issuer = readCString { cprobes_x509_name(cert, 1, $0, $1) }
        var dns: [String] = []
        var ips: [String] = []
        for line in readCString({ cprobes_x509_sans(cert, $0, $1) }).split(separator: "\n") {
            if line.hasPrefix("DNS:") {
                dns.append(String(line.dropFirst(4)))
            } else if line.hasPrefix("IP:") {
                ips.append(String(line.dropFirst(3)))
            }
        }
        var notBefore: Int64 = 0
        var notAfter: Int64 = 0
        let haveDates = cprobes_x509_validity(cert, &notBefore, &notAfter) == 1
        let now = Int64(time(nil))
        let secondsLeft = notAfter - now
        // Floor division so an expired certificate reports a negative count.
        let daysLeft = secondsLeft >= 0 ? secondsLeft / 86_400 : -((-secondsLeft + 86_399) / 86_400)
        return TLSCertificateInfo(subject: subject, issuer: issuer, dnsNames: dns, ipAddresses: ips,
                                  notBefore: haveDates ? iso8601(notBefore) : "",
                                  notAfter: haveDates ? iso8601(notAfter) : "",
                                  daysLeft: haveDates ? Int(daysLeft) : 0)
    }

    /// Calls a C writer `(buffer, capacity) -> full length` and grows the buffer once if needed.
    private static func readCString(_ write: (UnsafeMutablePointer<CChar>, Int) -> Int) -> String {
        var capacity = 512
        for _ in 0..<2 {
            var buf = [CChar](repeating: 0, count: capacity)
            let needed = buf.withUnsafeMutableBufferPointer { b -> Int in
                guard let base = b.baseAddress else { return -1 }
                return write(base, b.count)
            }
            if needed < 0 { return "" }
            if needed < capacity { return decodeCString(buf) }
            capacity = needed + 1
        }
        return ""
    }

    private static func iso8601(_ epoch: Int64) -> String {
        var t = time_t(epoch)
        var tm = Glibc.tm()
        guard gmtime_r(&t, &tm) != nil else { return "" }
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))Z"
    }
}
