public import LuaKit

/// What a primitive call is, in the names a runbook test stubs it by: boto3's client and
/// method with the input by the model's member names, or a probe's kind with its arguments.
///
/// Set once per family: ``AWSModelCall`` for AWS (`aws.*` and the `kafka` and `cloudwatch` aliases), the
/// module installer for every other primitive.
public enum CallIdentity: Sendable, Equatable {
    /// An AWS operation: `kafka`, `describe_cluster`, `{ ClusterArn = ... }`.
    case aws(client: String, method: String, input: LuaValue)
    /// Any other primitive: `tcp`, `zk_status`, `kafka_metadata`, with its named arguments.
    case probe(kind: String, arguments: LuaValue)

    /// The kind a non-AWS primitive is stubbed as: `probe.tcp` is `tcp`, `kafka_wire.metadata`
    /// is `kafka_metadata`, every other one `<module>_<function>` (`zk_status`, `metrics_scrape`).
    static func probeKind(module: String, function: String) -> String {
        switch module {
        case "probe": function
        case "kafka_wire": "kafka_" + function
        default: "\(module)_\(function)"
        }
    }
}

/// Answers primitive calls instead of their `send` (a test's stubs), or watches them pass
/// (a recording). The dry-run gate hands it every call it would send; a mutating call in a
/// dry run is planned before it gets here, so an interceptor never sees one.
public protocol CallInterceptor: Sendable {
    /// The answer to `call`; `call.send` reaches the real world.
    ///
    /// - Throws: what the runbook's call raises, as the real `send` would throw it.
    func answer(_ call: InterceptedCall) async throws -> PrimitiveResult
}

/// A call on its way out, as an interceptor sees it.
public struct InterceptedCall: Sendable {
    /// What was called, in stub names.
    public let identity: CallIdentity
    /// The service the journal names (`kafka`).
    public let service: String
    /// The operation the journal names (`DescribeCluster`).
    public let operation: String
    /// Sends the call for real, reporting attempts to the journal as an unintercepted call does.
    public let send: @Sendable () async throws -> PrimitiveResult
    /// `value` with every secret the run knows masked, by the journal's ``Redactor``.
    public let redact: @Sendable (LuaValue) -> LuaValue
}
