/// Sends HTTP requests. The one requirement is ``send(_:)``; tests and dry runs can put a
/// recording transport in place of the real one.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``HTTPTransportError`` when no response arrived (refused, reset,
    ///   timed out, name not resolved, TLS failure, cancelled).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
