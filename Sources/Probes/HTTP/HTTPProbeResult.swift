/// Outcome of one HTTP probe: the answer, or why there was none.
public struct HTTPProbeResult: Sendable, Equatable {
    /// The URL that was asked.
    public let url: String
    /// The status of the response; nil when none arrived.
    public let status: Int?
    /// The response headers, names lowercased; a header sent twice keeps its last value.
    public let headers: [String: String]
    /// The body (at most the probe's `maxBody` bytes) decoded as UTF-8, with invalid bytes
    /// replaced by U+FFFD.
    public let body: String
    /// True when the server sent more than `maxBody` bytes and the rest was not read.
    public let truncated: Bool
    /// Time from sending to the answer, or to the failure, in milliseconds.
    public let latencyMs: Double
    /// Why no response arrived; nil when one did, whatever its status.
    public let failure: HTTPProbeFailure?

    /// True when a response arrived with a status from 200 to 399 (redirects are not followed).
    public var ok: Bool { failure == nil && (200..<400).contains(status ?? 0) }
}
