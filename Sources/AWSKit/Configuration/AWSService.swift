public import Foundation

/// An AWS service as endpoint resolution and signing need it.
///
/// ```swift
/// let url = try configuration.endpoint(for: .cloudWatch, region: "eu-west-1")
/// // https://monitoring.eu-west-1.amazonaws.com, unless AWS_ENDPOINT_URL_CLOUDWATCH or the config says otherwise
/// ```
public struct AWSService: Sendable, Hashable {
    /// The model's service ID, such as `Kafka`, `CloudWatch` or `STS`.
    public let serviceID: String
    /// The first label of the default host name, such as `kafka` or `monitoring`.
    public let endpointPrefix: String
    /// The name SigV4 signs with, such as `kafka` or `monitoring`.
    public let signingName: String

    /// Describes a service.
    ///
    /// - Parameters:
    ///   - serviceID: the model's `serviceId`; spaces become `_` in setting names.
    ///   - endpointPrefix: the host name's first label.
    ///   - signingName: the SigV4 service name.
    public init(serviceID: String, endpointPrefix: String, signingName: String) {
        self.serviceID = serviceID
        self.endpointPrefix = endpointPrefix
        self.signingName = signingName
    }

    /// Amazon MSK (`kafka`).
    public static let kafka = AWSService(serviceID: "Kafka", endpointPrefix: "kafka", signingName: "kafka")
    /// Amazon CloudWatch; its host names start with `monitoring`.
    public static let cloudWatch = AWSService(
        serviceID: "CloudWatch", endpointPrefix: "monitoring", signingName: "monitoring")
    /// AWS Security Token Service.
    public static let sts = AWSService(serviceID: "STS", endpointPrefix: "sts", signingName: "sts")

    /// `https://<prefix>.<region>.amazonaws.com`, or `.amazonaws.com.cn` in China.
    ///
    /// - Throws: `AWSError.invalidEndpointURL` when `region` would not make a host name.
    public func defaultEndpoint(region: String) throws(AWSError) -> URL {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return try validatedEndpoint("https://\(endpointPrefix).\(region).\(suffix)", source: "region \(region)")
    }

    /// The key in a `[services name]` section: `kafka`, `cloudwatch`, `cloudwatch_logs`.
    var configKey: String {
        serviceID.replacingOccurrences(of: " ", with: "_").lowercased()
    }

    /// The service's own endpoint variable: `AWS_ENDPOINT_URL_KAFKA`, `AWS_ENDPOINT_URL_CLOUDWATCH`.
    var environmentVariable: String {
        "AWS_ENDPOINT_URL_" + serviceID.replacingOccurrences(of: " ", with: "_").uppercased()
    }
}
