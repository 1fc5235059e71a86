import Foundation
internal import CAWSModels
internal import Synchronization

/// One AWS service as botocore describes it: its protocol and endpoint names, its operations,
/// the shapes they reach, its paginators and its waiters.
///
/// The models are written by `scripts/gen-aws-models` from the installed botocore, committed in
/// `Sources/CAWSModels/models/`, and compiled into the binary. A model is decoded at its first
/// use and kept for the life of the process, so a run that calls no AWS service decodes none.
///
/// ```swift
/// let ec2 = try AWSServiceModel.load("ec2")
/// ec2.metadata.protocol                      // "ec2"
/// ec2.operations["DescribeInstances"]?.http  // POST /
/// ec2.paginators["DescribeInstances"]?.resultKey  // ["Reservations"]
/// ```
public struct AWSServiceModel: Sendable, Decodable {
    /// botocore's name for the service (`"elbv2"`), which is also boto3's client name.
    public let service: String
    /// The botocore release the model was generated from (`"1.43.11"`).
    public let botocoreVersion: String
    /// The protocol, API version, endpoint prefix and signing name.
    public let metadata: Metadata
    /// Every operation, by its model name (`"DescribeInstances"`).
    public let operations: [String: AWSOperationModel]
    /// Every shape an operation's input or output reaches, by name.
    public let shapes: [String: AWSShape]
    /// The paginators, by the operation they page.
    public let paginators: [String: AWSPaginator]
    /// The waiters, by their model name (`"InstanceRunning"`).
    public let waiters: [String: AWSWaiter]

    /// A service's protocol and the names that address and sign its requests.
    public struct Metadata: Sendable, Decodable {
        /// `json`, `rest-json`, `query`, `ec2`, `rest-xml` or `smithy-rpc-v2-cbor`: botocore's
        /// `protocol` field, kept as written.
        public let `protocol`: String
        /// Every protocol the service accepts, in the model's order; nil when the model lists none.
        /// botocore 1.43 picks the first of `json`, `rest-json`, `rest-xml`, `smithy-rpc-v2-cbor`,
        /// `query` that is here (CloudWatch: `json`, though `protocol` says CBOR).
        public let protocols: [String]?
        /// The API version (`"2016-11-15"`), sent by the query and ec2 protocols as `Version`.
        public let apiVersion: String
        /// The first label of the endpoint host (`ec2` in `ec2.us-east-1.amazonaws.com`).
        public let endpointPrefix: String
        /// The service name SigV4 signs with, when it differs from the endpoint prefix.
        public let signingName: String?
        /// The JSON protocol version, `"1.0"` or `"1.1"`, for `json` and `rest-json`.
        public let jsonVersion: String?
        /// The `X-Amz-Target` prefix of the `json` protocol (`DynamoDB_20120810`).
        public let targetPrefix: String?
        /// The service ID (`"Elastic Load Balancing v2"`).
        public let serviceId: String
        /// The one endpoint of a global service (`sts.amazonaws.com`, `route53.amazonaws.com`).
        public let globalEndpoint: String?
        /// The XML namespace of query and rest-xml bodies.
        public let xmlNamespace: String?
        /// Present when a json service also answers its legacy Query error codes (SQS, CloudWatch).
        public let awsQueryCompatible: AWSQueryCompatible?

        /// The service name for the SigV4 scope: the signing name, else the endpoint prefix.
        public var signingService: String { signingName ?? endpointPrefix }
    }

    /// The `awsQueryCompatible` trait, which has no fields today.
    public struct AWSQueryCompatible: Sendable, Decodable {}
}

extension AWSServiceModel {
    private static let cache = Mutex<[String: AWSServiceModel]>([:])

    /// Service `name`'s model, decoded at the first call and cached for the process.
    ///
    /// - Parameter name: botocore's service name, one of ``services``.
    /// - Throws: ``AWSError/unknownServiceModel(service:)`` when the binary holds no such model;
    ///   ``AWSError/invalidServiceModel(service:reason:)`` when it does not decode.
    public static func load(_ name: String) throws -> AWSServiceModel {
        if let model = cache.withLock({ $0[name] }) { return model }
        // Decoded outside the lock: two first callers may both decode, and the first stored wins.
        let model = try decode(name)
        return cache.withLock { cached in
            if let existing = cached[name] { return existing }
            cached[name] = model
            return model
        }
    }

    /// Decodes service `name`'s embedded model, without the cache.
    static func decode(_ name: String) throws -> AWSServiceModel {
        var size = 0
        guard let bytes = name.withCString({ cawsmodels_find($0, &size) }) else {
            throw AWSError.unknownServiceModel(service: name)
        }
        // The bytes are static: no copy.
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes), count: size, deallocator: .none)
        do {
            return try JSONDecoder().decode(AWSServiceModel.self, from: data)
        } catch {
            throw AWSError.invalidServiceModel(service: name, reason: String(describing: error))
        }
    }

    /// The names of the models compiled into the binary, in the generator's order.
    static var embeddedServices: [String] {
        (0..<cawsmodels_count()).compactMap { cawsmodels_name($0).map { String(cString: $0) } }
    }

    /// The shape named `name`.
    ///
    /// - Throws: ``AWSError/invalidServiceModel(service:reason:)`` when the model has no such
    ///   shape, which the generator's reachability walk rules out.
    public func shape(_ name: String) throws -> AWSShape {
        guard let shape = shapes[name] else {
            throw AWSError.invalidServiceModel(service: service, reason: "no shape \(name)")
        }
        return shape
    }
}
