@testable import AWSKit
import Foundation
import Testing

struct SigV4SignerTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    /// 2015-08-30T12:36:00Z, the suite's signing time.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    /// An MSK cluster ARN as it appears, percent-encoded once, in a Kafka API path.
    static let clusterPath =
        "/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A123456789012%3Acluster%2Forders%2F0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-2/nodes"

    // MARK: - The aws-c-auth v4 suite

    /// Guards the parameterized tests below: with no fixtures they would run zero cases and pass.
    @Test func everyVectorIsPresent() {
        #expect(SigV4TestVector.names.count == 38)
        #expect(SigV4TestVector.names.contains("get-vanilla-with-session-token"))
        #expect(SigV4TestVector.names.contains("get-space-unnormalized"))
    }

    @Test(arguments: SigV4TestVector.names)
    func headerSigningMatchesVector(_ name: String) throws {
        let vector = try SigV4TestVector(named: name)
        var request = try vector.request()
        let result = try vector.signer.sign(&request, credentials: vector.credentials, date: vector.date)

        #expect(result.canonicalRequest == (try vector.text("header-canonical-request.txt")))
        #expect(result.stringToSign == (try vector.text("header-string-to-sign.txt")))
        #expect(result.signature == (try vector.text("header-signature.txt")))

        let expected = try SigV4TestVector.parse(
            vector.text("header-signed-request.txt"), file: "header-signed-request.txt")
        #expect(request.method == expected.method)
        #expect(request.target == expected.target)
        #expect(request.body == expected.body)
        #expect(request.headers.map { $0.name.lowercased() } == expected.headers.map { $0.name.lowercased() })
        #expect(request.headers.map(\.value) == expected.headers.map(\.value))
        #expect(request.values(forHeader: "authorization") == [result.authorization])
    }

    @Test(arguments: SigV4TestVector.names)
    func presigningMatchesVector(_ name: String) throws {
        let vector = try SigV4TestVector(named: name)
        var request = try vector.request()
        let original = request
        let result = try vector.signer.presign(
            &request, credentials: vector.credentials, date: vector.date,
            expiresIn: .seconds(vector.context.expirationInSeconds)
        )

        #expect(result.canonicalRequest == (try vector.text("query-canonical-request.txt")))
        #expect(result.stringToSign == (try vector.text("query-string-to-sign.txt")))
        #expect(result.signature == (try vector.text("query-signature.txt")))

        let expected = try SigV4TestVector.parse(
            vector.text("query-signed-request.txt"), file: "query-signed-request.txt")
        #expect(request.method == expected.method)
        #expect(request.target == expected.target)
        #expect(request.body == expected.body)
        #expect(request.headers.map(\.name) == original.headers.map(\.name))
        #expect(request.headers.map(\.value) == original.headers.map(\.value))
    }

    // MARK: - Paths

    /// MSK puts a cluster ARN in the path; the second encoding turns `%3A` into `%253A`.
    @Test func doubleEncodesAClusterARNInThePath() throws {
        guard let url = URL(string: "https://kafka.us-east-1.amazonaws.com\(Self.clusterPath)?maxResults=10") else {
            Issue.record("bad URL")
            return
        }
        var request = try AWSRequest(method: "GET", url: url)
        #expect(request.path == Self.clusterPath)
        #expect(request.values(forHeader: "host") == ["kafka.us-east-1.amazonaws.com"])

        let result = try SigV4Signer(service: "kafka", region: "us-east-1")
            .sign(&request, credentials: Self.credentials, date: Self.date)

        let lines = result.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines[1]
                == "/v1/clusters/arn%253Aaws%253Akafka%253Aus-east-1%253A123456789012%253Acluster%252Forders%252F0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-2/nodes"
        )
        #expect(lines[2] == "maxResults=10")
        #expect(request.path == Self.clusterPath, "the wire path keeps its single encoding")
        // botocore 1.43.11 SigV4Auth, same request, credentials and time.
        #expect(result.signature == "5fe409589ecea48506ad70ba6e9a983eb80917a76537694a25899df12cbf2c5b")
    }

    /// S3 signs the path as sent and adds `x-amz-content-sha256`.
    @Test func s3OptionsSignThePathAsSent() throws {
        guard let url = URL(string: "https://bucket.s3.us-east-1.amazonaws.com/runbooks/a%20b/../x.lua?list-type=2&prefix=a%2Fb") else {
            Issue.record("bad URL")
            return
        }
        var request = try AWSRequest(method: "PUT", url: url, body: Array("hello".utf8))
        let result = try SigV4Signer(service: "s3", region: "us-east-1", options: .s3)
            .sign(&request, credentials: Self.credentials, date: Self.date)

        let lines = result.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/runbooks/a%20b/../x.lua")
        #expect(lines[2] == "list-type=2&prefix=a%2Fb")
        #expect(result.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
        #expect(
            request.values(forHeader: "x-amz-content-sha256")
                == ["2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"])
        // botocore 1.43.11 S3SigV4Auth, same request, credentials and time.
        #expect(result.signature == "e235935438b593100a5e9b5ecb9a1f1c5a504122b7883703802798e515c236bf")
    }

    @Test func hostHeaderCarriesANonDefaultPort() throws {
        guard let url = URL(string: "http://127.0.0.1:5099/"), let https = URL(string: "HTTPS://SQS.us-east-1.amazonaws.com:443") else {
            Issue.record("bad URL")
            return
        }
        #expect(try AWSRequest(method: "POST", url: url).values(forHeader: "host") == ["127.0.0.1:5099"])
        let secure = try AWSRequest(method: "POST", url: https)
        #expect(secure.values(forHeader: "host") == ["sqs.us-east-1.amazonaws.com"])
        #expect(secure.path == "/")
    }

    // MARK: - Session tokens

    @Test func signsRequestWithSessionToken() throws {
        let token = "FQoGZXIvYXdzEXAMPLETOKEN//+="
        let credentials = AWSCredentials(
            accessKeyID: Self.credentials.accessKeyID,
            secretAccessKey: Self.credentials.secretAccessKey,
            sessionToken: token
        )
        var request = AWSRequest(
            method: "GET", path: Self.clusterPath, query: "maxResults=10",
            headers: [("Host", "kafka.us-east-1.amazonaws.com")]
        )
        let signer = SigV4Signer(service: "kafka", region: "us-east-1")
        let first = try signer.sign(&request, credentials: credentials, date: Self.date)

        #expect(request.values(forHeader: "x-amz-security-token") == [token])
        #expect(first.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(first.canonicalRequest.contains("\nx-amz-security-token:\(token)\n"))
        // botocore 1.43.11 SigV4Auth with the same token.
        #expect(first.signature == "a6018646d324f582f9dc8df9aaf9209f45ce3b15abd04ab8112b9426a1487803")

        // A retry signs again: the old signature headers are replaced, not repeated.
        let second = try signer.sign(&request, credentials: credentials, date: Self.date)
        #expect(second.signature == first.signature)
        #expect(request.headers.map { $0.name.lowercased() } == ["host", "x-amz-security-token", "x-amz-date", "authorization"])
    }

    @Test func presignsWithSessionTokenInTheQuery() throws {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "tok/en+=")
        var request = AWSRequest(method: "GET", path: "/", query: "Action=Get", headers: [("Host", "example.amazonaws.com")])
        let signer = SigV4Signer(service: "service", region: "us-east-1")
        let result = try signer.presign(&request, credentials: credentials, date: Self.date, expiresIn: .seconds(60))

        #expect(request.query.hasPrefix("Action=Get&X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(request.query.contains("&X-Amz-Expires=60&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature=\(result.signature)"))
        #expect(result.canonicalRequest.contains("X-Amz-Security-Token=tok%2Fen%2B%3D"))
        #expect(request.headers.count == 1)

        // Presigning again replaces the earlier parameters.
        let again = try signer.presign(&request, credentials: credentials, date: Self.date, expiresIn: .seconds(60))
        #expect(again.signature == result.signature)
        #expect(request.query.components(separatedBy: "X-Amz-Signature=").count == 2)
    }

    // MARK: - Secrets stay out of text

    @Test func credentialsNeverAppearInDescriptions() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let token = "SESSIONTOKENEXAMPLEabcdef0123456789"
        let credentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token)
        var dumped = ""
        dump(credentials, to: &dumped)
        let texts = [
            String(describing: credentials), String(reflecting: credentials), "\(credentials)", dumped,
            String(describing: [credentials]), String(describing: Optional(credentials)),
        ]
        for text in texts {
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
            #expect(!text.contains("AKIAIOSFODNN7EXAMPLE"))
            #expect(text.contains("<redacted>"))
        }

        // A signature's text leaves out the canonical request, which holds the token.
        var request = AWSRequest(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")])
        let signature = try SigV4Signer(service: "service", region: "us-east-1")
            .sign(&request, credentials: credentials, date: Self.date)
        #expect(signature.canonicalRequest.contains(token))
        var dumpedSignature = ""
        dump(signature, to: &dumpedSignature)
        for text in [String(describing: signature), String(reflecting: signature), dumpedSignature] {
            #expect(!text.contains(token))
            #expect(!text.contains(secret))
            #expect(text.contains(signature.signature))
        }

        // Errors about credentials or headers name the problem, never the value.
        let cases: [(AWSCredentials, AWSRequest, AWSError)] = [
            (AWSCredentials(accessKeyID: "AKID/\(secret)", secretAccessKey: secret, sessionToken: token), request, .invalidAccessKeyID),
            (AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token + "\r\nX-Evil: 1"), request, .invalidSessionToken),
            (credentials, AWSRequest(method: "GET", path: "/", headers: [("Host", "h"), ("X-Api-Key", "\(secret)\n")]), .invalidHeaderValue(name: "X-Api-Key")),
        ]
        for (badCredentials, badRequest, expectedError) in cases {
            var copy = badRequest
            let error = #expect(throws: AWSError.self) {
                try SigV4Signer(service: "service", region: "us-east-1").sign(&copy, credentials: badCredentials, date: Self.date)
            }
            #expect(error == expectedError)
            for text in [String(describing: error), String(reflecting: error), error.map { "\($0.localizedDescription)" } ?? ""] {
                #expect(!text.contains(secret))
                #expect(!text.contains(token))
            }
            #expect(copy.headers.count == badRequest.headers.count, "a failed sign leaves the request alone")
        }
    }

    // MARK: - Refusals

    @Test func refusesRequestsItCannotSignSafely() {
        let signer = SigV4Signer(service: "service", region: "us-east-1")
        var noHost = AWSRequest(method: "GET", path: "/")
        #expect(throws: AWSError.missingHost) {
            try signer.sign(&noHost, credentials: Self.credentials, date: Self.date)
        }
        var badName = AWSRequest(method: "GET", path: "/", headers: [("Host", "h"), ("Bad Name", "v")])
        #expect(throws: AWSError.invalidHeaderName) {
            try signer.sign(&badName, credentials: Self.credentials, date: Self.date)
        }
        var badMethod = AWSRequest(method: "GET /x", path: "/", headers: [("Host", "h")])
        #expect(throws: AWSError.invalidMethod) {
            try signer.sign(&badMethod, credentials: Self.credentials, date: Self.date)
        }
        var fine = AWSRequest(method: "GET", path: "/", headers: [("Host", "h")])
        #expect(throws: AWSError.invalidExpiry(seconds: 604_801)) {
            try signer.presign(&fine, credentials: Self.credentials, date: Self.date, expiresIn: .seconds(604_801))
        }
        #expect(throws: AWSError.invalidExpiry(seconds: 0)) {
            try signer.presign(&fine, credentials: Self.credentials, date: Self.date, expiresIn: .zero)
        }
        #expect(throws: AWSError.invalidScope) {
            try SigV4Signer(service: "service", region: "us-east-1/x").sign(&fine, credentials: Self.credentials, date: Self.date)
        }
        #expect(throws: AWSError.invalidDate) {
            try signer.sign(&fine, credentials: Self.credentials, date: .distantFuture.addingTimeInterval(1e12))
        }
        #expect(fine.headers.count == 1)
    }

    // MARK: - Pieces

    @Test(arguments: [
        (0.0, "19700101T000000Z"),
        (1_440_938_160.999, "20150830T123600Z"),
        (951_782_400, "20000229T000000Z"),
        (-1, "19691231T235959Z"),
        (253_402_300_799, "99991231T235959Z"),
    ])
    func formatsAmzDates(_ seconds: Double, _ expected: String) throws {
        let time = try AmzDate(Date(timeIntervalSince1970: seconds))
        #expect(time.timestamp == expected)
        #expect(time.day == String(expected.prefix(8)))
    }

    @Test func derivesTheDocumentedSigningKey() throws {
        // AWS's documented example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        var key = Array("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".utf8)
        for part in ["20120215", "us-east-1", "iam", "aws4_request"] {
            key = try OpenSSL.hmacSHA256(key: key, data: Array(part.utf8))
        }
        #expect(OpenSSL.hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
        #expect(OpenSSL.hex(try OpenSSL.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
