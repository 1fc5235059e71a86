import AWSKit
import Foundation
import Testing
import TestSupport

/// AWSKit's request building against botocore's own serializers (Tests/Support/botocore_serialize.py)
/// over the same operation and input: the wire format checked by a real peer.
struct ModelRequestTests {
    /// An AWSValue from test JSON: `{"$ts": n}` is a timestamp, `{"$blob": "text"}` bytes.
    static func value(_ raw: Any) -> AWSValue {
        switch raw {
        case let text as String: return .string(text)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return "\(number)".contains(".") ? .double(number.doubleValue) : .integer(number.int64Value)
        case let items as [Any]: return .list(items.map(value))
        case let object as [String: Any]:
            if let seconds = object["$ts"] as? NSNumber { return .timestamp(seconds.doubleValue) }
            if let text = object["$blob"] as? String { return .blob(Array(text.utf8)) }
            return .map(object.mapValues(value))
        default: return .null
        }
    }

    static let cases: [(String, String, String)] = [
        ("sqs", "CreateQueue", #"{"QueueName":"q 1","Attributes":{"DelaySeconds":"5"},"tags":{"team":"sre"}}"#),
        ("dynamodb", "CreateTable", #"{"TableName":"t","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#),
        ("logs", "DescribeLogGroups", #"{"logGroupNamePrefix":"/aws/x","limit":5}"#),
        ("cloudwatch", "GetMetricStatistics", #"{"Namespace":"AWS/Kafka","MetricName":"CpuUser","Dimensions":[{"Name":"Cluster Name","Value":"demo"}],"StartTime":{"$ts":1704067200},"EndTime":{"$ts":1704070800},"Period":300,"Statistics":["Average"]}"#),
        ("kafka", "ListClustersV2", #"{"ClusterNameFilter":"demo cluster/x","MaxResults":10}"#),
        ("kafka", "RebootBroker", #"{"ClusterArn":"arn:aws:kafka:us-east-1:1:cluster/c/1","BrokerIds":["1"]}"#),
        ("lambda", "Invoke", #"{"FunctionName":"f","InvocationType":"Event","Payload":{"$blob":"{\"a\":1}"}}"#),
        ("sns", "CreateTopic", #"{"Name":"t","Attributes":{"DisplayName":"d"},"Tags":[{"Key":"k","Value":"v"}]}"#),
        ("sts", "AssumeRole", #"{"RoleArn":"arn:aws:iam::1:role/r","RoleSessionName":"session","DurationSeconds":900,"PolicyArns":[{"arn":"arn:aws:iam::1:policy/p"}]}"#),
        ("cloudwatch", "PutMetricAlarm", #"{"AlarmName":"a","Threshold":80.0,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","AlarmActions":["arn:t"]}"#),
        ("autoscaling", "DescribeAutoScalingGroups", #"{"AutoScalingGroupNames":["a","b"],"Filters":[{"Name":"tag:x","Values":["1"]}]}"#),
        ("ec2", "DescribeVpcs", #"{"VpcIds":["vpc-1","vpc-2"],"Filters":[{"Name":"cidr","Values":["10.0.0.0/16"]}]}"#),
        ("ec2", "AuthorizeSecurityGroupIngress", #"{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"tcp","FromPort":9092,"ToPort":9098,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}"#),
        ("s3", "ListObjectsV2", #"{"Bucket":"b","Prefix":"a b/","MaxKeys":10}"#),
        ("s3", "PutObject", #"{"Bucket":"b","Key":"dir/a b+c.txt","Body":{"$blob":"hello"},"ContentType":"text/plain","Metadata":{"owner":"sre"}}"#),
        ("s3", "CreateBucket", #"{"Bucket":"b","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}"#),
        ("route53", "CreateHostedZone", #"{"Name":"example.com","CallerReference":"r1","HostedZoneConfig":{"Comment":"c","PrivateZone":false}}"#),
        ("route53", "ListResourceRecordSets", #"{"HostedZoneId":"Z1","StartRecordName":"a.example.com","MaxItems":"5"}"#),
    ]

    @Test(arguments: 0..<cases.count)
    func buildsTheRequestBotocoreBuilds(index: Int) async throws {
        let (service, operation, params) = Self.cases[index]
        let text = try await ChildProcess.run("python3", [supportFile("botocore_serialize.py"), service, operation, params],
                                              timeout: .seconds(60)).check()
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let input = Self.value(try JSONSerialization.jsonObject(with: Data(params.utf8)))
        let model = try AWSServiceModel.load(service)
        // A custom endpoint, so S3 keeps the bucket in the path as botocore's serializer does.
        let request = try AWSModelRequest.build(model, operation: operation, input: input, endpoint: URL(string: "http://127.0.0.1:1"))
        let label = "\(service).\(operation)"
        #expect(request.method == expected["method"] as? String, "\(label)")
        #expect(request.path == expected["path"] as? String, "\(label)")
        let query = request.query.isEmpty ? [] : request.query.split(separator: "&").map { pair -> [String] in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String(decoding: Self.percentDecode(String($0)), as: UTF8.self)
            }
            return [parts[0], parts.count > 1 ? parts[1] : ""]
        }.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(query == (expected["query"] as? [[String]] ?? []), "\(label)")
        for (name, value) in expected["headers"] as? [String: String] ?? [:] {
            #expect(request.headers.first { $0.name.lowercased() == name.lowercased() }?.value == value, "\(label) header \(name)")
        }
        if let form = expected["form"] as? [[String]] {
            let ours = request.bodyText.split(separator: "&").map { pair in
                pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                    String(decoding: Self.percentDecode(String($0)), as: UTF8.self)
                }
            }.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(ours == form, "\(label)")
        } else if let body = expected["body"] as? String, body.hasPrefix("{") {
            let theirs = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? NSDictionary
            let ours = try JSONSerialization.jsonObject(with: Data(request.body)) as? NSDictionary
            #expect(ours == theirs, "\(label): \(request.bodyText) vs \(body)")
        } else {
            #expect(request.bodyText == expected["body"] as? String, "\(label)")
        }
    }

    static func percentDecode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return out
    }

    @Test func s3AtAnAWSEndpointPutsTheBucketInTheHost() throws {
        let model = try AWSServiceModel.load("s3")
        let input: AWSValue = .map(["Bucket": .string("my-bucket"), "Key": .string("a/b c")])
        let aws = try AWSModelRequest.build(model, operation: "GetObject", input: input,
                                            endpoint: URL(string: "https://s3.eu-west-1.amazonaws.com"))
        #expect(aws.hostPrefix == "my-bucket." && aws.path == "/a/b%20c")
        let local = try AWSModelRequest.build(model, operation: "GetObject", input: input, endpoint: URL(string: "http://127.0.0.1:9"))
        #expect(local.hostPrefix == "" && local.path == "/my-bucket/a/b%20c")
    }

    @Test func cloudWatchIsSentAsJSONAsBotocoreChooses() throws {
        #expect(AWSModelRequest.wireProtocol(of: try AWSServiceModel.load("cloudwatch")) == "json")
    }

    /// A timestamp input of 1e300 (or NaN) reached `Int64(seconds)` while the request was built and
    /// trapped, ending every run in the process; it is an input error naming the member.
    @Test(arguments: [1e300, -1e300, .nan, .infinity, 253_402_300_800])
    func aTimestampOutOfRangeIsAnInputErrorNotATrap(seconds: Double) throws {
        let model = try AWSServiceModel.load("cloudwatch")
        let error = #expect(throws: AWSError.self) {
            try AWSModelRequest.build(model, operation: "GetMetricStatistics", input: .map([
                "Namespace": .string("AWS/Kafka"), "MetricName": .string("CpuUser"), "StartTime": .timestamp(seconds),
                "EndTime": .timestamp(0), "Period": .integer(60),
            ]))
        }
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("member StartTime is not a time from year 1 to 9999"))
        // The query protocol writes ISO 8601 through the same check.
        #expect(throws: AWSError.self) {
            try AWSModelRequest.build(try AWSServiceModel.load("autoscaling"), operation: "PutScheduledUpdateGroupAction", input: .map([
                "AutoScalingGroupName": .string("g"), "ScheduledActionName": .string("s"), "StartTime": .timestamp(seconds),
            ]))
        }
    }
}
