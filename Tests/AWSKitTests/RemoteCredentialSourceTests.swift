@testable import AWSKit
import Foundation
import HTTPClient
import Testing
import TestSupport

/// Container credentials, IMDSv2 and STS, against the loopback server; nothing leaves 127.0.0.1.
@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct RemoteCredentialSourceTests {
    let home: TestHome
    let server: AWSMetadataTestServer

    init() async throws {
        home = try TestHome()
        server = try await AWSMetadataTestServer()
    }

    /// A chain with STS pointed at the loopback server and no pause between container attempts.
    func chain(_ extra: [String: String] = [:], profile: String? = nil, transport: any HTTPTransport = CurlTransport.shared)
        throws -> AWSCredentialChain
    {
        let environment = ["AWS_ENDPOINT_URL_STS": server.base, "AWS_REGION": "us-east-1"].merging(extra) { $1 }
        var chain = AWSCredentialChain(configuration: try home.configuration(environment, profile: profile), transport: transport)
        chain.context.retryDelay = .zero
        return chain
    }

    // MARK: container

    @Test func containerFullURIWithAuthorizationToken() async throws {
        let found = try await chain([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "test-container-auth",
        ]).resolve()
        #expect(found.credentials.accessKeyID == "ASIAECSEXAMPLE")
        #expect(found.credentials.secretAccessKey == "ecsexample-SECRETMARKER")
        #expect(found.credentials.sessionToken == "ecsexample-TOKENMARKER")
        #expect(found.expiration == AWSWireTime.date(iso8601: "2099-01-01T00:00:00Z"))
        #expect(found.source == "container credentials (\(server.base))")
    }

    @Test func containerTokenFileWinsOverTheVariable() async throws {
        let tokenFile = try home.write("token", "test-container-auth\n")
        let found = try await chain([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong",
        ]).resolve()
        #expect(found.credentials.accessKeyID == "ASIAECSEXAMPLE")
    }

    @Test func aRejectedContainerTokenFailsAfterThreeAttempts() async throws {
        let chain = try chain([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-TOKENMARKER",
        ])
        let error = await awsError { try await chain.resolve() }
        #expect(error?.description == "cannot get credentials from container credentials (\(server.base)): HTTP 401 after 3 attempts")
        #expect(try await server.counts()["/ecs/creds"] == 3)
    }

    @Test func relativeURIGoesToTheContainerHost() async throws {
        let transport = RecordingTransport { _ in
            HTTPResponse(status: 200, body: Array(#"{"AccessKeyId":"ASIAREL","SecretAccessKey":"x-SECRETMARKER","Token":"t"}"#.utf8))
        }
        let found = try await chain(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"], transport: transport).resolve()
        #expect(found.credentials.accessKeyID == "ASIAREL")
        #expect(transport.requests.map(\.url) == ["http://169.254.170.2/v2/credentials/abc"])
        #expect(transport.requests.first?.timeout == .seconds(2))
    }

    @Test(arguments: ["http://example.com/creds", "http://10.0.0.1/creds", "ftp://127.0.0.1/creds"])
    func fullURIMustBeHTTPSOrLoopback(url: String) async throws {
        let transport = RecordingTransport { _ in HTTPResponse(status: 500) }
        let error = await awsError { try await chain(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url], transport: transport).resolve() }
        #expect(error?.description.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI must use https") == true)
        #expect(transport.requests.isEmpty)
        #expect(ContainerCredentialProvider.isAllowed("https://creds.example.com/x"))
        #expect(ContainerCredentialProvider.isAllowed("http://localhost:8080/x"))
        #expect(ContainerCredentialProvider.isAllowed("http://[::1]:8080/x"))
    }

    @Test func aTokenWithANewlineIsRejected() async throws {
        let transport = RecordingTransport { _ in HTTPResponse(status: 500) }
        let error = await awsError {
            try await chain([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Injected: TOKENMARKER",
            ], transport: transport).resolve()
        }
        #expect(error?.description == "invalid credential configuration: the container authorization token contains CR, LF or NUL")
        #expect(transport.requests.isEmpty)
    }

    // MARK: instance metadata

    @Test func imdsV2UsesTheTokenFromThePut() async throws {
        let found = try await chain(["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.base + "/"])
            .resolve()
        #expect(found.credentials.accessKeyID == "ASIAIMDSEXAMPLE")
        #expect(found.credentials.sessionToken == "imdsexample-TOKENMARKER")
        #expect(found.source == "instance metadata (\(server.base)) role test-role")
        let counts = try await server.counts()
        #expect(counts["/latest/api/token"] == 1)
        #expect(counts["/latest/meta-data/iam/security-credentials/test-role"] == 1)
    }

    @Test func imdsFallsBackToV1UnlessV1IsDisabled() async throws {
        let v1 = ["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.base + "/v1only"]
        #expect(try await chain(v1).resolve().credentials.accessKeyID == "ASIAIMDSV1EXAMPLE")
        let error = await awsError { try await chain(v1.merging(["AWS_EC2_METADATA_V1_DISABLED": "true"]) { $1 }).resolve() }
        #expect(error?.description.hasSuffix(
            "instance metadata (\(server.base)): no IMDSv2 token (HTTP 404) and IMDSv1 is disabled") == true)
    }

    @Test func imdsRequestsCarryTheTTLAndTokenHeaders() async throws {
        let transport = RecordingTransport { request in
            if request.method == "PUT" { return HTTPResponse(status: 200, body: Array("tok".utf8)) }
            if request.url.hasSuffix("/") { return HTTPResponse(status: 200, body: Array("role-a\n".utf8)) }
            return HTTPResponse(status: 200, body: Array(#"{"Code":"Success","AccessKeyId":"A","SecretAccessKey":"S","Token":"T"}"#.utf8))
        }
        _ = try await chain(["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"],
            transport: transport).resolve()
        let requests = transport.requests
        #expect(requests.map { "\($0.method) \($0.url)" } == [
            "PUT http://127.0.0.1:9/latest/api/token",
            "GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/",
            "GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/role-a",
        ])
        #expect(requests[0].headers.contains { $0.name == "X-aws-ec2-metadata-token-ttl-seconds" && $0.value == "21600" })
        #expect(requests[1].headers.contains { $0.name == "X-aws-ec2-metadata-token" && $0.value == "tok" })
        #expect(requests[0].timeout == .seconds(1))
    }

    @Test func anUnreachableMetadataServiceIsNotFound() async throws {
        let port = try freePort()  // nothing listens there now
        let error = await awsError {
            try await chain(["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(port)"]).resolve()
        }
        #expect(error?.description.contains("instance metadata (http://127.0.0.1:\(port)): connection refused") == true)
    }

    /// `AWS_METADATA_SERVICE_TIMEOUT=inf` once trapped converting seconds to milliseconds.
    @Test(arguments: ["inf", "1e308", "-1", "nan"])
    func aMetadataTimeoutOutOfRangeIsAnErrorNotACrash(timeout: String) async throws {
        let error = await awsError {
            try await chain(["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9",
                             "AWS_METADATA_SERVICE_TIMEOUT": timeout]).resolve()
        }
        #expect(error?.description.contains("the metadata service timeout must be a number of seconds from 0.001 to 3600, not \(timeout)") == true,
                "\(String(describing: error))")
    }

    // MARK: STS

    @Test func webIdentityFromTheEnvironmentIsUnsigned() async throws {
        let tokenFile = try home.write("web-token", "web-identity-TOKENMARKER")
        let found = try await chain([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/web",
            "AWS_ROLE_SESSION_NAME": "runbook-test",
        ]).resolve()
        #expect(found.credentials.accessKeyID == "ASIAWEBIDEXAMPLE")
        #expect(found.credentials.sessionToken == "webidexample-TOKENMARKER")
        #expect(found.source == "STS AssumeRoleWithWebIdentity (arn:aws:iam::123456789012:role/web)")
        let sent = try await server.lastSTSRequest()
        #expect(sent["Action"] == "AssumeRoleWithWebIdentity")
        #expect(sent["RoleArn"] == "arn:aws:iam::123456789012:role/web")
        #expect(sent["RoleSessionName"] == "runbook-test")
        #expect(sent["_authorization"] == "")
        #expect(sent["_content_type"] == "application/x-www-form-urlencoded; charset=utf-8")
    }

    @Test func webIdentityFromTheProfile() async throws {
        let tokenFile = try home.write("web-token", "web-identity-TOKENMARKER\n")
        try home.config("[profile web]\nweb_identity_token_file = \(tokenFile)\nrole_arn = arn:aws:iam::1:role/w\n")
        let found = try await chain(["AWS_PROFILE": "web"]).resolve()
        #expect(found.credentials.accessKeyID == "ASIAWEBIDEXAMPLE")
        #expect(try await server.lastSTSRequest()["RoleSessionName"]?.hasPrefix("botocore-session-") == true)
    }

    @Test func assumeRoleWithASourceProfileIsSignedWithItsKeys() async throws {
        try home.credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = \(TestSecrets.secret)\n")
        try home.config("""
            [profile role]
            role_arn = arn:aws:iam::123456789012:role/runbook-role
            source_profile = base
            role_session_name = runbook-test
            external_id = ext-1
            duration_seconds = 1800
            """)
        let found = try await chain(profile: "role").resolve()
        #expect(found.credentials.accessKeyID == "ASIAASSUMEDEXAMPLE")
        #expect(found.credentials.secretAccessKey == "assumedexample-SECRETMARKER")
        #expect(found.source == "assume-role profile role (arn:aws:iam::123456789012:role/runbook-role)")
        let sent = try await server.lastSTSRequest()
        #expect(sent["Action"] == "AssumeRole")
        #expect(sent["Version"] == "2011-06-15")
        #expect(sent["RoleArn"] == "arn:aws:iam::123456789012:role/runbook-role")
        #expect(sent["RoleSessionName"] == "runbook-test")
        #expect(sent["ExternalId"] == "ext-1")
        #expect(sent["DurationSeconds"] == "1800")
        #expect(sent["_authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDBASE/") == true)
        #expect(sent["_authorization"]?.contains("/us-east-1/sts/aws4_request") == true)
    }

    @Test func assumeRoleChainsThroughRolesAndCredentialSources() async throws {
        try home.config("""
            [profile first]
            role_arn = arn:aws:iam::1:role/first
            credential_source = Environment
            [profile second]
            role_arn = arn:aws:iam::1:role/second
            source_profile = first
            """)
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": TestSecrets.secret]
        let found = try await chain(environment, profile: "second").resolve()
        #expect(found.credentials.accessKeyID == "ASIAASSUMEDEXAMPLE")
        let sent = try await server.lastSTSRequest()
        #expect(sent["RoleArn"] == "arn:aws:iam::1:role/second")
        // The second call is signed with what the first returned.
        #expect(sent["_authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIAASSUMEDEXAMPLE/") == true)
    }

    @Test func assumeRoleBeatsStaticKeysInTheSameProfile() async throws {
        try home.credentials("[self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n")
        try home.config("[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n")
        let found = try await chain(["AWS_PROFILE": "self"]).resolve()
        #expect(found.credentials.accessKeyID == "ASIAASSUMEDEXAMPLE")
        #expect(try await server.lastSTSRequest()["_authorization"]?.contains("Credential=AKIDSELF/") == true)
    }

    @Test(arguments: [
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
         "infinite loop in source_profile: a -> b -> a"),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = missing\n",
         "the source_profile \"missing\" referenced in the profile \"a\" does not exist"),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\ncredential_source = Environment\n[profile b]\n",
         "profile a has both source_profile and credential_source; use one"),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\n", "profile a has role_arn but neither source_profile nor credential_source"),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Laptop\n",
         "credential_source \"Laptop\" of profile a is not Environment, Ec2InstanceMetadata or EcsContainer"),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nregion = us-east-1\n",
         "the source profile \"b\" must have credentials"),
    ])
    func badAssumeRoleConfigurations(config: String, reason: String) async throws {
        try home.config(config)
        let error = await awsError { try await chain(profile: "a").resolve() }
        #expect(error == .invalidCredentialConfiguration(reason: reason))
    }

    @Test func stsErrorsShowTheCodeNotTheKeys() async throws {
        try home.credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = \(TestSecrets.secret)\n")
        try home.config("[profile role]\nrole_arn = arn:aws:iam::1:role/denied\nsource_profile = base\n")
        let error = await awsError { try await chain(profile: "role").resolve() }
        #expect(error?.description == "cannot get credentials from STS AssumeRole (arn:aws:iam::1:role/denied): "
            + "HTTP 403 AccessDenied: not authorized to perform sts:AssumeRole")
    }

    @Test func noErrorTextHoldsASecretOrToken() async throws {
        let tokenFile = try home.write("web-token", "wrong-web-identity-TOKENMARKER")
        try home.credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = \(TestSecrets.secret)\naws_session_token = \(TestSecrets.token)\n")
        let failing = try home.script("fail", "echo '{\"SecretAccessKey\": \"'$SECRET'\"}'; exit 1")
        let badJSON = try home.script("bad", "echo \"{ $SECRET $TOKEN\"")
        try home.config("""
            [profile denied]
            role_arn = arn:aws:iam::1:role/denied
            source_profile = base
            [profile fail]
            credential_process = \(failing)
            [profile bad]
            credential_process = \(badJSON) \(TestSecrets.secret)
            [profile partial]
            aws_access_key_id = AKID
            [profile webid]
            web_identity_token_file = \(tokenFile)
            role_arn = arn:aws:iam::1:role/w
            """)
        let secrets = ["SECRET": TestSecrets.secret, "TOKEN": TestSecrets.token]
        let cases: [(extra: [String: String], profile: String?)] = [
            (secrets, "denied"), (secrets, "fail"), (secrets, "bad"), (secrets, "partial"), (secrets, "webid"),
            (["AWS_ACCESS_KEY_ID": "A", "AWS_SESSION_TOKEN": TestSecrets.token], nil),
            (["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": TestSecrets.secret, "AWS_CREDENTIAL_EXPIRATION": TestSecrets.token], nil),
            (["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": TestSecrets.token], nil),
            (["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/ecs/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": TestSecrets.token + "\n"], nil),
            (["AWS_SESSION_TOKEN": TestSecrets.token, "AWS_SECRET_ACCESS_KEY": TestSecrets.secret], nil),
        ]
        var texts: [String] = []
        for (extra, profile) in cases {
            let error = await awsError { try await chain(extra, profile: profile).resolve() }
            texts.append(error.map { "\($0)" } ?? "")
            texts.append(error.map { String(reflecting: $0) } ?? "")
        }
        #expect(texts.allSatisfy { !$0.isEmpty })
        for text in texts {
            #expect(!TestSecrets.leaks(text), "\(text)")
        }
    }
}
