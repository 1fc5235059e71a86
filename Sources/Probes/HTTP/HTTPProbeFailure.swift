/// Why an HTTP probe got no response.
public struct HTTPProbeFailure: Sendable, Equatable, CustomStringConvertible {
    /// The failure in the vocabulary every probe shares.
    public let reason: ProbeFailureReason
    /// What went wrong, with the host (for example
    /// `timed out: 10.0.0.5: Operation timed out after 3001 milliseconds`); never a header or a body.
    public let description: String
}
