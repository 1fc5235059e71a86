import HTTPClient

extension ProbeFailureReason {
    /// The reason for an HTTP exchange that got no response; exhaustive, so a new transport
    /// failure kind must be given a reason here.
    init(_ kind: HTTPTransportError.Kind) {
        switch kind {
        case .timedOut: self = .timedOut
        case .connectionRefused: self = .refused
        case .connectionReset: self = .reset
        case .nameNotResolved: self = .nameNotResolved
        case .tls: self = .tls
        case .setupFailed: self = .setupFailed
        case .cancelled: self = .cancelled
        case .responseTooLarge: self = .tooLarge
        case .headersTooLarge: self = .headersTooLarge
        case .badChunkedEncoding: self = .badChunkedEncoding
        case .other: self = .other
        }
    }
}
