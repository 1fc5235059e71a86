@testable import AWSKit
import Testing
import TestSupport

/// boto3's names for clients and operations, which `aws.<client>.<operation>{...}` uses.
struct BotocoreNameTests {
    @Test func namesLikeBotocoresExamples() {
        let cases = [
            "DescribeSecurityGroups": "describe_security_groups",
            "ListTagsForResource": "list_tags_for_resource",
            "GetBucketAcl": "get_bucket_acl",
            "ListWebACLs": "list_web_acls",
            "DescribeDBInstances": "describe_db_instances",
            "CreateVPCEndpoint": "create_vpc_endpoint",
            "ListObjectsV2": "list_objects_v2",
            "ListClustersV2": "list_clusters_v2",
            "DescribeDBClusterParameterGroups": "describe_db_cluster_parameter_groups",
            "GetHTTPSConnection": "get_https_connection",
            "DescribeVpcEndpointServicesV2": "describe_vpc_endpoint_services_v2",
            "ExecutePartiQLStatement": "execute_partiql_statement",
            "Route53Domains": "route53_domains",
            "ABs": "_abs",
            "already_snake": "already_snake",
        ]
        for (operation, method) in cases { #expect(BotocoreName.method(for: operation) == method, "\(operation)") }
    }

    /// Every operation of every embedded model against the installed botocore (the version the
    /// models came from): the names its `xform_name` gives, which the helper checks are the
    /// methods boto3's clients have. The client names are the model list's names as they are.
    @Test func everyOperationOfEveryModelIsNamedAsBoto3NamesIt() async throws {
        let output = try await ChildProcess.run("python3", [supportFile("botocore_names.py")] + AWSServiceModel.services,
                                                timeout: .seconds(120)).check()
        var lines = output.split(separator: "\n").map(String.init)
        let version = lines.isEmpty ? "" : lines.removeFirst()
        #expect(version == "botocore 1.43.11", "the models came from botocore 1.43.11; regenerate both together")
        let clients = lines.filter { $0.hasPrefix("client ") }.map { String($0.dropFirst("client ".count)) }
        #expect(clients == AWSServiceModel.services)

        var expected: [String: [String: String]] = [:]
        for line in lines where !line.hasPrefix("client ") {
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 3, "\(line)")
            expected[fields[0], default: [:]][fields[1]] = fields[2]
        }
        var compared = 0
        for service in AWSServiceModel.services {
            let model = try AWSServiceModel.load(service)
            let botocore = expected[service] ?? [:]
            #expect(Set(model.operations.keys) == Set(botocore.keys), "\(service): the model's operations are not botocore's")
            for operation in model.operations.keys.sorted() {
                #expect(BotocoreName.method(for: operation) == botocore[operation], "\(service).\(operation)")
                compared += 1
            }
            let methods = model.operationsByMethod
            #expect(methods.count == model.operations.count, "\(service): two operations share a method name")
            for (method, operation) in methods { #expect(botocore[operation] == method) }
        }
        #expect(compared > 1_800, "\(compared) operations")
    }
}
