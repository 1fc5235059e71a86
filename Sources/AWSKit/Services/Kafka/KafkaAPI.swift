/// The Amazon MSK operations runbooks use, as rest-json requests (botocore's
/// `kafka/2018-11-14` model: camelCase wire names, the cluster ARN as one encoded
/// path segment).
public enum KafkaAPI {
    /// The service name in journals and errors.
    public static let service = "kafka"

    /// `GET /v1/clusters/{clusterArn}`.
    public static func describeCluster(arn: String) -> AWSOperationRequest {
        get("DescribeCluster", "/v1/clusters/\(encodeLabel(arn))")
    }

    /// `GET /api/v2/clusters/{clusterArn}`.
    public static func describeClusterV2(arn: String) -> AWSOperationRequest {
        get("DescribeClusterV2", "/api/v2/clusters/\(encodeLabel(arn))")
    }

    /// `GET /api/v2/clusters` with optional filters and paging.
    public static func listClustersV2(nameFilter: String?, typeFilter: String?, maxResults: Int?, nextToken: String?) -> AWSOperationRequest {
        get("ListClustersV2", "/api/v2/clusters", query: [
            ("clusterNameFilter", nameFilter), ("clusterTypeFilter", typeFilter),
            ("maxResults", maxResults.map(String.init)), ("nextToken", nextToken),
        ])
    }

    /// `GET /v1/clusters/{clusterArn}/nodes`.
    public static func listNodes(arn: String, maxResults: Int?, nextToken: String?) -> AWSOperationRequest {
        get("ListNodes", "/v1/clusters/\(encodeLabel(arn))/nodes",
            query: [("maxResults", maxResults.map(String.init)), ("nextToken", nextToken)])
    }

    /// `GET /v1/clusters/{clusterArn}/bootstrap-brokers`.
    public static func getBootstrapBrokers(arn: String) -> AWSOperationRequest {
        get("GetBootstrapBrokers", "/v1/clusters/\(encodeLabel(arn))/bootstrap-brokers")
    }

    /// `PUT /v1/clusters/{clusterArn}/reboot-broker` with `{"brokerIds":[...]}`.
    public static func rebootBroker(arn: String, brokerIDs: [String]) -> AWSOperationRequest {
        let ids = brokerIDs.map { "\"\(jsonEscaped($0))\"" }.joined(separator: ",")
        return AWSOperationRequest(
            service: service, operation: "RebootBroker", method: "PUT",
            path: "/v1/clusters/\(encodeLabel(arn))/reboot-broker",
            headers: [.init(name: "Content-Type", value: "application/json")],
            body: Array("{\"brokerIds\":[\(ids)]}".utf8))
    }

    /// `GET /v1/operations/{clusterOperationArn}`.
    public static func describeClusterOperation(arn: String) -> AWSOperationRequest {
        get("DescribeClusterOperation", "/v1/operations/\(encodeLabel(arn))")
    }

    /// `GET /api/v2/operations/{clusterOperationArn}`.
    public static func describeClusterOperationV2(arn: String) -> AWSOperationRequest {
        get("DescribeClusterOperationV2", "/api/v2/operations/\(encodeLabel(arn))")
    }

    /// `GET /v1/clusters/{clusterArn}/operations`.
    public static func listClusterOperations(arn: String, maxResults: Int?, nextToken: String?) -> AWSOperationRequest {
        get("ListClusterOperations", "/v1/clusters/\(encodeLabel(arn))/operations",
            query: [("maxResults", maxResults.map(String.init)), ("nextToken", nextToken)])
    }

    /// `GET /api/v2/clusters/{clusterArn}/operations`.
    public static func listClusterOperationsV2(arn: String, maxResults: Int?, nextToken: String?) -> AWSOperationRequest {
        get("ListClusterOperationsV2", "/api/v2/clusters/\(encodeLabel(arn))/operations",
            query: [("maxResults", maxResults.map(String.init)), ("nextToken", nextToken)])
    }

    private static func get(_ operation: String, _ path: String, query: [(String, String?)] = []) -> AWSOperationRequest {
        AWSOperationRequest(service: service, operation: operation, method: "GET", path: path, query: encodeQuery(query))
    }
}

/// `text` escaped for a JSON string literal.
func jsonEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
