/// Outcome of one HTTP probe: the answer, or why there was none.
public struct HTTPProbeResult: Sendable, Equatable {
    /// The URL that was asked.
    public let url: String
    /// The status of the response; nil when none arrived.
    public let status: Int?
    /// The response headers, names lowercased; a header sent twice keeps its last value.
    public let headers: [String: String]
    /// The body as received, at most the probe's `maxBody` bytes: a binary body stays intact.
    public let body: [UInt8]
    /// True when the server sent more than `maxBody` bytes and the rest was not read.
    public let truncated: Bool
    /// Time from sending to the answer, or to the failure, in milliseconds.
    public let latencyMs: Double
    /// Why no response arrived; nil when one did, whatever its status.
    public let failure: HTTPProbeFailure?

    /// Where a redirect (a 3xx status) points: its `Location` header. Redirects are reported,
    /// never followed: a probe checks the URL it was given.
    public var location: String? { (300..<400).contains(status ?? 0) ? headers["location"] : nil }

    /// The body decoded as UTF-8, with invalid bytes replaced by U+FFFD.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// True when a response arrived with a 2xx status. A redirect is not ok: the URL asked
    /// for did not answer with the thing itself.
    public var ok: Bool { failure == nil && (200..<300).contains(status ?? 0) }
}
