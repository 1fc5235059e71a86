@testable import AWSKit
import Foundation
import Testing

struct RegionResolutionTests {
    let home: TestHome

    init() throws {
        home = try TestHome()
        try home.config("[default]\nregion = eu-central-1\n[profile bare]\noutput = json\n")
    }

    @Test func explicitThenAwsRegionThenAwsDefaultRegionThenProfile() throws {
        let all = ["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"]
        #expect(try home.configuration(all).region(explicit: "ca-central-1") == "ca-central-1")
        #expect(try home.configuration(all).region() == "us-west-2")
        #expect(try home.configuration(["AWS_DEFAULT_REGION": "ap-south-1"]).region() == "ap-south-1")
        #expect(try home.configuration(["AWS_REGION": ""]).region() == "eu-central-1")
        #expect(try home.configuration().region() == "eu-central-1")
    }

    @Test func noRegionIsAClearError() async throws {
        let configuration = try home.configuration(profile: "bare")
        let error = await awsError { try configuration.region() }
        #expect(error == .missingRegion)
        #expect(error?.description.contains("--region") == true)
        #expect(error?.description.contains("AWS_DEFAULT_REGION") == true)
    }

    @Test func aRegionThatIsNotAHostLabelIsRejected() async throws {
        let configuration = try home.configuration(["AWS_REGION": "us-east-1.evil.com/"])
        #expect(await awsError { try configuration.region() } == .invalidRegion(source: "AWS_REGION"))
    }
}

struct EndpointResolutionTests {
    let home: TestHome

    init() throws {
        home = try TestHome()
        try home.config("""
            [default]
            region = us-east-1
            services = local
            endpoint_url = http://127.0.0.1:7000

            [profile plain]
            region = us-east-1

            [profile ignoring]
            services = local
            ignore_configured_endpoint_urls = true

            [services local]
            kafka =
              endpoint_url = http://127.0.0.1:5099
            cloudwatch =
              endpoint_url = http://127.0.0.1:5100
            """)
    }

    @Test(arguments: [
        (AWSService.kafka, "us-east-1", "https://kafka.us-east-1.amazonaws.com"),
        (AWSService.cloudWatch, "eu-west-1", "https://monitoring.eu-west-1.amazonaws.com"),
        (AWSService.sts, "ap-southeast-2", "https://sts.ap-southeast-2.amazonaws.com"),
        (AWSService.kafka, "cn-north-1", "https://kafka.cn-north-1.amazonaws.com.cn"),
    ])
    func defaultEndpoints(service: AWSService, region: String, expected: String) throws {
        let configuration = try home.configuration(profile: "plain")
        #expect(try configuration.endpoint(for: service, region: region).absoluteString == expected)
    }

    @Test func settingNamesFollowTheServiceID() {
        #expect(AWSService.kafka.environmentVariable == "AWS_ENDPOINT_URL_KAFKA")
        #expect(AWSService.cloudWatch.environmentVariable == "AWS_ENDPOINT_URL_CLOUDWATCH")
        #expect(AWSService.cloudWatch.configKey == "cloudwatch")
        #expect(AWSService(serviceID: "CloudWatch Logs", endpointPrefix: "logs", signingName: "logs").environmentVariable
            == "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")
        #expect(AWSService.sts.configKey == "sts")
    }

    @Test func precedenceFromExplicitDownToTheDefault() throws {
        var environment = ["AWS_ENDPOINT_URL_KAFKA": "http://127.0.0.1:1001", "AWS_ENDPOINT_URL": "http://127.0.0.1:1002"]
        func kafka(explicit: String? = nil) throws -> String {
            try home.configuration(environment).endpoint(for: .kafka, region: "us-east-1", explicit: explicit).absoluteString
        }
        #expect(try kafka(explicit: "http://127.0.0.1:1000") == "http://127.0.0.1:1000")
        #expect(try kafka() == "http://127.0.0.1:1001")
        environment["AWS_ENDPOINT_URL_KAFKA"] = nil
        #expect(try kafka() == "http://127.0.0.1:1002")
        environment["AWS_ENDPOINT_URL"] = nil
        #expect(try kafka() == "http://127.0.0.1:5099")
        // sts has no entry in [services local], so the profile's endpoint_url applies.
        #expect(try home.configuration().endpoint(for: .sts, region: "us-east-1").absoluteString == "http://127.0.0.1:7000")
        #expect(try home.configuration(profile: "plain").endpoint(for: .kafka, region: "us-east-1").absoluteString
            == "https://kafka.us-east-1.amazonaws.com")
    }

    @Test func theServiceVariableOfOneServiceDoesNotLeakIntoAnother() throws {
        let configuration = try home.configuration(["AWS_ENDPOINT_URL_KAFKA": "http://127.0.0.1:1001"], profile: "plain")
        #expect(try configuration.endpoint(for: .cloudWatch, region: "us-east-1").absoluteString
            == "https://monitoring.us-east-1.amazonaws.com")
        let cloudWatch = try home.configuration(["AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:1003"])
        #expect(try cloudWatch.endpoint(for: .cloudWatch, region: "us-east-1").absoluteString == "http://127.0.0.1:1003")
        #expect(try home.configuration().endpoint(for: .cloudWatch, region: "us-east-1").absoluteString == "http://127.0.0.1:5100")
    }

    @Test func ignoreConfiguredEndpointURLs() throws {
        let environment = ["AWS_ENDPOINT_URL_KAFKA": "http://127.0.0.1:1001", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"]
        let ignoring = try home.configuration(environment)
        #expect(try ignoring.endpoint(for: .kafka, region: "us-east-1").absoluteString == "https://kafka.us-east-1.amazonaws.com")
        #expect(try ignoring.endpoint(for: .kafka, region: "us-east-1", explicit: "http://127.0.0.1:9").absoluteString
            == "http://127.0.0.1:9")
        let fromProfile = try home.configuration(profile: "ignoring")
        #expect(try fromProfile.endpoint(for: .kafka, region: "us-east-1").absoluteString == "https://kafka.us-east-1.amazonaws.com")
        let notIgnoring = try home.configuration(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"])
        #expect(try notIgnoring.endpoint(for: .kafka, region: "us-east-1").absoluteString == "http://127.0.0.1:5099")
    }

    @Test func aBadEndpointNamesItsSource() async throws {
        let configuration = try home.configuration(["AWS_ENDPOINT_URL_KAFKA": "not a url"])
        let error = await awsError { try configuration.endpoint(for: .kafka, region: "us-east-1") }
        #expect(error == .invalidEndpointURL(source: "AWS_ENDPOINT_URL_KAFKA"))
        let explicit = await awsError { try configuration.endpoint(for: .kafka, region: "us-east-1", explicit: "ftp://x") }
        #expect(explicit?.description == "the endpoint URL from --endpoint-url is not an absolute http or https URL")
    }
}
