/// A ZooKeeper server's role, as reported by `srvr` (`Mode:`) or `mntr` (`zk_server_state`).
public enum ZooKeeperMode: Sendable, Hashable, CustomStringConvertible {
    /// The quorum leader.
    case leader
    /// A voting quorum member following the leader.
    case follower
    /// A non-voting member.
    case observer
    /// A single server without a quorum.
    case standalone
    /// A server partitioned from its quorum, serving reads only.
    case readOnly
    /// Any other text.
    case other(String)

    /// Parses the mode text, e.g. `standalone` or `leader`.
    public init(_ text: String) {
        switch text.lowercased() {
        case "leader": self = .leader
        case "follower": self = .follower
        case "observer": self = .observer
        case "standalone": self = .standalone
        case "read-only", "readonly": self = .readOnly
        default: self = .other(text)
        }
    }

    /// The mode as ZooKeeper spells it, e.g. `standalone`.
    public var description: String {
        switch self {
        case .leader: return "leader"
        case .follower: return "follower"
        case .observer: return "observer"
        case .standalone: return "standalone"
        case .readOnly: return "read-only"
        case .other(let text): return text
        }
    }
}

/// Request latency in milliseconds, as reported by `srvr` or `mntr`.
public struct ZooKeeperLatency: Sendable, Hashable, CustomStringConvertible {
    /// Minimum latency, ms.
    public var min: Double
    /// Average latency, ms.
    public var avg: Double
    /// Maximum latency, ms.
    public var max: Double

    /// Creates a latency triple.
    public init(min: Double, avg: Double, max: Double) {
        self.min = min
        self.avg = avg
        self.max = max
    }

    /// `min/avg/max` in ms, like `0/0.5/12`.
    public var description: String {
        func text(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        return "\(text(min))/\(text(avg))/\(text(max)) ms"
    }
}

/// What ``ZooKeeperProbe/status(_:timeout:)`` found out about one server of the ensemble.
public struct ZooKeeperServerStatus: Sendable, Equatable, CustomStringConvertible {
    /// The host as given in the connect string.
    public var host: String
    /// The client port.
    public var port: Int
    /// Whether a TCP connection could be made.
    public var reachable: Bool = false
    /// The `ruok` answer: `true` for `imok`, `false` for anything else, `nil` when `ruok` is not
    /// allowed by the server's `4lw.commands.whitelist` or the server was not reached.
    public var ok: Bool?
    /// Whether every four-letter word the probe uses (`ruok`, `srvr`, `mntr`) was answered;
    /// `nil` when the server was not reached.
    public var fourLetterWordsAllowed: Bool?
    /// The four-letter words the server refused as "not in the whitelist".
    public var disabledFourLetterWords: [String] = []
    /// The server's role.
    public var mode: ZooKeeperMode?
    /// The ZooKeeper release, like `3.8.0`.
    public var version: String?
    /// Request latency min/avg/max in ms.
    public var latency: ZooKeeperLatency?
    /// Requests queued but not yet processed.
    public var outstandingRequests: Int?
    /// Number of znodes in the server's data tree.
    public var znodeCount: Int?
    /// Open client connections (including the probe's own).
    public var connections: Int?
    /// The raw key/value pairs of `mntr` (empty when `mntr` is not allowed).
    public var mntr: [String: String] = [:]
    /// Whether the server says it serves requests: `false` when `srvr` or `mntr` answered "This
    /// ZooKeeper instance is not currently serving requests" (a node out of quorum, or still starting),
    /// `true` when either gave its figures, `nil` when neither answered.
    public var serving: Bool?
    /// Whether the protocol-level session handshake succeeded, i.e. the server serves clients.
    /// This works even when four-letter words are disabled.
    public var sessionEstablished: Bool = false
    /// The session timeout the server negotiated for the probe's session, in ms.
    public var negotiatedSessionTimeoutMs: Int?
    /// What went wrong, `nil` when every check succeeded (refused four-letter words are not errors).
    public var error: String?

    /// Creates an empty status for one server.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The server as `host:port`.
    public var server: String { HostPort(host: host, port: port).description }

    /// Whether the server is serving clients: a session was established and neither `srvr` nor `mntr`
    /// said it is not serving. `ruok` answering `imok` is not enough: it means only that the process
    /// runs, and a node out of quorum says `imok` too.
    public var isUp: Bool { reachable && sessionEstablished && serving != false }

    /// A short verdict: `up (standalone)`, `up, four-letter words disabled`, `down: connection refused by ...`,
    /// or `reachable but not serving: ...`.
    public var summary: String {
        guard reachable else { return "down: \(error ?? "not reachable")" }
        guard isUp else { return "reachable but not serving: \(error ?? "no session")" }
        var text = "up"
        if fourLetterWordsAllowed == false { text += ", four-letter words disabled" }
        if let mode { text += " (\(mode))" }
        return text
    }

    /// One line: server, verdict, and the figures that are known.
    public var description: String {
        var parts = ["\(server): \(summary)"]
        if let version { parts.append("version \(version)") }
        if let latency { parts.append("latency \(latency)") }
        if let outstandingRequests { parts.append("outstanding \(outstandingRequests)") }
        if let znodeCount { parts.append("znodes \(znodeCount)") }
        if let connections { parts.append("connections \(connections)") }
        if !disabledFourLetterWords.isEmpty {
            parts.append("not whitelisted: \(disabledFourLetterWords.joined(separator: ", "))")
        }
        if reachable && isUp, let error { parts.append("warning: \(error)") }
        return parts.joined(separator: "; ")
    }
}
