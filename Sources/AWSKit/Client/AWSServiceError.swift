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
    ///
    /// XML answers (query, ec2, rest-xml) are read the same way: `<ErrorResponse><Error><Code>`,
    /// `<Response><Errors><Error><Code>` or `<Error><Code>`, with `RequestId`/`RequestID`. An
    /// answer without a body (S3's HEAD) gets botocore's code, the status (`404`), and the
    /// status's reason. S3's region errors say which region to pass.
    static func parse(_ response: HTTPResponse, service: String, operation: String) -> AWSServiceError {
        if let first = response.body.first(where: { ![32, 9, 10, 13].contains($0) }), first == UInt8(ascii: "<"),
           let error = parseXML(response, service: service, operation: operation) {
            return error
        }
        if response.body.isEmpty, response.header("x-amzn-errortype") == nil, response.header("x-amzn-query-error") == nil {
            return AWSServiceError(service: service, operation: operation, code: String(response.status),
                                   message: reason(response.status) + regionHint(response, region: nil),
                                   status: response.status, requestID: requestID(of: response))
        }
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

    static func parseXML(_ response: HTTPResponse, service: String, operation: String) -> AWSServiceError? {
        guard let root = try? AWSXMLNode.parse(response.body) else { return nil }
        let error = root.find("Error") ?? root
        guard let code = error.child("Code")?.text, !code.isEmpty else { return nil }
        var message = error.child("Message")?.text ?? ""
        if service == "s3" {
            message += regionHint(response, region: error.child("Region")?.text, code: code)
        }
        let id = root.find("RequestId")?.text ?? root.find("RequestID")?.text ?? requestID(of: response)
        return AWSServiceError(service: service, operation: operation, code: code, message: message,
                               status: response.status, requestID: id)
    }

    /// What to do about S3's region errors: the bucket's region, from the answer, as a `--region` to pass.
    static func regionHint(_ response: HTTPResponse, region: String?, code: String? = nil) -> String {
        let region = region ?? response.header("x-amz-bucket-region")
        if let region, !region.isEmpty,
           [301, 400].contains(response.status) || code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" {
            return " (the bucket is in \(region): pass --region \(region))"
        }
        if code == "IllegalLocationConstraintException" {
            return " (outside us-east-1, CreateBucket needs CreateBucketConfiguration = { LocationConstraint = <the --region> })"
        }
        return ""
    }

    /// The reason phrase of a status, for answers with no body.
    static func reason(_ status: Int) -> String {
        switch status {
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "HTTP \(status)"
        }
    }

    static func requestID(of response: HTTPResponse) -> String? {
        response.header("x-amzn-requestid") ?? response.header("x-amz-request-id") ?? response.header("x-amz-id-2")
    }
}
