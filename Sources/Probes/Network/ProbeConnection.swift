import Glibc
import Synchronization

/// An error from `ProbeConnection`, naming the peer and what went wrong.
public struct ProbeConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Operation: String, Sendable {
        case connecting = "connecting to"
        case reading = "reading from"
        case writing = "writing to"

        var verb: String {
            switch self {
            case .connecting: return "connecting"
            case .reading: return "reading"
            case .writing: return "writing"
            }
        }
    }

    enum Reason: Sendable, Equatable {
        case connectFailed(TCPProbeFailure, afterMs: Int)
        case timedOut(Operation, afterMs: Int)
        case connectionReset
        case closedByPeer(received: Int, expected: Int)
        case limitExceeded(limit: Int)
        case cancelled(Operation)
        case closedLocally
        case busy(Operation)
        case invalidArgument(String)
        case io(Operation, String)
        case tlsHandshake(String)
        case tlsVerification(String)
        case tls(Operation, String)
    }

    let host: String
    let port: Int
    let reason: Reason

    /// True when the operation gave up because its deadline passed.
    public var isTimeout: Bool {
        switch reason {
        case .timedOut, .connectFailed(.timedOut, _): return true
        default: return false
        }
    }

    /// True when the calling task was cancelled.
    public var isCancelled: Bool {
        switch reason {
        case .cancelled, .connectFailed(.cancelled, _): return true
        default: return false
        }
    }

    /// A one-line explanation, e.g. "timed out reading from 10.0.0.1:2181 after 500 ms".
    public var description: String {
        let peer = "\(host):\(port)"
        switch reason {
        case .connectFailed(let f, let ms):
            switch f {
            case .refused: return "connection refused by \(peer)"
            case .timedOut: return "timed out connecting to \(peer) after \(ms) ms"
            case .unreachable: return "\(peer) is unreachable"
            case .nameNotResolved: return "could not resolve \(host)"
            case .cancelled: return "connecting to \(peer) was cancelled"
            case .other(let text): return "could not connect to \(peer): \(text)"
            }
        case .timedOut(let op, let ms): return "timed out \(op.rawValue) \(peer) after \(ms) ms"
        case .connectionReset: return "connection reset by \(peer)"
        case .closedByPeer(let got, let want):
            return "connection closed by \(peer) after receiving \(got) of \(want) bytes"
        case .limitExceeded(let limit): return "response from \(peer) exceeded the limit of \(limit) bytes"
        case .cancelled(let op): return "\(op.verb) \(peer) was cancelled"
        case .closedLocally: return "connection to \(peer) is closed"
        case .busy(let op): return "another task is already \(op.rawValue) \(peer)"
        case .invalidArgument(let text): return "invalid argument for \(peer): \(text)"
        case .io(let op, let text): return "error \(op.rawValue) \(peer): \(text)"
        case .tlsHandshake(let text): return "TLS handshake with \(peer) failed: \(text)"
        case .tlsVerification(let text):
            return "TLS certificate of \(peer) failed verification: \(text)"
        case .tls(let op, let text): return "TLS error \(op.rawValue) \(peer): \(text)"
        }
    }
}

/// A TCP connection driven by the shared event loop, for small request/response protocol clients.
///
/// At most one read and one write may be in flight at a time. `close()` aborts pending operations.
public final class ProbeConnection: Sendable {
    /// The host name or address given to `connect`.
    public let host: String
    /// The remote port.
    public let port: Int
    /// The numeric address actually connected to.
    public let remoteAddress: String
    /// When connecting began: a timeout's error gives the time since then, the time the caller
    /// actually spent on this peer, not the time one read happened to wait.
    private let openedAt: ContinuousClock.Instant
    /// The most one receive asks for: buffers grow by what actually arrives, never by what a peer
    /// claims it will send.
    static let receiveChunk = 64 * 1_024

    private struct State {
        var fd: Int32
        var closed = false
        var inflight = 0
    }

    private let loop: EventLoop
    private let state: Mutex<State>
    /// The TLS session when connected with TLS; reads and writes then go through SSL_read/SSL_write.
    private let tls: TLSSession?

    /// True when the connection is protected by TLS.
    public var isTLS: Bool { tls != nil }

    private init(fd: Int32, host: String, port: Int, remoteAddress: String, loop: EventLoop, tls: TLSSession?,
                 openedAt: ContinuousClock.Instant) {
        self.host = host
        self.openedAt = openedAt
        self.port = port
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.tls = tls
        self.state = Mutex(State(fd: fd))
    }

    deinit {
        // No operation can be in flight: each holds a strong reference to self.
        let fd = state.withLock { s -> Int32 in
            defer { s.fd = -1 }
            return s.fd
        }
        if fd >= 0 {
            loop.release(fd: fd)
            closeSocket(fd)
        }
    }

    /// Resolves `host` and connects to the first address that accepts, within `timeout`.
    ///
    /// With `tls`, a TLS handshake follows within the same `timeout`; unless `tls.verify` is false, a
    /// certificate that fails verification (chain, validity or name) is an error naming the reason.
    public static func connect(host: String, port: Int, timeout: Duration,
                               tls: ProbeTLSOptions? = nil) async throws -> ProbeConnection {
        let start = ContinuousClock.now
        guard let loop = EventLoop.shared else {
            throw ProbeConnectionError(host: host, port: port, reason: .io(.connecting, "event loop unavailable"))
        }
        switch await Connector.connect(host: host, port: port, deadline: start.advanced(by: timeout)) {
        case .success(let c):
            var one: Int32 = 1
            _ = setsockopt(c.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            guard let tls else {
                return ProbeConnection(fd: c.fd, host: host, port: port, remoteAddress: c.address.text,
                                       loop: loop, tls: nil, openedAt: start)
            }
            let deadline = start.advanced(by: timeout)
            switch await TLSSession.establish(fd: c.fd, host: host, options: tls, loop: loop, deadline: deadline) {
            case .success(let session):
                return ProbeConnection(fd: c.fd, host: host, port: port, remoteAddress: c.address.text,
                                       loop: loop, tls: session, openedAt: start)
            case .failure(let failure):
                loop.release(fd: c.fd)
                closeSocket(c.fd)
                let reason: ProbeConnectionError.Reason
                switch failure {
                case .verification(let text): reason = .tlsVerification(text)
                case .probe(.handshakeTimedOut):
                    reason = .timedOut(.connecting, afterMs: Int(elapsedMs(since: start).rounded()))
                case .probe(.cancelled): reason = .cancelled(.connecting)
                case .probe(.handshakeFailed(let text)), .probe(.setupFailed(let text)): reason = .tlsHandshake(text)
                case .probe(let other): reason = .tlsHandshake(other.description)
                }
                throw ProbeConnectionError(host: host, port: port, reason: reason)
            }
        case .failure(let f):
            throw ProbeConnectionError(host: host, port: port,
                             reason: .connectFailed(f.reason, afterMs: Int(elapsedMs(since: start))))
        }
    }

    /// Writes all of `bytes`, or throws if the deadline passes or the peer resets the connection.
    public func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws {
        let fd = try begin()
        defer { end() }
        var sent = 0
        if let tls {
            while sent < bytes.count {
                let result = bytes.withUnsafeBytes { raw -> TLSSession.IOResult in
                    guard let base = raw.baseAddress else { return .transferred(0) }
                    return tls.write(from: base + sent, count: raw.count - sent)
                }
                try await handleTLS(result, fd: fd, op: .writing, progress: &sent, received: sent, expected: bytes.count,
                                    deadline: deadline)
            }
            return
        }
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                sent += n
                continue
            }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                try await waitReady(fd, .write, deadline: deadline)
                continue
            }
            throw ioError(.writing, errno: n < 0 ? e : EPIPE)
        }
    }

    /// Reads exactly `n` bytes, or throws (timeout, reset, or the peer closing early).
    ///
    /// The result grows as bytes arrive, at most ``receiveChunk`` at a time, so a length a peer claims
    /// and never sends costs nothing. The deadline holds however steadily the peer keeps sending: it is
    /// checked while waiting and, once a chunk has arrived, before each further receive.
    public func read(exactly n: Int, deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        guard n >= 0 else { throw error(.invalidArgument("cannot read \(n) bytes")) }
        if n == 0 { return [] }
        let fd = try begin()
        defer { end() }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(n, Self.receiveChunk))
        while buffer.count < n {
            if buffer.count >= Self.receiveChunk { try checkDeadline(deadline) }
            let want = min(chunk.count, n - buffer.count)
            var got = 0
            if let tls {
                let result = chunk.withUnsafeMutableBytes { raw -> TLSSession.IOResult in
                    guard let base = raw.baseAddress else { return .transferred(0) }
                    return tls.read(into: base, count: want)
                }
                try await handleTLS(result, fd: fd, op: .reading, progress: &got, received: buffer.count, expected: n,
                                    deadline: deadline)
            } else {
                let r = chunk.withUnsafeMutableBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return recv(fd, base, want, 0)
                }
                if r == 0 { throw error(.closedByPeer(received: buffer.count, expected: n)) }
                if r < 0 {
                    let e = errno
                    if e == EINTR { continue }
                    if e == EAGAIN || e == EWOULDBLOCK {
                        try await waitReady(fd, .read, deadline: deadline)
                        continue
                    }
                    throw ioError(.reading, errno: e)
                }
                got = r
            }
            if buffer.isEmpty && got == n { return Array(chunk[0..<got]) }
            buffer.append(contentsOf: chunk[0..<got])
            // A peer that always has bytes ready never makes this task wait: let others run.
            if buffer.count < n { await Task.yield() }
        }
        return buffer
    }

    /// Reads until the peer closes the connection; throws if more than `limit` bytes arrive.
    public func readToEnd(limit: Int, deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        guard limit >= 0 else { throw error(.invalidArgument("negative limit \(limit)")) }
        let fd = try begin()
        defer { end() }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(Self.receiveChunk, limit + 1))
        if let tls {
            while true {
                if out.count >= Self.receiveChunk { try checkDeadline(deadline) }
                let want = min(chunk.count, limit + 1 - out.count)
                let result = chunk.withUnsafeMutableBytes { raw -> TLSSession.IOResult in
                    guard let base = raw.baseAddress else { return .transferred(0) }
                    return tls.read(into: base, count: want)
                }
                if case .closed = result { return out }
                var got = 0
                try await handleTLS(result, fd: fd, op: .reading, progress: &got, received: out.count, expected: limit,
                                    deadline: deadline)
                if got > 0 {
                    out.append(contentsOf: chunk[0..<got])
                    if out.count > limit { throw error(.limitExceeded(limit: limit)) }
                    await Task.yield()
                }
            }
        }
        while true {
            if out.count >= Self.receiveChunk { try checkDeadline(deadline) }
            // Ask for at most one byte past the limit so overflow is detected without over-reading much.
            let want = min(chunk.count, limit + 1 - out.count)
            let r = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return recv(fd, base, want, 0)
            }
            if r > 0 {
                out.append(contentsOf: chunk[0..<r])
                if out.count > limit { throw error(.limitExceeded(limit: limit)) }
                await Task.yield()
                continue
            }
            if r == 0 { return out }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                try await waitReady(fd, .read, deadline: deadline)
                continue
            }
            throw ioError(.reading, errno: e)
        }
    }

    /// True while a read waits on the event loop for data: tests act on a pending read only once it is
    /// pending, where a sleep could fire too early on a busy machine.
    var isReadPending: Bool {
        let fd = state.withLock { $0.fd }
        return fd >= 0 && loop.hasReader(fd: fd)
    }

    /// Closes the connection; pending reads and writes fail with "connection ... is closed". Idempotent.
    public func close() {
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            if s.inflight == 0 {
                let fd = s.fd
                s.fd = -1
                tls?.shutdown()
                loop.release(fd: fd)
                closeSocket(fd)
            } else {
                // Operations in flight keep the descriptor open (so its number cannot be reused) and the
                // last one to finish closes it in end().
                loop.abort(fd: s.fd)
            }
        }
    }

    // MARK: Internals

    private func error(_ reason: ProbeConnectionError.Reason) -> ProbeConnectionError {
        ProbeConnectionError(host: host, port: port, reason: reason)
    }

    private func ioError(_ op: ProbeConnectionError.Operation, errno e: Int32) -> ProbeConnectionError {
        switch e {
        case ECONNRESET, EPIPE: return error(.connectionReset)
        default: return error(.io(op, errnoText(e)))
        }
    }

    private func begin() throws -> Int32 {
        try state.withLock { s throws -> Int32 in
            guard !s.closed, s.fd >= 0 else { throw error(.closedLocally) }
            s.inflight += 1
            return s.fd
        }
    }

    private func end() {
        state.withLock { s in
            s.inflight -= 1
            if s.closed && s.inflight == 0 && s.fd >= 0 {
                let fd = s.fd
                s.fd = -1
                loop.release(fd: fd)
                closeSocket(fd)
            }
        }
    }

    /// Applies one SSL_read/SSL_write outcome: adds transferred bytes to `progress`, waits on the event
    /// loop for WANT_READ/WANT_WRITE, or throws.
    private func handleTLS(_ result: TLSSession.IOResult, fd: Int32, op: ProbeConnectionError.Operation,
                           progress: inout Int, received: Int, expected: Int,
                           deadline: ContinuousClock.Instant) async throws {
        switch result {
        case .transferred(let n): progress += n
        case .wantRead: try await waitReady(fd, .read, deadline: deadline, op: op)
        case .wantWrite: try await waitReady(fd, .write, deadline: deadline, op: op)
        case .closed:
            if op == .writing { throw error(.connectionReset) }
            throw error(.closedByPeer(received: received, expected: expected))
        case .reset: throw error(.connectionReset)
        case .failed(let text): throw error(.tls(op, text))
        }
    }

    /// Throws the timeout error of a read once `deadline` has passed.
    ///
    /// A peer that always has bytes ready never makes a receive wait, and waiting is where the deadline
    /// is otherwise enforced: the reads call this between chunks of a large answer, and a client that
    /// reads message after message (ZooKeeper's watch notifications) calls it between messages. A
    /// small read that finds its bytes ready is not failed for a deadline that passed meanwhile.
    func checkDeadline(_ deadline: ContinuousClock.Instant) throws {
        if ContinuousClock.now >= deadline { throw timedOut(.reading) }
    }

    /// A timeout giving the time since connecting began.
    private func timedOut(_ op: ProbeConnectionError.Operation) -> ProbeConnectionError {
        error(.timedOut(op, afterMs: Int(elapsedMs(since: openedAt).rounded())))
    }

    private func waitReady(_ fd: Int32, _ interest: IOInterest, deadline: ContinuousClock.Instant,
                           op: ProbeConnectionError.Operation? = nil) async throws {
        let op: ProbeConnectionError.Operation = op ?? (interest == .read ? .reading : .writing)
        switch await loop.wait(fd: fd, for: interest, deadline: deadline) {
        case .ready: return
        case .timedOut: throw timedOut(op)
        case .cancelled: throw error(.cancelled(op))
        case .aborted: throw error(.closedLocally)
        case .failed(let e) where e == EBUSY: throw error(.busy(op))
        case .failed(let e): throw error(.io(op, "event loop registration failed: " + errnoText(e)))
        }
    }
}
