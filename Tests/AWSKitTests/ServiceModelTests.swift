@testable import AWSKit
import Testing

struct ServiceModelTests {
    @Test func everyCommittedModelLoadsAndNamesItsBotocore() throws {
        #expect(AWSServiceModel.embeddedServices == AWSServiceModel.services)
        #expect(AWSServiceModel.services.count == 16)
        for service in AWSServiceModel.services {
            let model = try AWSServiceModel.load(service)
            #expect(model.service == service)
            #expect(model.botocoreVersion == "1.43.11")
            #expect(!model.operations.isEmpty, "\(service) has no operations")
        }
    }

    @Test func everyShapeReferenceResolves() throws {
        for service in AWSServiceModel.services {
            let model = try AWSServiceModel.load(service)
            var references: [String] = []
            for operation in model.operations.values {
                references += [operation.input?.shape, operation.output?.shape].compactMap { $0 }
            }
            for shape in model.shapes.values {
                references += (shape.members ?? []).map(\.shape)
                references += [shape.member?.shape, shape.key?.shape, shape.value?.shape].compactMap { $0 }
            }
            let missing = Set(references).subtracting(model.shapes.keys)
            #expect(missing.isEmpty, "\(service) refers to missing shapes \(missing.sorted())")
            for (name, paginator) in model.paginators {
                #expect(model.operations[name] != nil, "\(service) paginator \(name) has no operation")
                #expect(!paginator.inputToken.isEmpty)
            }
            for (name, waiter) in model.waiters {
                #expect(model.operations[waiter.operation] != nil, "\(service) waiter \(name) polls no operation")
            }
        }
    }

    @Test func protocolsAndEndpointNamesAreBotocores() throws {
        let ec2 = try AWSServiceModel.load("ec2")
        #expect(ec2.metadata.protocol == "ec2")
        #expect(ec2.metadata.apiVersion == "2016-11-15")

        // botocore 1.43 moved SQS from query to json 1.0, keeping its Query error codes.
        let sqs = try AWSServiceModel.load("sqs")
        #expect(sqs.metadata.protocol == "json")
        #expect(sqs.metadata.jsonVersion == "1.0")
        #expect(sqs.metadata.targetPrefix == "AmazonSQS")
        #expect(sqs.metadata.awsQueryCompatible != nil)
        let receive = try #require(sqs.operations["ReceiveMessage"])
        #expect(receive.http.method == "POST")
        #expect(receive.http.requestUri == "/")

        #expect(try AWSServiceModel.load("s3").metadata.protocol == "rest-xml")
        #expect(try AWSServiceModel.load("route53").metadata.protocol == "rest-xml")
        #expect(try AWSServiceModel.load("route53").metadata.globalEndpoint == "route53.amazonaws.com")

        let sts = try AWSServiceModel.load("sts")
        #expect(sts.metadata.protocol == "query")
        #expect(sts.operations["GetCallerIdentity"]?.output?.resultWrapper == "GetCallerIdentityResult")

        let dynamodb = try AWSServiceModel.load("dynamodb")
        #expect(dynamodb.metadata.protocol == "json")
        #expect(dynamodb.metadata.jsonVersion == "1.0")
        #expect(dynamodb.metadata.targetPrefix == "DynamoDB_20120810")

        let kafka = try AWSServiceModel.load("kafka")
        #expect(kafka.metadata.protocol == "rest-json")
        #expect(kafka.metadata.signingService == "kafka")
        #expect(kafka.operations["DescribeCluster"]?.http.description == "GET /v1/clusters/{clusterArn}")

        // CloudWatch's model says CBOR first; botocore sends json, the first of its list it supports.
        let cloudwatch = try AWSServiceModel.load("cloudwatch")
        #expect(cloudwatch.metadata.protocols == ["smithy-rpc-v2-cbor", "json", "query"])
        #expect(cloudwatch.metadata.targetPrefix == "GraniteServiceVersion20100801")

        #expect(try AWSServiceModel.load("elbv2").metadata.signingService == "elasticloadbalancing")
    }

    @Test func membersKeepTheirWireTraitsAndOrder() throws {
        let s3 = try AWSServiceModel.load("s3")
        let getObject = try s3.shape(try #require(s3.operations["GetObject"]?.input?.shape))
        let key = try #require(getObject.member(named: "Key"))
        #expect(key.location == .uri)
        #expect(key.locationName == "Key")
        #expect(s3.operations["GetObject"]?.http.requestUri == "/{Bucket}/{Key+}")
        let output = try s3.shape(try #require(s3.operations["GetObject"]?.output?.shape))
        #expect(output.payload == "Body")
        // S3 marks streaming on the member, not on its blob shape.
        #expect(output.member(named: "Body")?.streaming == true)
        #expect(output.member(named: "LastModified")?.location == .header)

        // rest-xml bodies follow the model's member order, which the model keeps.
        let route53 = try AWSServiceModel.load("route53")
        let recordSet = try route53.shape("ResourceRecordSet")
        #expect(recordSet.members?.prefix(2).map(\.name) == ["Name", "Type"])

        let ec2 = try AWSServiceModel.load("ec2")
        let describe = try ec2.shape(try #require(ec2.operations["DescribeInstances"]?.input?.shape))
        #expect(describe.member(named: "InstanceIds")?.locationName == "InstanceId")
        #expect(try ec2.shape("InstanceIdStringList").member?.locationName == "InstanceId")
    }

    @Test func paginatorsAndWaitersComeAlong() throws {
        let ec2 = try AWSServiceModel.load("ec2")
        let pages = try #require(ec2.paginators["DescribeInstances"])
        #expect(pages.inputToken == ["NextToken"])
        #expect(pages.outputToken == ["NextToken"])
        #expect(pages.limitKey == "MaxResults")
        #expect(pages.resultKey == ["Reservations"])

        let running = try #require(ec2.waiters["InstanceRunning"])
        #expect(running.operation == "DescribeInstances")
        #expect(running.delay == 15)
        #expect(running.maxAttempts == 40)
        #expect(running.acceptors.first?.matcher == .pathAll)
        #expect(running.acceptors.first?.expected == .string("running"))
        #expect(running.acceptors.contains { $0.matcher == .error && $0.expected == .string("InvalidInstanceID.NotFound") })

        let s3 = try AWSServiceModel.load("s3")
        #expect(s3.paginators["ListObjectsV2"]?.moreResults == "IsTruncated")
        #expect(s3.waiters["BucketExists"]?.acceptors.contains { $0.matcher == .status && $0.expected == .int(200) } == true)
    }

    @Test func sensitiveTraitsAreKept() throws {
        let sts = try AWSServiceModel.load("sts")
        let credentials = try sts.shape("Credentials")
        let secret = try sts.shape(try #require(credentials.member(named: "SecretAccessKey")?.shape))
        #expect(secret.sensitive == true)
        // botocore does not mark the session token; scripts/gen-aws-models adds it (SENSITIVE_ADDED).
        let token = try sts.shape(try #require(credentials.member(named: "SessionToken")?.shape))
        #expect(token.sensitive == true)
        #expect(try sts.shape(try #require(credentials.member(named: "AccessKeyId")?.shape)).sensitive == nil)
        let ssm = try AWSServiceModel.load("ssm")
        let value = try ssm.shape(try #require(ssm.shape("Parameter").member(named: "Value")?.shape))
        #expect(value.sensitive == true)
    }

    @Test func anUnknownServiceIsAClearError() throws {
        #expect(throws: AWSError.unknownServiceModel(service: "iam")) { try AWSServiceModel.load("iam") }
        #expect(AWSError.unknownServiceModel(service: "iam").description == #"no AWS service model named "iam""#)
    }

    @Test func aModelIsDecodedOnceAndShared() async throws {
        let models = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try AWSServiceModel.load("sns").botocoreVersion } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(models.count == 8)
    }
}
