import Synchronization

/// A primitive's configuration is missing or wrong (no region, no credentials): the run
/// ends with exit 2, like any other usage error, not as a failed runbook.
public struct PrimitiveConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is missing and how to supply it.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The configuration errors primitives met during a run, noted from their async work.
final class ConfigurationFailures: Sendable {
    private let first = Mutex<String?>(nil)

    func note(_ error: PrimitiveConfigurationError) {
        first.withLock { $0 = $0 ?? error.message }
    }

    var message: String? { first.withLock { $0 } }
}
