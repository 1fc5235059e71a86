/// An error from ``KafkaWireProbe``: what went wrong and, when it concerns one broker, which one.
///
/// The ``description`` reads like
/// `127.0.0.1:9092 sent a malformed Metadata v8 response: truncated: needed 4 bytes for partition leader at offset 120, only 2 left`.
public struct KafkaProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad category of a ``KafkaProbeError``.
    public enum Kind: Sendable, Equatable {
        /// The bootstrap string, host or port given by the caller is invalid.
        case invalidArgument
        /// The TCP connection could not be made, or failed or timed out while in use.
        case connectionFailed
        /// The broker's bytes were not a valid Kafka response (truncated, oversized, bad lengths).
        case malformedResponse
        /// The timeout passed while decoding a large answer. (A timeout while connecting, sending or
        /// receiving is ``connectionFailed``.)
        case timedOut
        /// The response carried a correlation id other than the one sent.
        case correlationMismatch
        /// The broker supports no version of a request this probe can send.
        case unsupportedVersion
        /// The broker answered with a top-level Kafka error code, such as 35 (UNSUPPORTED_VERSION).
        case brokerError(code: Int16)
        /// No bootstrap broker accepted a connection; ``KafkaProbeError/problem`` lists each failure.
        case noBrokerReachable
    }

    /// The category of the error.
    public let kind: Kind
    /// The broker involved, as `host:port`, or `nil` when the error is not about a single broker.
    public let broker: String?
    /// What went wrong.
    public let problem: String

    /// Whether the TCP connection itself could not be made.
    let connectFailed: Bool

    init(_ kind: Kind, broker: String? = nil, _ problem: String, connectFailed: Bool = false) {
        self.kind = kind
        self.broker = broker
        self.problem = problem
        self.connectFailed = connectFailed
    }

    /// True when the TCP connection itself could not be made (refused, timed out, unreachable,
    /// unresolved), or no bootstrap broker could be reached.
    public var isConnectFailure: Bool {
        connectFailed || kind == .noBrokerReachable
    }

    /// A one-line explanation naming the broker when there is one.
    public var description: String {
        guard let broker else { return problem }
        return "\(broker): \(problem)"
    }

    /// The same error attributed to `broker`, with `context` (like "ApiVersions v3 response") prefixed
    /// to decoding problems.
    func at(_ broker: HostPort, context: String? = nil) -> KafkaProbeError {
        var text = problem
        if let context, kind == .malformedResponse || kind == .correlationMismatch || kind == .timedOut {
            text = "\(context): \(problem)"
        }
        return KafkaProbeError(kind, broker: broker.description, text, connectFailed: connectFailed)
    }

    static func malformed(_ problem: String) -> KafkaProbeError {
        KafkaProbeError(.malformedResponse, problem)
    }

    /// Wraps an error thrown by `ProbeConnection` while talking to `broker`.
    static func connection(_ error: any Error, broker: HostPort, during activity: String) -> KafkaProbeError {
        if let error = error as? KafkaProbeError { return error }
        guard let error = error as? ProbeConnectionError else {
            return KafkaProbeError(.connectionFailed, broker: broker.description, "\(activity) failed: \(error)")
        }
        if case .connectFailed = error.reason {
            return KafkaProbeError(.connectionFailed, broker: broker.description, "cannot connect: \(error)", connectFailed: true)
        }
        return KafkaProbeError(.connectionFailed, broker: broker.description, "\(activity) failed: \(error)")
    }
}
