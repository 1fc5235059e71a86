/// Asked before each mutating call a live run sends: automated runs spend a budget of mutations
/// per target, counted where every process sees it, before the request leaves.
public protocol MutationGuard: Sendable {
    /// Allows one mutating call, counting it, or refuses it.
    ///
    /// - Throws: why the call may not be sent; the runbook's call raises it and nothing is sent.
    func willSend(service: String, operation: String) async throws
}
