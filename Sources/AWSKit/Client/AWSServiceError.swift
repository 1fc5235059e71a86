import Foundation
import HTTPClient

/// An error answer from an AWS service: which call, the service's error code and message,
/// the HTTP status and the request id. It never holds a header value or a credential.
///
/// Its text reads `kafka.DescribeCluster: NotFoundException: Cluster not found (HTTP 404, request id 5f1c...)`.
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The service as runbooks know it (`kafka`, `cloudwatch`).
    public let service: String
    /// The operation (`DescribeCluster`).
    public let operation: String
    /// The service's error code (`NotFoundException`, `ThrottlingException`).
    public let code: String
    /// The service's message.
    public let message: String
    /// The HTTP status.
    public let status: Int
    /// The request id the service gave, for AWS support.
    public let requestID: String?

    /// An error with every part given.
    public init(service: String, operation: String, code: String, message: String, status: Int, requestID: String?) {
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.status = status
        self.requestID = requestID
    }

    public var description: String {
        "\(service).\(operation): \(code): \(message.isEmpty ? "(no message)" : message) (HTTP \(status)"
            + (requestID.map { ", request id \($0)" } ?? "") + ")"
    }

    /// Reads the error from a response of the rest-json or JSON 1.0 protocols, the way
    /// botocore does: `x-amzn-query-error`, then `x-amzn-errortype`, then the body's
    /// `__type`, `code` or `Code`; text after `:` and before `#` is dropped.
    static func parse(_ response: HTTPResponse, service: String, operation: String) -> AWSServiceError {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        var code = response.header("x-amzn-query-error").flatMap { $0.split(separator: ";").first.map(String.init) }
            ?? response.header("x-amzn-errortype")
            ?? (object["__type"] ?? object["code"] ?? object["Code"]) as? String
            ?? "HTTP\(response.status)"
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        let message = (object["message"] ?? object["Message"] ?? object["errorMessage"]) as? String
            ?? (object.isEmpty ? String(decoding: response.body.prefix(200), as: UTF8.self) : "")
        return AWSServiceError(service: service, operation: operation, code: code, message: message,
                               status: response.status, requestID: requestID(of: response))
    }

    static func requestID(of response: HTTPResponse) -> String? {
        response.header("x-amzn-requestid") ?? response.header("x-amz-request-id") ?? response.header("x-amz-id-2")
    }
}
