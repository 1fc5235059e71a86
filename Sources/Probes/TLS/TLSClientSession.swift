import COpenSSL
import CProbesShim
import Glibc
import Synchronization

/// TLS options for the protocol clients (``ProbeConnection``, ZooKeeper, Kafka).
public struct ProbeTLSOptions: Sendable, Equatable {
    /// Name sent as SNI and verified against the certificate; nil uses the connection's host.
    /// An IP literal is not sent as SNI and is matched against the certificate's IP addresses.
    public var serverName: String?
    /// PEM file of trusted CA certificates; nil uses the system trust store.
    public var caFile: String?
    /// Whether a certificate that fails verification (chain, dates or name) aborts the connection.
    public var verify: Bool

    public init(serverName: String? = nil, caFile: String? = nil, verify: Bool = true) {
        self.serverName = serverName
        self.caFile = caFile
        self.verify = verify
    }
}

/// The OpenSSL client pieces shared by ``TLSProbe`` and ``ProbeConnection``: context setup, SNI and
/// host-name configuration, the non-blocking handshake on the event loop, and error-queue text.
enum TLSClient {
    /// A client context that records but does not enforce verification (SSL_VERIFY_NONE still runs the
    /// chain and host checks and stores the first error for SSL_get_verify_result).
    static func makeContext(caFile: String?) -> Result<OpaquePointer, TLSProbeFailure> {
        ERR_clear_error()
        guard let method = TLS_client_method(), let ctx = SSL_CTX_new(method) else {
            return .failure(.setupFailed("SSL_CTX_new: " + drainErrors()))
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                SSL_CTX_free(ctx)
                return .failure(.setupFailed("cannot load CA file \(caFile): " + drainErrors()))
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                SSL_CTX_free(ctx)
                return .failure(.setupFailed("cannot load the system CA store: " + drainErrors()))
            }
        }
        ERR_clear_error()
        return .success(ctx)
    }

    /// Creates an SSL object on `fd` with SNI and host-name checking for `name`. The caller frees it.
    static func makeSSL(ctx: OpaquePointer, fd: Int32, name: String) -> Result<OpaquePointer, TLSProbeFailure> {
        guard let ssl = SSL_new(ctx) else {
            return .failure(.setupFailed("SSL_new: " + drainErrors()))
        }
        guard cprobes_ssl_attach_socket(ssl, fd) == 1 else {
            SSL_free(ssl)
            return .failure(.setupFailed("could not attach socket BIO"))
        }
        if !name.isEmpty {
            if IPAddress(literal: name) == nil {
                // RFC 6066: SNI carries host names only.
                guard cprobes_ssl_set_sni(ssl, name) == 1 else {
                    SSL_free(ssl)
                    return .failure(.setupFailed("invalid server name \"\(name)\": " + drainErrors()))
                }
            }
            // SSL_set1_host treats an IP literal as an address to match against IP SANs.
            guard SSL_set1_host(ssl, name) == 1 else {
                SSL_free(ssl)
                return .failure(.setupFailed("invalid server name \"\(name)\": " + drainErrors()))
            }
        }
        return .success(ssl)
    }

    /// Drives SSL_connect until it completes; returns nil on success.
    static func handshake(ssl: OpaquePointer, fd: Int32, loop: EventLoop,
                          deadline: ContinuousClock.Instant) async -> TLSProbeFailure? {
        while true {
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            let savedErrno = errno
            if rc == 1 { return nil }
            let interest: IOInterest
            switch SSL_get_error(ssl, rc) {
            case SSL_ERROR_WANT_READ:
                interest = .read
            case SSL_ERROR_WANT_WRITE:
                interest = .write
            case SSL_ERROR_ZERO_RETURN:
                ERR_clear_error()
                return .handshakeFailed("connection closed by peer")
            case SSL_ERROR_SYSCALL:
                let queued = drainErrors()
                if !queued.isEmpty { return .handshakeFailed(queued) }
                if savedErrno == ECONNRESET || savedErrno == EPIPE { return .handshakeFailed("connection reset by peer") }
                if savedErrno != 0 && rc < 0 { return .handshakeFailed(errnoText(savedErrno)) }
                return .handshakeFailed("connection closed by peer")
            case SSL_ERROR_SSL:
                let queued = drainErrors()
                return .handshakeFailed(queued.isEmpty ? "protocol error" : queued)
            case let other:
                let queued = drainErrors()
                return .handshakeFailed("SSL_get_error \(other)" + (queued.isEmpty ? "" : ": " + queued))
            }
            switch await loop.wait(fd: fd, for: interest, deadline: deadline) {
            case .ready: continue
            case .timedOut: return .handshakeTimedOut
            case .cancelled: return .cancelled
            case .aborted: return .handshakeFailed("socket closed locally")
            case .failed(let e): return .handshakeFailed("event loop registration failed: " + errnoText(e))
            }
        }
    }

    /// "ok" when the peer certificate verified, otherwise OpenSSL's verification error text.
    static func verificationResult(_ ssl: OpaquePointer) -> String {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return "no peer certificate" }
        X509_free(cert)
        let code = Int32(truncatingIfNeeded: SSL_get_verify_result(ssl))
        if code == X509_V_OK { return "ok" }
        if let text = X509_verify_cert_error_string(Int(code)) { return String(cString: text) }
        return "verification error \(code)"
    }

    /// Empties this thread's OpenSSL error queue into "reason; reason" text (reason strings such as
    /// `wrong version number`, or the full `error:...` line when no reason string is known).
    static func drainErrors() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                parts.append(String(cString: reason))
            } else {
                var buf = [CChar](repeating: 0, count: 256)
                buf.withUnsafeMutableBufferPointer { b in
                    if let base = b.baseAddress { ERR_error_string_n(code, base, b.count) }
                }
                parts.append(decodeCString(buf))
            }
        }
        return parts.joined(separator: "; ")
    }
}

/// An established client TLS session over a non-blocking socket, owned by a ``ProbeConnection``.
///
/// OpenSSL calls on the SSL object are serialized by a lock (a read and a write may be in flight at
/// once); waiting for readiness happens outside the lock.
final class TLSSession: @unchecked Sendable {
    /// Outcome of one SSL_read or SSL_write call.
    enum IOResult {
        case transferred(Int)
        case wantRead
        case wantWrite
        case closed
        case reset
        case failed(String)
    }

    /// Why ``establish(fd:host:options:loop:deadline:)`` failed.
    enum Failure: Error, Equatable {
        case probe(TLSProbeFailure)
        /// The handshake completed but the certificate did not verify; OpenSSL's reason text.
        case verification(String)
    }

    private let ctx: OpaquePointer
    private let ssl: OpaquePointer
    private let lock = Mutex(())

    private init(ctx: OpaquePointer, ssl: OpaquePointer) {
        self.ctx = ctx
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(ctx)
    }

    /// Performs the handshake on the connected socket `fd` and, when `options.verify` is set, requires
    /// the certificate to verify. The caller keeps owning `fd`.
    static func establish(fd: Int32, host: String, options: ProbeTLSOptions, loop: EventLoop,
                          deadline: ContinuousClock.Instant) async -> Result<TLSSession, Failure> {
        let ctx: OpaquePointer
        switch TLSClient.makeContext(caFile: options.caFile) {
        case .success(let c): ctx = c
        case .failure(let f): return .failure(.probe(f))
        }
        let ssl: OpaquePointer
        switch TLSClient.makeSSL(ctx: ctx, fd: fd, name: options.serverName ?? host) {
        case .success(let s): ssl = s
        case .failure(let f):
            SSL_CTX_free(ctx)
            return .failure(.probe(f))
        }
        // Let a retried SSL_write pass the remaining bytes from a different address.
        _ = SSL_ctrl(ssl, SSL_CTRL_MODE, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), nil)
        let session = TLSSession(ctx: ctx, ssl: ssl)
        if let failure = await TLSClient.handshake(ssl: ssl, fd: fd, loop: loop, deadline: deadline) {
            return .failure(.probe(failure))
        }
        if options.verify {
            let result = TLSClient.verificationResult(ssl)
            if result != "ok" { return .failure(.verification(result)) }
        }
        return .success(session)
    }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> IOResult {
        lock.withLock { _ in
            ERR_clear_error()
            let rc = SSL_read(ssl, buffer, Int32(clamping: count))
            return classify(rc, savedErrno: errno)
        }
    }

    func write(from buffer: UnsafeRawPointer, count: Int) -> IOResult {
        lock.withLock { _ in
            ERR_clear_error()
            let rc = SSL_write(ssl, buffer, Int32(clamping: count))
            return classify(rc, savedErrno: errno)
        }
    }

    /// Sends close_notify, best effort (a full socket buffer or a reset peer is ignored).
    func shutdown() {
        lock.withLock { _ in
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        }
    }

    private func classify(_ rc: Int32, savedErrno: Int32) -> IOResult {
        if rc > 0 { return .transferred(Int(rc)) }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return .closed
        case SSL_ERROR_SYSCALL:
            let queued = TLSClient.drainErrors()
            if !queued.isEmpty { return .failed(queued) }
            if savedErrno == ECONNRESET || savedErrno == EPIPE { return .reset }
            if savedErrno != 0 && rc < 0 { return .failed(errnoText(savedErrno)) }
            return .closed
        case SSL_ERROR_SSL:
            let queued = TLSClient.drainErrors()
            // OpenSSL 3 reports a TCP close without close_notify this way; treat it as end of stream.
            if queued.contains("unexpected eof") { return .closed }
            return .failed(queued.isEmpty ? "protocol error" : queued)
        case let other:
            let queued = TLSClient.drainErrors()
            return .failed("SSL_get_error \(other)" + (queued.isEmpty ? "" : ": " + queued))
        }
    }
}
