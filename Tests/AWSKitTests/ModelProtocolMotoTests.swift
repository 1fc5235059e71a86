import AWSKit
import Foundation
import Testing
import TestSupport

/// Every protocol round trip against moto behind the signature-checking proxy, errors included.
/// One server for the suite (moto takes seconds to start here); names are unique per test.
@Suite(.serialized)
struct ModelProtocolMotoTests {
    static let shared = SharedMotoServer()

    func client(_ service: String) async throws -> AWSServiceClient {
        let moto = try await Self.shared.get()
        let (key, secret) = (moto.accessKeyID, moto.secretAccessKey)
        return AWSServiceClient(model: try AWSServiceModel.load(service), region: "us-east-1",
                                endpoint: try #require(URL(string: moto.url)),
                                credentials: { AWSCredentials(accessKeyID: key, secretAccessKey: secret) }, sleep: { _ in })
    }

    func expectError(_ service: String, _ operation: String, _ input: AWSValue, code: String,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let client = try await client(service)
        let error = await #expect(throws: AWSServiceError.self, sourceLocation: sourceLocation) {
            try await client.send(operation: operation, input: input)
        }
        let text = error?.description ?? ""
        #expect(error?.code == code, "\(text)", sourceLocation: sourceLocation)
        #expect(text.hasPrefix("\(service).\(operation): \(code): "), "\(text)", sourceLocation: sourceLocation)
        #expect(text.contains(#/\(HTTP [45]\d\d(, request id [^)]+)?\)$/#), "\(text)", sourceLocation: sourceLocation)
    }

    let unique = UUID().uuidString.prefix(8).lowercased()

    @Test func ec2DescribeVpcsAndABadVpcID() async throws {
        let vpcs = try await client("ec2").send(operation: "DescribeVpcs")
        #expect((vpcs["vpcSet"]?.listValue?.count ?? 0) >= 1, "\(vpcs)")
        #expect(vpcs["vpcSet"]?[0]?["vpcId"]?.stringValue?.hasPrefix("vpc-") == true)
        try await expectError("ec2", "DescribeVpcs", .map(["VpcIds": .list([.string("vpc-00000000")])]), code: "InvalidVpcID.NotFound")
    }

    @Test func sqsQueueRoundTripAndAMissingQueue() async throws {
        let sqs = try await client("sqs")
        let created = try await sqs.send(operation: "CreateQueue", input: .map(["QueueName": .string("q-\(unique)")]))
        let url = try #require(created["QueueUrl"]?.stringValue)
        let listed = try await sqs.send(operation: "ListQueues")
        #expect(listed["QueueUrls"]?.listValue?.contains(.string(url)) == true, "\(listed)")
        _ = try await sqs.send(operation: "SendMessage", input: .map(["QueueUrl": .string(url), "MessageBody": .string("hello")]))
        let received = try await sqs.send(operation: "ReceiveMessage", input: .map(["QueueUrl": .string(url)]))
        #expect(received["Messages"]?[0]?["Body"] == .string("hello"), "\(received)")
        try await expectError("sqs", "GetQueueUrl", .map(["QueueName": .string("missing-\(unique)")]),
                              code: "AWS.SimpleQueueService.NonExistentQueue")
    }

    @Test func dynamodbTablesAndAMissingTable() async throws {
        let dynamodb = try await client("dynamodb")
        _ = try await dynamodb.send(operation: "CreateTable", input: .map([
            "TableName": .string("t-\(unique)"), "BillingMode": .string("PAY_PER_REQUEST"),
            "AttributeDefinitions": .list([.map(["AttributeName": .string("id"), "AttributeType": .string("S")])]),
            "KeySchema": .list([.map(["AttributeName": .string("id"), "KeyType": .string("HASH")])]),
        ]))
        let tables = try await dynamodb.send(operation: "ListTables")
        #expect(tables["TableNames"]?.listValue?.contains(.string("t-\(unique)")) == true, "\(tables)")
        try await expectError("dynamodb", "DescribeTable", .map(["TableName": .string("missing-\(unique)")]),
                              code: "ResourceNotFoundException")
    }

    @Test func snsTopics() async throws {
        let sns = try await client("sns")
        let created = try await sns.send(operation: "CreateTopic", input: .map(["Name": .string("t-\(unique)")]))
        let arn = try #require(created["TopicArn"]?.stringValue)
        let topics = try await sns.send(operation: "ListTopics")
        #expect(topics["Topics"]?.listValue?.contains { $0["TopicArn"] == .string(arn) } == true, "\(topics)")
        try await expectError("sns", "GetTopicAttributes", .map(["TopicArn": .string(arn + "-missing")]), code: "NotFound")
    }

    @Test func logsGroups() async throws {
        let logs = try await client("logs")
        _ = try await logs.send(operation: "CreateLogGroup", input: .map(["logGroupName": .string("/t/\(unique)")]))
        let groups = try await logs.send(operation: "DescribeLogGroups", input: .map(["logGroupNamePrefix": .string("/t/\(unique)")]))
        #expect(groups["logGroups"]?[0]?["logGroupName"] == .string("/t/\(unique)"), "\(groups)")
        if case .timestamp = groups["logGroups"]?[0]?["creationTime"] {} else if case .integer = groups["logGroups"]?[0]?["creationTime"] {} else {
            Issue.record("creationTime: \(String(describing: groups["logGroups"]?[0]?["creationTime"]))")
        }
    }

    @Test func s3ObjectRoundTripAndAMissingKey() async throws {
        let s3 = try await client("s3")
        let bucket = "b-\(unique)"
        _ = try await s3.send(operation: "CreateBucket", input: .map(["Bucket": .string(bucket)]))
        _ = try await s3.send(operation: "PutObject", input: .map([
            "Bucket": .string(bucket), "Key": .string("dir/a b+c.txt"), "Body": .blob(Array("hello s3".utf8)),
            "ContentType": .string("text/plain"), "Metadata": .map(["owner": .string("sre")]),
        ]))
        let listed = try await s3.send(operation: "ListObjectsV2", input: .map(["Bucket": .string(bucket)]))
        #expect(listed["Contents"]?[0]?["Key"] == .string("dir/a b+c.txt"), "\(listed)")
        #expect(listed["KeyCount"] == .integer(1))
        let buckets = try await s3.send(operation: "ListBuckets")
        #expect(buckets["Buckets"]?.listValue?.contains { $0["Name"] == .string(bucket) } == true, "\(buckets)")
        let object = try await s3.send(operation: "GetObject", input: .map(["Bucket": .string(bucket), "Key": .string("dir/a b+c.txt")]))
        #expect(object["Body"] == .blob(Array("hello s3".utf8)))
        #expect(object["ContentType"] == .string("text/plain"))
        #expect(object["Metadata"]?["owner"] == .string("sre"), "\(object)")
        try await expectError("s3", "GetObject", .map(["Bucket": .string(bucket), "Key": .string("missing")]), code: "NoSuchKey")
        try await expectError("s3", "HeadObject", .map(["Bucket": .string(bucket), "Key": .string("missing")]), code: "404")
    }

    @Test func stsCallerIdentity() async throws {
        let identity = try await client("sts").send(operation: "GetCallerIdentity")
        #expect(identity["Account"]?.stringValue?.count == 12, "\(identity)")
        #expect(identity["Arn"]?.stringValue?.hasPrefix("arn:aws:") == true)
        // moto validates no STS parameter (DurationSeconds 1 is accepted): the query error shape is
        // checked with SNS (snsTopics) instead.
    }

    @Test func route53HostedZonesAndAMissingZone() async throws {
        let route53 = try await client("route53")
        let created = try await route53.send(operation: "CreateHostedZone", input: .map([
            "Name": .string("z\(unique).example.com"), "CallerReference": .string("r-\(unique)"),
        ]))
        #expect(created["HostedZone"]?["Name"] == .string("z\(unique).example.com."), "\(created)")
        #expect(created["Location"]?.stringValue != nil)
        let zones = try await route53.send(operation: "ListHostedZones")
        #expect(zones["HostedZones"]?.listValue?.contains { $0["Name"] == .string("z\(unique).example.com.") } == true, "\(zones)")
        try await expectError("route53", "GetHostedZone", .map(["Id": .string("ZMISSING\(unique)")]), code: "NoSuchHostedZone")
    }

    /// rest-json: labels in the path (an ARN, one encoded segment), camelCase wire names, a map of
    /// tags, the query string, and a JSON error body read for its code.
    @Test func kafkaClusterRoundTripAndAMissingCluster() async throws {
        let kafka = try await client("kafka")
        let brokers: AWSValue = .map([
            "ClientSubnets": .list([.string("subnet-1"), .string("subnet-2"), .string("subnet-3")]),
            "InstanceType": .string("kafka.m5.large"),
        ])
        let created = try await kafka.send(operation: "CreateClusterV2", input: .map([
            "ClusterName": .string("v2-\(unique)"), "Tags": .map(["team": .string("sre")]),
            "Provisioned": .map(["BrokerNodeGroupInfo": brokers, "KafkaVersion": .string("3.6.0"), "NumberOfBrokerNodes": .integer(3)]),
        ]))
        let arn = try #require(created["clusterArn"]?.stringValue, "\(created)")
        #expect(created["clusterName"] == .string("v2-\(unique)"))
        let v2 = try await kafka.send(operation: "DescribeClusterV2", input: .map(["ClusterArn": .string(arn)]))
        #expect(v2["clusterInfo"]?["clusterName"] == .string("v2-\(unique)"), "\(v2)")
        #expect(v2["clusterInfo"]?["provisioned"]?["numberOfBrokerNodes"] == .integer(3), "\(v2)")
        let listedV2 = try await kafka.send(operation: "ListClustersV2", input: .map(["ClusterNameFilter": .string("v2-\(unique)")]))
        #expect(listedV2["clusterInfoList"]?.listValue?.map { $0["clusterArn"] } == [.string(arn)], "\(listedV2)")

        let v1 = try await kafka.send(operation: "CreateCluster", input: .map([
            "ClusterName": .string("v1-\(unique)"), "BrokerNodeGroupInfo": brokers, "KafkaVersion": .string("3.6.0"),
            "NumberOfBrokerNodes": .integer(3),
        ]))
        let v1Arn = try #require(v1["clusterArn"]?.stringValue, "\(v1)")
        let described = try await kafka.send(operation: "DescribeCluster", input: .map(["ClusterArn": .string(v1Arn)]))
        #expect(described["clusterInfo"]?["clusterName"] == .string("v1-\(unique)"), "\(described)")
        #expect(described["clusterInfo"]?["brokerNodeGroupInfo"]?["clientSubnets"]?.listValue?.count == 3, "\(described)")
        // moto's ListClusters ignores the filter (ListClustersV2's applies it, above).
        let listed = try await kafka.send(operation: "ListClusters", input: .map(["ClusterNameFilter": .string("v1-\(unique)")]))
        #expect(listed["clusterInfoList"]?.listValue?.contains { $0["clusterArn"] == .string(v1Arn) } == true, "\(listed)")

        _ = try await kafka.send(operation: "TagResource", input: .map(["ResourceArn": .string(arn), "Tags": .map(["owner": .string("me")])]))
        let tags = try await kafka.send(operation: "ListTagsForResource", input: .map(["ResourceArn": .string(arn)]))
        #expect(tags["tags"] == .map(["team": .string("sre"), "owner": .string("me")]), "\(tags)")
        let deleted = try await kafka.send(operation: "DeleteCluster", input: .map(["ClusterArn": .string(v1Arn)]))
        #expect(deleted["clusterArn"] == .string(v1Arn), "\(deleted)")
        // moto answers DescribeCluster of an unknown ARN with a 500 (a KeyError); GetClusterPolicy
        // checks the ARN and says NotFoundException, as MSK does.
        try await expectError("kafka", "GetClusterPolicy", .map(["ClusterArn": .string(v1Arn)]), code: "NotFoundException")
    }

    /// rest-json with a blob in the JSON body (the code, base64), the function name as a label, a
    /// map of tags by ARN, an empty 204 answer, and a 404 error.
    @Test func lambdaFunctionRoundTripAndAMissingFunction() async throws {
        let moto = try await Self.shared.get()
        // moto's Lambda checks the role exists in IAM, and AWSKit has no IAM model: boto3 makes it.
        let role = try await moto.runScript("moto_role.py", ["lambda-\(unique)"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let lambda = try await client("lambda")
        let name = "f-\(unique)"
        // The smallest zip there is, the end record alone: moto stores the code and never runs it.
        let zip: [UInt8] = Array("PK".utf8) + [5, 6] + Array(repeating: 0, count: 18)
        let created = try await lambda.send(operation: "CreateFunction", input: .map([
            "FunctionName": .string(name), "Runtime": .string("python3.12"), "Role": .string(role),
            "Handler": .string("index.handler"), "Code": .map(["ZipFile": .blob(zip)]), "Timeout": .integer(7),
        ]))
        let arn = try #require(created["FunctionArn"]?.stringValue, "\(created)")
        #expect(created["CodeSize"] == .integer(Int64(zip.count)) && created["Timeout"] == .integer(7), "\(created)")
        let got = try await lambda.send(operation: "GetFunction", input: .map(["FunctionName": .string(name)]))
        #expect(got["Configuration"]?["Handler"] == .string("index.handler"), "\(got)")
        let functions = try await lambda.send(operation: "ListFunctions")
        #expect(functions["Functions"]?.listValue?.contains { $0["FunctionName"] == .string(name) } == true, "\(functions)")
        _ = try await lambda.send(operation: "TagResource", input: .map(["Resource": .string(arn), "Tags": .map(["team": .string("sre")])]))
        let tags = try await lambda.send(operation: "ListTags", input: .map(["Resource": .string(arn)]))
        #expect(tags["Tags"] == .map(["team": .string("sre")]), "\(tags)")
        _ = try await lambda.send(operation: "DeleteFunction", input: .map(["FunctionName": .string(name)]))
        try await expectError("lambda", "GetFunction", .map(["FunctionName": .string(name)]), code: "ResourceNotFoundException")
    }
}
