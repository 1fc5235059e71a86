/// An error from ``ZooKeeperProbe``: what went wrong, on which server, and what to do about it.
///
/// The ``description`` reads like
/// `ZooKeeper node "/brokers/ids" does not exist on 127.0.0.1:2181 (looked up "/kafka/brokers/ids"). Check the path and the chroot in the connect string.`
public struct ZooKeeperProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad category of a ``ZooKeeperProbeError``.
    public enum Kind: Sendable, Equatable {
        /// The connect string or path given by the caller is invalid.
        case invalidArgument
        /// The TCP connection could not be made, or failed or timed out while in use.
        case connectionFailed
        /// The peer's bytes were not a valid ZooKeeper reply.
        case protocolError
        /// The server accepted the connection but would not open a session.
        case sessionRejected
        /// The server answered a request with a ZooKeeper error code, such as -101 (NoNode).
        case serverError(code: Int32)
        /// No server in the connect string answered; ``ZooKeeperProbeError/problem`` lists each failure.
        case noServerAnswered
    }

    /// The category of the error.
    public let kind: Kind
    /// The server involved, as `host:port`, or `nil` when the error is not about a single server.
    public let server: String?
    /// What went wrong, naming the server and path where relevant.
    public let problem: String
    /// What to do about it.
    public let remedy: String

    /// Why connecting failed, when the TCP connection itself could not be made.
    let connectFailure: TCPProbeFailure?

    init(_ kind: Kind, server: HostPort?, problem: String, remedy: String, connectFailure: TCPProbeFailure? = nil) {
        self.kind = kind
        self.server = server?.description
        self.problem = problem
        self.remedy = remedy
        self.connectFailure = connectFailure
    }

    /// True when the server reported that the node does not exist (error code -101, NoNode).
    public var isNoNode: Bool { kind == .serverError(code: ZooKeeperErrorCode.noNode) }

    /// True when the TCP connection could not be made at all (refused, timed out, unreachable, unresolved).
    public var isConnectFailure: Bool { connectFailure != nil }

    /// The problem followed by the remedy.
    public var description: String {
        remedy.isEmpty ? problem : "\(problem). \(remedy)"
    }
}

extension ZooKeeperProbeError {
    static func invalidArgument(_ problem: String, remedy: String) -> ZooKeeperProbeError {
        ZooKeeperProbeError(.invalidArgument, server: nil, problem: problem, remedy: remedy)
    }

    static func protocolError(_ server: HostPort, _ what: String) -> ZooKeeperProbeError {
        ZooKeeperProbeError(.protocolError, server: server,
                            problem: "\(server) sent an invalid ZooKeeper reply: \(what)",
                            remedy: "Check that \(server) is a ZooKeeper client port (2181 plaintext; 2182 needs TLS, which this probe does not speak)")
    }

    /// Wraps an error thrown by `ProbeConnection` (or anything else) while talking to `server`.
    static func connection(_ error: any Error, server: HostPort, during activity: String) -> ZooKeeperProbeError {
        guard let error = error as? ProbeConnectionError else {
            return ZooKeeperProbeError(.connectionFailed, server: server,
                                       problem: "\(activity) on \(server) failed: \(error)",
                                       remedy: "Retry; if it persists, check the server's log")
        }
        let remedy: String
        var failure: TCPProbeFailure?
        switch error.reason {
        case .connectFailed(let f, _):
            failure = f
            switch f {
            case .refused:
                remedy = "Nothing listens there: check that ZooKeeper is running on \(server.host) and that the port is the client port (2181, or 2182 for TLS)"
            case .timedOut:
                remedy = "Check that security groups and network ACLs allow TCP \(server.port) from this host, or raise the timeout"
            case .unreachable:
                remedy = "Check routing/VPC peering between this host and \(server.host)"
            case .nameNotResolved:
                remedy = "Check the host name in the connect string and this host's DNS settings"
            case .cancelled:
                remedy = "The probe was cancelled; run it again"
            case .other:
                remedy = "Check the connect string and this host's network"
            }
        case .timedOut:
            remedy = "The server accepted the connection but did not answer in time; it may be overloaded or stalled. Raise the timeout or check its log"
        case .connectionReset, .closedByPeer:
            remedy = "The server dropped the connection; it may be starting, out of quorum, at its connection limit (maxClientCnxns), or expecting TLS"
        default:
            remedy = "Retry; if it persists, check the server's log"
        }
        return ZooKeeperProbeError(.connectionFailed, server: server,
                                   problem: "\(activity) on \(server) failed: \(error)",
                                   remedy: remedy, connectFailure: failure)
    }
}

/// ZooKeeper's `KeeperException.Code` values and their names.
enum ZooKeeperErrorCode {
    static let noNode: Int32 = -101
    static let noAuth: Int32 = -102

    static func name(_ code: Int32) -> String {
        switch code {
        case -1: return "SystemError"
        case -2: return "RuntimeInconsistency"
        case -3: return "DataInconsistency"
        case -4: return "ConnectionLoss"
        case -5: return "MarshallingError"
        case -6: return "Unimplemented"
        case -7: return "OperationTimeout"
        case -8: return "BadArguments"
        case -13: return "NewConfigNoQuorum"
        case -14: return "ReconfigInProgress"
        case -100: return "APIError"
        case -101: return "NoNode"
        case -102: return "NoAuth"
        case -103: return "BadVersion"
        case -108: return "NoChildrenForEphemerals"
        case -110: return "NodeExists"
        case -111: return "NotEmpty"
        case -112: return "SessionExpired"
        case -113: return "InvalidCallback"
        case -114: return "InvalidACL"
        case -115: return "AuthFailed"
        case -118: return "SessionMoved"
        case -119: return "NotReadOnly"
        case -120: return "EphemeralOnLocalSession"
        case -121: return "NoWatcher"
        case -122: return "RequestTimeout"
        case -123: return "ReconfigDisabled"
        case -124: return "SessionClosedRequireSaslAuth"
        case -125: return "QuotaExceeded"
        case -127: return "Throttled"
        default: return "error"
        }
    }
}
