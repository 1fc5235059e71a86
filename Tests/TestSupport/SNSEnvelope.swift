import Foundation

/// An SNS envelope as a test builds, signs with the openssl CLI and then tampers with.
public struct SNSEnvelope: Sendable {
    /// The envelope's fields, all strings as SNS writes them.
    public var fields: [String: String]

    /// The certificate URL the envelopes name; tests map it to a local file.
    public static let certURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
    /// The topic the envelopes come from.
    public static let topic = "arn:aws:sns:us-east-1:123456789012:alarms"

    /// The CloudWatch alarm notification of AlarmPayloads, carrying `message`.
    public static func notification(_ message: String = AlarmPayloads.snsMessage) throws -> SNSEnvelope {
        let object = try JSONSerialization.jsonObject(with: Data(AlarmPayloads.snsEnvelope(message).utf8))
        guard var fields = object as? [String: String] else { throw TestServerError("AlarmPayloads.snsEnvelope has a field that is not a string") }
        fields["SigningCertURL"] = certURL
        return SNSEnvelope(fields: fields)
    }

    /// A subscription confirmation, as AWS's HTTP/HTTPS subscription confirmation JSON format documents it.
    public static func subscriptionConfirmation(topic: String = topic) -> SNSEnvelope {
        SNSEnvelope(fields: [
            "Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f37fb687f5d51e6e241d164b5331dc8ff8e4e3b1b2d97f70a9f4c7ed3", "TopicArn": topic,
            "Message": "You have chosen to subscribe to the topic \(topic).\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(topic)&Token=2336412f37fb",
            "Timestamp": "2026-12-02T16:00:00.000Z", "SignatureVersion": "1", "Signature": "EXAMPLE==",
            "SigningCertURL": certURL,
        ])
    }

    /// The string to sign in AWS's documented field order, written independently of the verifier's.
    public var stringToSign: String {
        let names = fields["Type"] == "Notification"
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        return names.compactMap { name in fields[name].map { "\(name)\n\($0)\n" } }.joined()
    }

    /// Signs with `openssl dgst -sign`: SHA1 for version 1, SHA256 for version 2.
    public mutating func sign(version: String, key: String, in pki: TestPKI) async throws {
        fields["SignatureVersion"] = version
        let base = "\(pki.dir)/sns-\(UUID().uuidString)"
        try stringToSign.write(toFile: base + ".txt", atomically: true, encoding: .utf8)
        try await pki.openssl(["dgst", version == "1" ? "-sha1" : "-sha256", "-sign", key, "-out", base + ".sig", base + ".txt"])
        fields["Signature"] = try Data(contentsOf: URL(fileURLWithPath: base + ".sig")).base64EncodedString()
    }

    /// The envelope as JSON.
    public var bytes: [UInt8] {
        get throws { Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) }
    }
}
