import Glibc
import Synchronization

/// Why a name could not be resolved.
public enum DNSProbeFailure: Sendable, Equatable, CustomStringConvertible {
    /// The name does not exist or has no addresses (EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY).
    case nameNotResolved
    /// The resolver could not answer right now (EAI_AGAIN).
    case temporaryFailure
    /// No answer before the timeout.
    case timedOut
    /// The calling task was cancelled.
    case cancelled
    /// Any other resolver error, with its text.
    case other(String)

    /// A short human-readable reason.
    public var description: String {
        switch self {
        case .nameNotResolved: return "name not resolved"
        case .temporaryFailure: return "temporary resolver failure"
        case .timedOut: return "timed out"
        case .cancelled: return "cancelled"
        case .other(let text): return text
        }
    }

    /// The failure in the vocabulary every probe shares.
    public var reason: ProbeFailureReason {
        switch self {
        case .nameNotResolved: .nameNotResolved
        case .temporaryFailure: .temporaryFailure
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        case .other: .other
        }
    }
}

/// Outcome of resolving one host name.
public struct DNSProbeResult: Sendable, Equatable {
    /// The name that was resolved.
    public let host: String
    /// Distinct addresses in resolver order, as text ("127.0.0.1", "::1").
    public let addresses: [String]
    /// Time spent resolving, in milliseconds.
    public let latencyMs: Double
    /// Why resolution failed; nil on success.
    public let failure: DNSProbeFailure?

    /// True when at least one address was found.
    public var ok: Bool { failure == nil }
}

/// Resolves host names without blocking Swift's cooperative thread pool.
public enum DNSProbe {
    /// Resolves `host` to IPv4/IPv6 addresses; IP literals and "localhost" answer without any lookup.
    public static func resolve(_ host: String, timeout: Duration) async -> DNSProbeResult {
        let start = ContinuousClock.now
        let result = await Resolver.resolve(host, deadline: start.advanced(by: timeout))
        let ms = elapsedMs(since: start)
        switch result {
        case .success(let addrs):
            return DNSProbeResult(host: host, addresses: addrs.map(\.text), latencyMs: ms, failure: nil)
        case .failure(let f):
            return DNSProbeResult(host: host, addresses: [], latencyMs: ms, failure: f)
        }
    }
}

func elapsedMs(since start: ContinuousClock.Instant) -> Double {
    let (s, atto) = (ContinuousClock.now - start).components
    return Double(s) * 1_000 + Double(atto) / 1e15
}

extension DNSProbeFailure: Error {}

/// Name resolution: literals inline, everything else through `ResolverPool`.
enum Resolver {
    /// Answers without blocking for IP literals and localhost; nil means a real lookup is needed.
    static func immediate(_ host: String) -> Result<[IPAddress], DNSProbeFailure>? {
        if host.isEmpty { return .failure(.other("empty host name")) }
        if let ip = IPAddress(literal: host) { return .success([ip]) }
        let lower = host.lowercased()
        if lower == "localhost" || lower == "localhost." {
            return .success([.loopbackV4, .loopbackV6])
        }
        if host.utf8.contains(0) { return .failure(.other("host name contains NUL")) }
        return nil
    }

    static func resolve(_ host: String, deadline: ContinuousClock.Instant,
                        pool: ResolverPool = .shared) async -> Result<[IPAddress], DNSProbeFailure> {
        if let r = immediate(host) { return r }
        if Task.isCancelled { return .failure(.cancelled) }
        if deadline <= .now { return .failure(.timedOut) }
        guard let loop = EventLoop.shared else { return .failure(.other("event loop unavailable")) }
        let request = ResolutionRequest(host: host)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Result<[IPAddress], DNSProbeFailure>, Never>) in
                request.install(cont)
                let timer = loop.schedule(at: deadline) { outcome in
                    if outcome == .timedOut { request.complete(.failure(.timedOut)) }
                }
                request.setTimer(timer, loop: loop)
                pool.submit(request)
            }
        } onCancel: {
            request.complete(.failure(.cancelled))
        }
    }
}

/// One pending lookup: completed exactly once by the resolver thread, the timer, or cancellation.
final class ResolutionRequest: Sendable {
    typealias Answer = Result<[IPAddress], DNSProbeFailure>

    private enum State {
        case initial
        case waiting(CheckedContinuation<Answer, Never>)
        case finishedEarly(Answer)
        case done
    }

    let host: String
    private let state = Mutex<State>(.initial)
    private let timer = Mutex<(id: UInt64, loop: EventLoop)?>(nil)

    init(host: String) {
        self.host = host
    }

    var isFinished: Bool {
        state.withLock {
            if case .waiting = $0 { return false }
            if case .initial = $0 { return false }
            return true
        }
    }

    func install(_ cont: CheckedContinuation<Answer, Never>) {
        let early = state.withLock { s -> Answer? in
            if case .finishedEarly(let a) = s {
                s = .done
                return a
            }
            s = .waiting(cont)
            return nil
        }
        if let early { cont.resume(returning: early) }
    }

    func setTimer(_ id: UInt64, loop: EventLoop) {
        timer.withLock { $0 = (id, loop) }
        if isFinished { loop.cancel(id: id) }
    }

    func complete(_ answer: Answer) {
        let cont = state.withLock { s -> CheckedContinuation<Answer, Never>? in
            switch s {
            case .initial:
                s = .finishedEarly(answer)
                return nil
            case .waiting(let c):
                s = .done
                return c
            case .finishedEarly, .done:
                return nil
            }
        }
        guard let cont else { return }
        if let t = timer.withLock({ $0 }) { t.loop.cancel(id: t.id) }
        cont.resume(returning: answer)
    }
}

/// A bounded pool of threads dedicated to blocking getaddrinfo calls; requests beyond
/// `maxThreads` concurrent lookups wait in a FIFO queue. Threads exit when the queue is empty.
final class ResolverPool: Sendable {
    static let shared = ResolverPool(maxThreads: 8)

    private struct State {
        var queue: [ResolutionRequest] = []
        var head = 0
        var active = 0
        var peakActive = 0
        var lookups = 0
    }

    let maxThreads: Int
    private let state = Mutex(State())
    /// The blocking lookup; replaceable so tests can simulate slow or failing resolvers.
    private let lookup: @Sendable (String) -> ResolutionRequest.Answer

    init(maxThreads: Int, lookup: @escaping @Sendable (String) -> ResolutionRequest.Answer = systemLookup) {
        self.maxThreads = max(1, maxThreads)
        self.lookup = lookup
    }

    /// Number of lookups actually started (skips literals and abandoned requests).
    var lookupsStarted: Int { state.withLock { $0.lookups } }
    /// Highest number of resolver threads alive at once.
    var peakThreads: Int { state.withLock { $0.peakActive } }

    func submit(_ request: ResolutionRequest) {
        let spawn = state.withLock { s -> Bool in
            s.queue.append(request)
            guard s.active < maxThreads else { return false }
            s.active += 1
            s.peakActive = max(s.peakActive, s.active)
            return true
        }
        guard spawn else { return }
        if !startDetachedThread({ [self] in self.work() }) {
            state.withLock { $0.active -= 1 }
            request.complete(.failure(.other("could not start a resolver thread")))
        }
    }

    private func next() -> ResolutionRequest? {
        state.withLock { s -> ResolutionRequest? in
            while s.head < s.queue.count {
                let r = s.queue[s.head]
                s.head += 1
                if s.head > 64 && s.head * 2 > s.queue.count {
                    s.queue.removeFirst(s.head)
                    s.head = 0
                }
                if r.isFinished { continue } // caller timed out or was cancelled: skip the lookup
                s.lookups += 1
                return r
            }
            s.queue.removeAll(keepingCapacity: true)
            s.head = 0
            s.active -= 1
            return nil
        }
    }

    private func work() {
        while let request = next() {
            request.complete(lookup(request.host))
        }
    }
}

// glibc only defines these under _GNU_SOURCE, which Swift's Glibc module does not set.
private let eaiNoData: Int32 = -5
private let eaiAddrFamily: Int32 = -9

/// Blocking getaddrinfo (run only on resolver threads).
@Sendable
func systemLookup(_ host: String) -> ResolutionRequest.Answer {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var res: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, nil, &hints, &res)
    defer { if let res { freeaddrinfo(res) } }
    guard rc == 0 else {
        switch rc {
        case EAI_NONAME, eaiNoData, eaiAddrFamily: return .failure(.nameNotResolved)
        case EAI_AGAIN: return .failure(.temporaryFailure)
        case EAI_SYSTEM: return .failure(.other("getaddrinfo: " + errnoText(errno)))
        default: return .failure(.other("getaddrinfo: " + String(cString: gai_strerror(rc))))
        }
    }
    var out: [IPAddress] = []
    var seen = Set<IPAddress>()
    var cursor = res
    while let ai = cursor {
        if let sa = ai.pointee.ai_addr, let ip = IPAddress(sockaddr: sa), seen.insert(ip).inserted {
            out.append(ip)
        }
        cursor = ai.pointee.ai_next
    }
    return out.isEmpty ? .failure(.nameNotResolved) : .success(out)
}
