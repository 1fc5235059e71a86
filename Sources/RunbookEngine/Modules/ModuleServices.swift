public import AWSKit
public import HTTPClient

/// What primitives reach the world through, handed to every ``ModuleFunction/primitive(_:effect:operation:parameters:returns:doc:example:_:)``
/// when it prepares a call: one set per engine, made by the composition root.
public struct ModuleServices: Sendable {
    let aws: ResolvedAWS
    let transport: (any HTTPTransport)?

    /// How HTTP requests travel: libcurl, started at the first request so runbooks that
    /// send none do not pay for initialising curl and OpenSSL, unless a test gives another.
    public var http: any HTTPTransport { transport ?? CurlTransport.shared }

    /// A signed client for the service `model` describes (`aws.<client>`), with the engine's
    /// region, endpoint settings and credentials; made at its first call and kept.
    ///
    /// - Throws: ``PrimitiveConfigurationError`` when no region is configured.
    public func aws(model: AWSServiceModel) throws -> AWSServiceClient {
        try aws.client(model: model)
    }
}
