import Glibc

/// Why a TCP connect probe failed.
public enum TCPProbeFailure: Sendable, Equatable, CustomStringConvertible {
    /// The host answered with a reset (ECONNREFUSED): nothing listens on the port.
    case refused
    /// No answer before the timeout (including SYNs dropped by a full accept queue).
    case timedOut
    /// No route to the network or host (ENETUNREACH, EHOSTUNREACH).
    case unreachable
    /// The host name did not resolve (EAI_NONAME, EAI_NODATA, EAI_AGAIN, ...).
    case nameNotResolved
    /// The calling task was cancelled.
    case cancelled
    /// Any other error, with its text (errno text, invalid port, ...).
    case other(String)

    /// A short human-readable reason.
    public var description: String {
        switch self {
        case .refused: return "connection refused"
        case .timedOut: return "timed out"
        case .unreachable: return "unreachable"
        case .nameNotResolved: return "name not resolved"
        case .cancelled: return "cancelled"
        case .other(let text): return text
        }
    }

    /// The failure in the vocabulary every probe shares.
    public var reason: ProbeFailureReason {
        switch self {
        case .refused: .refused
        case .timedOut: .timedOut
        case .unreachable: .unreachable
        case .nameNotResolved: .nameNotResolved
        case .cancelled: .cancelled
        case .other: .other
        }
    }

    static func from(errno e: Int32) -> TCPProbeFailure {
        switch e {
        case ECONNREFUSED: return .refused
        case ETIMEDOUT: return .timedOut
        case ENETUNREACH, EHOSTUNREACH: return .unreachable
        default: return .other(errnoText(e))
        }
    }

    static func from(dns f: DNSProbeFailure) -> TCPProbeFailure {
        switch f {
        case .nameNotResolved, .temporaryFailure: return .nameNotResolved
        case .timedOut: return .timedOut
        case .cancelled: return .cancelled
        case .other(let text): return .other("name resolution failed: \(text)")
        }
    }
}

/// Outcome of one TCP connect probe.
public struct TCPProbeResult: Sendable, Equatable {
    /// The probed host name or address.
    public let host: String
    /// The probed port.
    public let port: Int
    /// The numeric address that accepted the connection (or the last one tried on failure).
    public let address: String?
    /// Connect latency to `address` in milliseconds on success; total elapsed time on failure.
    public let latencyMs: Double
    /// Why the probe failed; nil on success.
    public let failure: TCPProbeFailure?

    /// True when a TCP connection was established.
    public var ok: Bool { failure == nil }
}

/// TCP reachability checks: resolve, connect without blocking, close immediately.
public enum TCPProbe {
    /// Connects to each resolved address of `host` in turn until one succeeds, within `timeout` overall.
    public static func probe(host: String, port: Int, timeout: Duration) async -> TCPProbeResult {
        let start = ContinuousClock.now
        switch await Connector.connect(host: host, port: port, deadline: start.advanced(by: timeout)) {
        case .success(let c):
            closeSocket(c.fd)
            return TCPProbeResult(host: host, port: port, address: c.address.text, latencyMs: c.latencyMs, failure: nil)
        case .failure(let f):
            return TCPProbeResult(host: host, port: port, address: f.address?.text,
                                  latencyMs: elapsedMs(since: start), failure: f.reason)
        }
    }
}

func closeSocket(_ fd: Int32) {
    // close() must not be retried on EINTR on Linux: the descriptor is released either way.
    _ = Glibc.close(fd)
}

/// Non-blocking connect on the shared event loop.
enum Connector {
    struct Connected {
        let fd: Int32
        let address: IPAddress
        let latencyMs: Double
    }

    struct Failure: Error {
        let reason: TCPProbeFailure
        let address: IPAddress?
    }

    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) async -> Result<Connected, Failure> {
        guard (1...65_535).contains(port) else {
            return .failure(Failure(reason: .other("invalid port \(port)"), address: nil))
        }
        guard let loop = EventLoop.shared else {
            return .failure(Failure(reason: .other("event loop unavailable"), address: nil))
        }
        let addresses: [IPAddress]
        switch await Resolver.resolve(host, deadline: deadline) {
        case .success(let a): addresses = a
        case .failure(let f): return .failure(Failure(reason: .from(dns: f), address: nil))
        }
        var last = Failure(reason: .nameNotResolved, address: nil)
        for address in addresses {
            switch await attempt(address, port: UInt16(port), deadline: deadline, loop: loop) {
            case .success(let c):
                return .success(c)
            case .failure(let f):
                let reason = f.reason
                last = Failure(reason: reason, address: address)
                if reason == .timedOut || reason == .cancelled { return .failure(last) }
            }
        }
        return .failure(last)
    }

    private struct AttemptError: Error {
        let reason: TCPProbeFailure
    }

    private static func attempt(_ address: IPAddress, port: UInt16, deadline: ContinuousClock.Instant,
                                loop: EventLoop) async -> Result<Connected, AttemptError> {
        func fail(_ r: TCPProbeFailure) -> Result<Connected, AttemptError> { .failure(AttemptError(reason: r)) }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { return fail(.from(errno: errno)) }
        let start = ContinuousClock.now
        let rc = address.withSockAddr(port: port) { sa, len in Glibc.connect(fd, sa, len) }
        if rc != 0 {
            let e = errno
            // EINTR on a non-blocking connect means the handshake continues asynchronously.
            guard e == EINPROGRESS || e == EINTR else {
                closeSocket(fd)
                return fail(.from(errno: e))
            }
            switch await loop.wait(fd: fd, for: .write, deadline: deadline) {
            case .ready:
                break
            case .timedOut:
                closeSocket(fd)
                return fail(.timedOut)
            case .cancelled:
                closeSocket(fd)
                return fail(.cancelled)
            case .aborted:
                closeSocket(fd)
                return fail(.other("aborted"))
            case .failed(let e):
                closeSocket(fd)
                return fail(.other("event loop registration failed: " + errnoText(e)))
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) != 0 {
                soError = errno
            }
            if soError != 0 {
                closeSocket(fd)
                return fail(.from(errno: soError))
            }
        }
        return .success(Connected(fd: fd, address: address, latencyMs: elapsedMs(since: start)))
    }
}
