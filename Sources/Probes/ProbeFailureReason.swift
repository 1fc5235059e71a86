/// Why a probe got no answer, in one vocabulary shared by every probe.
///
/// The raw values are what runbooks and journals see (`reason = "timed_out"`), the same whether
/// the probe was TCP, DNS, TLS or HTTP, so a runbook branches on a reason without knowing which
/// probe produced it. Each failure type's `reason` maps onto these; its `description` keeps the
/// detail.
public enum ProbeFailureReason: String, Sendable, Codable, CaseIterable {
    /// Nothing listens on the port: the host answered the connect with a reset (ECONNREFUSED).
    case refused
    /// No answer before the probe's timeout, whether resolving, connecting, in the TLS handshake
    /// or in the exchange.
    case timedOut = "timed_out"
    /// No route to the network or the host (ENETUNREACH, EHOSTUNREACH).
    case unreachable
    /// The name does not exist or has no addresses.
    case nameNotResolved = "name_not_resolved"
    /// The resolver could not answer now (EAI_AGAIN); asking again later may succeed.
    case temporaryFailure = "temporary_failure"
    /// The connection was reset or closed before a complete answer.
    case reset
    /// The TLS handshake failed, or an HTTPS server's certificate did not verify.
    case tls
    /// The probe could not be set up on this side (a CA file that cannot be read, no event
    /// loop); nothing was sent.
    case setupFailed = "setup_failed"
    /// The calling task was cancelled.
    case cancelled
    /// The answer was larger than the probe accepts.
    case tooLarge = "too_large"
    /// An HTTP response's headers were larger than the transport accepts (64 KiB).
    case headersTooLarge = "headers_too_large"
    /// An HTTP body's chunked transfer coding was malformed.
    case badChunkedEncoding = "bad_chunked_encoding"
    /// Anything else; the failure's description says what.
    case other
}
