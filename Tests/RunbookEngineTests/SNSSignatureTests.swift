import Foundation
import HTTPClient
import Testing
import TestSupport
@testable import RunbookEngine

/// RSA signing certificates made with the openssl CLI, once for the suite: a valid one, an expired
/// one, and a valid one holding another key.
private struct SNSTestKeys: Sendable {
    let pki: TestPKI
    let valid: (cert: String, key: String)
    let expired: (cert: String, key: String)
    let other: (cert: String, key: String)

    static let shared = Task { () throws -> SNSTestKeys in
        let pki = try await TestPKI.make()
        return SNSTestKeys(
            pki: pki, valid: try await pki.issue(.valid, key: .rsa), expired: try await pki.issue(.expired, key: .rsa),
            other: try await pki.issue(.wrongName, key: .rsa))
    }
}

/// Counts fetches, answering from local files.
private actor CountingFetcher: SNSCertificateFetcher {
    let files: SNSCertificateFiles
    var count = 0

    init(_ files: [String: String]) throws {
        var map: [SNSSigningCertURL: String] = [:]
        for (url, path) in files { map[try SNSSigningCertURL(url)] = path }
        self.files = SNSCertificateFiles(map)
    }

    func certificate(at url: SNSSigningCertURL) async throws(SNSSignatureError) -> [UInt8] {
        count += 1
        return try await files.certificate(at: url)
    }
}

/// Answers every request with one response, and keeps the requests.
private final class StubTransport: HTTPTransport, @unchecked Sendable {
    let response: HTTPResponse
    private let lock = NSLock()
    private var sent: [HTTPRequest] = []

    init(_ response: HTTPResponse) { self.response = response }

    var requests: [HTTPRequest] { lock.withLock { sent } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { sent.append(request) }
        return response
    }
}

@Suite("SNS message signatures")
struct SNSSignatureTests {
    /// Verifies `envelope` against `cert` served for its URL; returns the fetch count.
    @discardableResult
    private func verify(_ envelope: SNSEnvelope, cert: String, at now: Date = Date()) async throws -> Int {
        let fetcher = try CountingFetcher([SNSEnvelope.certURL: cert])
        let message = try SNSMessage(envelope: try envelope.bytes)
        try await message.verify(using: SNSCertificateCache(fetcher: fetcher), at: now)
        return await fetcher.count
    }

    /// The refusal `body` throws.
    private func refusal(_ body: () async throws -> Void) async -> SNSSignatureError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? SNSSignatureError
        }
    }

    @Test("the string to sign of a notification is AWS's field order, Subject included")
    func notificationStringToSign() throws {
        let message = try SNSMessage(envelope: try SNSEnvelope.notification().bytes)
        #expect(message.type == .notification)
        #expect(message.stringToSign == """
            Message
            \(AlarmPayloads.snsMessage)
            MessageId
            b8e1a2f6-4c8a-5d2b-9b0e-6f0e1c2d3a4b
            Subject
            ALARM: "demo-HighCPU" in US East (N. Virginia)
            Timestamp
            2015-06-03T17:43:27.200Z
            TopicArn
            arn:aws:sns:us-east-1:123456789012:alarms
            Type
            Notification

            """)
    }

    @Test("a confirmation signs SubscribeURL and Token, and a notification without Subject leaves it out")
    func otherStringsToSign() throws {
        var envelope = try SNSEnvelope.notification()
        envelope.fields["Subject"] = nil
        #expect(try SNSMessage(envelope: envelope.bytes).stringToSign == envelope.stringToSign)
        #expect(!envelope.stringToSign.contains("Subject"))
        let confirmation = try SNSMessage(envelope: try SNSEnvelope.subscriptionConfirmation().bytes)
        #expect(confirmation.type == .subscriptionConfirmation)
        #expect(confirmation.subscribeURL?.hasPrefix("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription") == true)
        #expect(confirmation.stringToSign.hasPrefix("Message\nYou have chosen"))
        #expect(confirmation.stringToSign.hasSuffix(
            "Token\n2336412f37fb687f5d51e6e241d164b5331dc8ff8e4e3b1b2d97f70a9f4c7ed3\nTopicArn\narn:aws:sns:us-east-1:123456789012:alarms\nType\nSubscriptionConfirmation\n"))
    }

    @Test("signed notifications and confirmations verify with SHA1 (version 1) and SHA256 (version 2)", arguments: ["1", "2"])
    func accepted(version: String) async throws {
        let keys = try await SNSTestKeys.shared.value
        var notification = try SNSEnvelope.notification()
        try await notification.sign(version: version, key: keys.valid.key, in: keys.pki)
        try await verify(notification, cert: keys.valid.cert)
        var confirmation = SNSEnvelope.subscriptionConfirmation()
        try await confirmation.sign(version: version, key: keys.valid.key, in: keys.pki)
        try await verify(confirmation, cert: keys.valid.cert)
    }

    @Test("a signed message changed afterwards does not verify")
    func tampered() async throws {
        let keys = try await SNSTestKeys.shared.value
        var signed = try SNSEnvelope.notification()
        try await signed.sign(version: "2", key: keys.valid.key, in: keys.pki)
        let message = try #require(signed.fields["Message"])
        let changes: [(String, (inout SNSEnvelope) -> Void)] = [
            ("a flipped byte in Message", { $0.fields["Message"] = message.replacingOccurrences(of: "\"ALARM\"", with: "\"ALARN\"") }),
            ("a changed Subject", { $0.fields["Subject"] = "OK: \"demo-HighCPU\" in US East (N. Virginia)" }),
            ("a removed Subject", { $0.fields["Subject"] = nil }),
            ("another TopicArn", { $0.fields["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:other" }),
            ("version 1 claimed for a version 2 signature", { $0.fields["SignatureVersion"] = "1" }),
        ]
        for (what, change) in changes {
            var envelope = signed
            change(&envelope)
            #expect(envelope.fields != signed.fields, "\(what)")
            let error = await refusal { try await verify(envelope, cert: keys.valid.cert) }
            #expect(error?.kind == .refused, "\(what)")
            #expect(error?.message.hasPrefix("signature does not match") == true, "\(what): \(String(describing: error))")
        }
        var confirmation = SNSEnvelope.subscriptionConfirmation()
        try await confirmation.sign(version: "1", key: keys.valid.key, in: keys.pki)
        confirmation.fields["Token"] = "0000"
        let error = await refusal { try await verify(confirmation, cert: keys.valid.cert) }
        #expect(error?.message.hasPrefix("signature does not match") == true)
    }

    @Test("an unknown SignatureVersion or a Signature that is not base64 is refused before any fetch")
    func badSignatureFields() async throws {
        let keys = try await SNSTestKeys.shared.value
        var signed = try SNSEnvelope.notification()
        try await signed.sign(version: "1", key: keys.valid.key, in: keys.pki)
        let cases: [(field: String, value: String, expected: String)] = [
            ("SignatureVersion", "3", #"unsupported SignatureVersion "3""#),
            ("SignatureVersion", "", #"unsupported SignatureVersion """#),
            ("Signature", "not base64!!", #"Signature "not base64!!" is not base64"#),
            ("Signature", String(repeating: "A", count: 100_000), "Signature is 100000 characters, more than 1024"),
        ]
        for (field, value, expected) in cases {
            var envelope = signed
            envelope.fields[field] = value
            let error = await refusal { _ = try SNSMessage(envelope: try envelope.bytes) }
            #expect(error == SNSSignatureError(.refused, expected) || error?.message.hasPrefix(expected) == true,
                    "\(field)=\(value.prefix(20)): \(String(describing: error))")
        }
    }

    @Test("a missing or mistyped field is malformed, and names the field")
    func malformed() async throws {
        var envelope = try SNSEnvelope.notification()
        envelope.fields["Signature"] = "AAAA"
        envelope.fields["SignatureVersion"] = "1"
        var noTopic = envelope
        noTopic.fields["TopicArn"] = nil
        #expect(await refusal { _ = try SNSMessage(envelope: try noTopic.bytes) } == SNSSignatureError(.malformed, "event.TopicArn: missing"))
        var otherType = envelope
        otherType.fields["Type"] = "Surprise"
        let error = await refusal { _ = try SNSMessage(envelope: try otherType.bytes) }
        #expect(error?.kind == .malformed)
        #expect(error?.message.contains(#"not "Surprise""#) == true)
        #expect(await refusal { _ = try SNSMessage(envelope: Array("[1,]".utf8)) }?.kind == .malformed)
    }

    @Test("SigningCertURLs of SNS are taken", arguments: [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123456789abcdef.pem",
        "https://sns.us-gov-west-1.amazonaws.com/a/b_c~d.pem",
    ])
    func goodCertURLs(url: String) throws {
        #expect(try SNSSigningCertURL(url).text == url)
    }

    @Test("SigningCertURLs elsewhere are refused before any fetch", arguments: [
        ("https://evil.example.com/cert.pem", #"SigningCertURL host "evil.example.com" is not sns.<region>.amazonaws.com"#),
        ("http://sns.us-east-1.amazonaws.com/cert.pem", "does not start with https://"),
        ("https://sns.us-east-1.amazonaws.com:8443/cert.pem", "names a port"),
        ("https://sns.us-east-1.amazonaws.com/cert.crt", "does not name a .pem file"),
        ("https://sns.us-east-1.amazonaws.com/.pem", "does not name a .pem file"),
        ("https://sns.us-east-1.amazonaws.com/cert.pem?x=.pem", "has a query or fragment"),
        ("https://sns.us-east-1.amazonaws.com/%2e%2e/cert.pem", "has characters outside"),
        ("https://user@sns.us-east-1.amazonaws.com/cert.pem", "names a user"),
        ("https://sns.us-east-1.amazonaws.com.evil.example/cert.pem", "is not sns.<region>.amazonaws.com"),
        ("https://sns.evil.example/x.amazonaws.com/cert.pem", "is not sns.<region>.amazonaws.com"),
        ("https://sns..amazonaws.com/cert.pem", "is not sns.<region>.amazonaws.com"),
        ("https://sns.us_east.amazonaws.com/cert.pem", "is not sns.<region>.amazonaws.com"),
        ("https://SNS.US-EAST-1.AMAZONAWS.COM/cert.pem", "is not sns.<region>.amazonaws.com"),
        ("https://sns.us-east-1.amazonaws.com", "has no path"),
        ("https://sns.us-east-1.amazonaws.com/" + String(repeating: "a", count: 600) + ".pem", "more than 512"),
    ])
    func badCertURLs(url: String, expected: String) async throws {
        let keys = try await SNSTestKeys.shared.value
        var envelope = try SNSEnvelope.notification()
        try await envelope.sign(version: "1", key: keys.valid.key, in: keys.pki)
        envelope.fields["SigningCertURL"] = url
        let fetcher = try CountingFetcher([:])
        let error = await refusal {
            try await SNSMessage(envelope: try envelope.bytes).verify(using: SNSCertificateCache(fetcher: fetcher))
        }
        #expect(error?.kind == .refused)
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect((error?.message.count ?? 0) < 300)
        #expect(await fetcher.count == 0)
    }

    @Test("a certificate outside its validity, of another key, or not RSA is refused")
    func badCertificates() async throws {
        let keys = try await SNSTestKeys.shared.value
        var envelope = try SNSEnvelope.notification()
        try await envelope.sign(version: "2", key: keys.expired.key, in: keys.pki)
        let expired = await refusal { try await verify(envelope, cert: keys.expired.cert) }
        #expect(expired == SNSSignatureError(.refused, "certificate expired at 2020-02-01T00:00:00.000Z"))
        // The same signature is good as of January 2020: only the date refused it.
        try await verify(envelope, cert: keys.expired.cert, at: Date(timeIntervalSince1970: 1_579_000_000))

        try await envelope.sign(version: "2", key: keys.valid.key, in: keys.pki)
        let early = await refusal { try await verify(envelope, cert: keys.valid.cert, at: Date(timeIntervalSince1970: 0)) }
        #expect(early?.message.hasPrefix("certificate is not valid before ") == true)
        let wildClock = await refusal { try await verify(envelope, cert: keys.valid.cert, at: Date(timeIntervalSince1970: .infinity)) }
        #expect(wildClock?.message == "the time to check the certificate at is out of range")
        let otherKey = await refusal { try await verify(envelope, cert: keys.other.cert) }
        #expect(otherKey?.message.hasPrefix("signature does not match") == true)

        let ecPKI = try await TestPKI.make()
        defer { ecPKI.remove() }
        let ec = try await ecPKI.issue(.valid)
        let notRSA = await refusal { try await verify(envelope, cert: ec.cert) }
        #expect(notRSA == SNSSignatureError(.refused, "certificate \(SNSEnvelope.certURL) does not hold an RSA key of at least 2048 bits"))
        let notPEM = await refusal { try await verify(envelope, cert: keys.valid.key + ".missing") }
        #expect(notPEM?.kind == .certificateUnavailable)
        let notCertificate = await refusal { try await verify(envelope, cert: keys.valid.key) }
        #expect(notCertificate == SNSSignatureError(.refused, "certificate \(SNSEnvelope.certURL) is not a PEM X.509 certificate"))
    }

    @Test("the cache fetches a certificate once for every message naming it")
    func cacheFetchesOnce() async throws {
        let keys = try await SNSTestKeys.shared.value
        let fetcher = try CountingFetcher([SNSEnvelope.certURL: keys.valid.cert])
        let cache = SNSCertificateCache(fetcher: fetcher)
        var notification = try SNSEnvelope.notification()
        try await notification.sign(version: "1", key: keys.valid.key, in: keys.pki)
        var confirmation = SNSEnvelope.subscriptionConfirmation()
        try await confirmation.sign(version: "2", key: keys.valid.key, in: keys.pki)
        try await SNSMessage(envelope: try notification.bytes).verify(using: cache)
        try await SNSMessage(envelope: try confirmation.bytes).verify(using: cache)
        let bytes = try notification.bytes
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try await SNSMessage(envelope: bytes).verify(using: cache) }
            }
            try await group.waitForAll()
        }
        #expect(await fetcher.count == 1)
    }

    @Test("a failed fetch is remembered for retryAfter only, and the cache keeps at most maximumEntries")
    func cacheFailuresAndBound() async throws {
        let keys = try await SNSTestKeys.shared.value
        let second = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-second.pem"
        let url = try SNSSigningCertURL(SNSEnvelope.certURL)
        let missing = try CountingFetcher([:])
        let remembering = SNSCertificateCache(fetcher: missing, retryAfter: .seconds(600))
        for _ in 0..<3 {
            let error = await refusal { _ = try await remembering.certificate(for: url) }
            #expect(error?.kind == .certificateUnavailable)
        }
        #expect(await missing.count == 1)
        let retrying = SNSCertificateCache(fetcher: missing, retryAfter: .zero)
        for _ in 0..<2 { _ = await refusal { _ = try await retrying.certificate(for: url) } }
        #expect(await missing.count == 3)

        let two = try CountingFetcher([SNSEnvelope.certURL: keys.valid.cert, second: keys.other.cert])
        let small = SNSCertificateCache(fetcher: two, maximumEntries: 1)
        for text in [SNSEnvelope.certURL, second, SNSEnvelope.certURL, SNSEnvelope.certURL] {
            _ = try await small.certificate(for: try SNSSigningCertURL(text))
        }
        #expect(await two.count == 3)
    }

    @Test("the HTTPS fetcher asks the URL alone, caps the size and refuses other statuses")
    func httpFetcher() async throws {
        let url = try SNSSigningCertURL(SNSEnvelope.certURL)
        let ok = StubTransport(HTTPResponse(status: 200, body: Array("PEM".utf8)))
        #expect(try await SNSHTTPCertificateFetcher(transport: ok, timeout: .seconds(3)).certificate(at: url) == Array("PEM".utf8))
        let request = try #require(ok.requests.first)
        #expect(request.method == "GET" && request.url == SNSEnvelope.certURL)
        #expect(request.maxBody == 64 << 10 && request.timeout == .seconds(3))

        let huge = StubTransport(HTTPResponse(status: 200, body: Array(repeating: 65, count: 64 << 10), truncated: true))
        let tooLarge = await refusal { _ = try await SNSHTTPCertificateFetcher(transport: huge).certificate(at: url) }
        #expect(tooLarge == SNSSignatureError(.refused, "certificate \(SNSEnvelope.certURL) is more than 65536 bytes"))
        let notFound = StubTransport(HTTPResponse(status: 404, body: Array("<Error/>".utf8)))
        let missing = await refusal { _ = try await SNSHTTPCertificateFetcher(transport: notFound).certificate(at: url) }
        #expect(missing == SNSSignatureError(.certificateUnavailable, "could not fetch \(SNSEnvelope.certURL): HTTP status 404"))
    }
}
