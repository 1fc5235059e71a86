public import Foundation
public import HTTPClient

extension AWSServiceClient {
    /// A client for the service `model` describes: it signs with the model's signing name (S3
    /// with S3's rules: the path as sent and `x-amz-content-sha256`) and can send any of its
    /// operations with ``send(operation:input:keys:timeout:onAttempt:)``.
    ///
    /// ```swift
    /// let ec2 = AWSServiceClient(model: try AWSServiceModel.load("ec2"), region: "us-east-1",
    ///                            endpoint: URL(string: "https://ec2.us-east-1.amazonaws.com")!,
    ///                            credentials: { try await chain.credentials() })
    /// let vpcs = try await ec2.send(operation: "DescribeVpcs", input: .map([:]))
    /// ```
    public init(
        model: AWSServiceModel, region: String, endpoint: URL,
        transport: any HTTPTransport = CurlTransport.shared, quota: RetryQuota = RetryQuota(),
        credentials: @escaping @Sendable () async throws -> AWSCredentials,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.init(service: model.service, signingName: model.metadata.signingService, region: region, endpoint: endpoint,
                  transport: transport, quota: quota,
                  signing: model.service == "s3" ? .s3 : SigV4Signer.Options(), model: model,
                  credentials: credentials, sleep: sleep)
    }

    /// The request `operation` with `input` would send, built from the model without I/O
    /// (what a dry run shows).
    ///
    /// - Throws: ``AWSError/invalidInput(operation:reason:)``; `unknownServiceModel` when the
    ///   client was not made from a model.
    public func request(operation: String, input: AWSValue = .map([:])) throws -> AWSOperationRequest {
        guard let model else { throw AWSError.unknownServiceModel(service: service) }
        return try AWSModelRequest.build(model, operation: operation, input: input, endpoint: endpoint)
    }

    /// Builds, signs and sends `operation` with `input`, through the same signing and retries as
    /// every call, and decodes the answer with the operation's output shape.
    ///
    /// - Parameters:
    ///   - input: keyed by the model's member names, as boto3 takes them.
    ///   - keys: the names output structures take (wire names by default).
    /// - Throws: ``AWSServiceError`` for an error answer, decoded for the service's protocol;
    ///   `AWSError` when the input does not fit or the answer does not decode; or what
    ///   ``send(operation:method:path:query:headers:body:timeout:onAttempt:)`` throws.
    public func send(
        operation: String, input: AWSValue = .map([:]), keys: AWSModelResponse.Keys = .wire,
        timeout: Duration = .seconds(30), onAttempt: @Sendable (AWSAttempt) -> Void = { _ in }
    ) async throws -> AWSValue {
        guard let model else { throw AWSError.unknownServiceModel(service: service) }
        let request = try self.request(operation: operation, input: input)
        let response = try await send(request, timeout: timeout, onAttempt: onAttempt)
        return try AWSModelResponse.decode(model, operation: operation, response: response, keys: keys)
    }
}
