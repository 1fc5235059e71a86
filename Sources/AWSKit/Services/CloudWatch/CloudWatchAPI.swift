/// CloudWatch as the current SDKs send it: the JSON 1.0 protocol (`POST /`,
/// `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, `x-amzn-query-mode: true`),
/// signed as `monitoring`; timestamps are epoch seconds in both directions.
public enum CloudWatchAPI {
    /// The service name in journals and errors.
    public static let service = "cloudwatch"
    /// The SigV4 signing name and endpoint prefix.
    public static let signingName = "monitoring"
    /// The operations the `cloudwatch` module offers.
    public static let operations: Set<String> = [
        "GetMetricStatistics", "GetMetricData", "ListMetrics", "DescribeAlarms", "DescribeAlarmsForMetric",
        "PutMetricAlarm", "SetAlarmState",
    ]

    /// A request for `operation` with a JSON body already in wire form (PascalCase members).
    public static func request(_ operation: String, jsonBody: [UInt8]) -> AWSOperationRequest {
        AWSOperationRequest(
            service: service, operation: operation, method: "POST", path: "/",
            headers: [
                .init(name: "Content-Type", value: "application/x-amz-json-1.0"),
                .init(name: "X-Amz-Target", value: "GraniteServiceVersion20100801.\(operation)"),
                .init(name: "x-amzn-query-mode", value: "true"),
            ],
            body: jsonBody.isEmpty ? Array("{}".utf8) : jsonBody)
    }
}
