/// One operation of a service model: how it is sent and which shapes it takes and gives.
public struct AWSOperationModel: Sendable, Decodable {
    /// The operation's model name (`"DescribeInstances"`).
    public let name: String
    /// The HTTP method and URI template.
    public let http: HTTP
    /// The input shape, with the operation-level XML name and namespace of rest-xml bodies.
    public let input: AWSShapeRef?
    /// The output shape; for query protocols its `resultWrapper` names the `…Result` element.
    public let output: AWSShapeRef?
    /// A host prefix template (`{RequestRoute}.`), for the few operations that have one.
    public let endpoint: Endpoint?
    /// `none` for operations sent unsigned (STS AssumeRoleWithWebIdentity), `v4-unsigned-body`
    /// for a SigV4 signature over `UNSIGNED-PAYLOAD`; nil for plain SigV4.
    public let authtype: String?
    /// The request checksum the operation requires or accepts (S3 DeleteObjects, PutObject).
    public let httpChecksum: HTTPChecksum?

    /// The method and URI template of an operation.
    public struct HTTP: Sendable, Decodable, CustomStringConvertible {
        /// `GET`, `POST`, `PUT`, `DELETE`, `HEAD` or `PATCH`.
        public let method: String
        /// The path and query template, with `{Label}` and greedy `{Key+}` labels (`/{Bucket}/{Key+}`).
        public let requestUri: String
        /// The status of a success, when the model gives one (`204`).
        public let responseCode: Int?

        /// `POST /`, as a log line or test failure shows it.
        public var description: String { "\(method) \(requestUri)" }
    }

    /// A host prefix template.
    public struct Endpoint: Sendable, Decodable {
        /// The prefix, with `{Member}` labels filled from `hostLabel` members.
        public let hostPrefix: String?
    }

    /// The `httpChecksum` trait.
    public struct HTTPChecksum: Sendable, Decodable {
        /// The request must carry a checksum (`Content-MD5` or a flexible checksum).
        public let requestChecksumRequired: Bool?
        /// The input member that names the checksum algorithm.
        public let requestAlgorithmMember: String?
    }
}
