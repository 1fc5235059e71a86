public import Foundation

/// Why an SNS message was not accepted as signed by Amazon SNS.
public struct SNSSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, which decides how a server answers.
    public enum Kind: Sendable, Equatable {
        /// The envelope is not an SNS message: not JSON, a field missing or of the wrong type.
        case malformed
        /// The message is well formed but not trusted: an unsupported signature version, a
        /// certificate URL outside SNS, a certificate out of its validity, a signature that does not match.
        case refused
        /// The signing certificate could not be had now; the same message may verify later.
        case certificateUnavailable
    }

    /// The class of failure.
    public let kind: Kind
    /// What failed, quoting at most a short excerpt of the message's own text.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The signature versions SNS uses: RSA PKCS #1 v1.5 over the string to sign, with SHA-1 or SHA-256.
public enum SNSSignatureVersion: String, Sendable {
    /// RSA with SHA-1, SNS's default.
    case sha1 = "1"
    /// RSA with SHA-256, chosen per topic.
    case sha256 = "2"
}

/// A `SigningCertURL` that names a certificate SNS serves: `https://sns.<region>.amazonaws.com/<path>.pem`
/// (or `.amazonaws.com.cn`), with no user, port, query or fragment. Only such a URL is ever fetched.
public struct SNSSigningCertURL: Sendable, Hashable, CustomStringConvertible {
    /// The URL as the message gave it.
    public let text: String

    /// The longest URL accepted; SNS's are under a hundred characters.
    static let maximumLength = 512

    /// Checks `text` and keeps it.
    ///
    /// - Throws: ``SNSSignatureError`` (`refused`) saying which part is not SNS's.
    public init(_ text: String) throws(SNSSignatureError) {
        func refuse(_ problem: String) -> SNSSignatureError { SNSSignatureError(.refused, "SigningCertURL \(problem)") }
        let (_, path) = try Self.snsParts(text, field: "SigningCertURL", maximumLength: Self.maximumLength)
        guard !path.contains("?"), !path.contains("#") else { throw refuse("\(excerpt(text)) has a query or fragment") }
        // No percent escapes either: the path is taken as written, never decoded into something else.
        let pathCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/".utf8)
        guard path.utf8.allSatisfy(pathCharacters.contains) else {
            throw refuse("path \(excerpt(String(path))) has characters outside letters, digits and -._~/")
        }
        guard path.hasSuffix(".pem"), path.count > "/.pem".count else {
            throw refuse("path \(excerpt(String(path))) does not name a .pem file")
        }
        self.text = text
    }

    /// The host and the path of `text`, an `https://` URL of an SNS host with no user or port: the
    /// check that every SNS URL a server fetches or visits passes, `field` naming it in errors.
    static func snsParts(_ text: String, field: String, maximumLength: Int) throws(SNSSignatureError) -> (host: Substring, path: Substring) {
        func refuse(_ problem: String) -> SNSSignatureError { SNSSignatureError(.refused, "\(field) \(problem)") }
        guard text.utf8.count <= maximumLength else {
            throw refuse("is \(text.utf8.count) bytes, more than \(maximumLength)")
        }
        guard text.hasPrefix("https://") else { throw refuse("\(excerpt(text)) does not start with https://") }
        let rest = text.dropFirst("https://".count)
        guard let slash = rest.firstIndex(of: "/") else { throw refuse("\(excerpt(text)) has no path") }
        let host = rest[..<slash]
        guard !host.contains("@") else { throw refuse("\(excerpt(text)) names a user") }
        guard !host.contains(":") else { throw refuse("\(excerpt(text)) names a port") }
        guard isSNSHost(host) else {
            throw refuse("host \(excerpt(String(host))) is not sns.<region>.amazonaws.com")
        }
        return (host, rest[slash...])
    }

    /// `sns.` + a region name of lowercase letters, digits and dashes + `.amazonaws.com` or `.amazonaws.com.cn`.
    static func isSNSHost(_ host: Substring) -> Bool {
        guard host.hasPrefix("sns.") else { return false }
        var region = host.dropFirst("sns.".count)
        if region.hasSuffix(".amazonaws.com") {
            region = region.dropLast(".amazonaws.com".count)
        } else if region.hasSuffix(".amazonaws.com.cn") {
            region = region.dropLast(".amazonaws.com.cn".count)
        } else {
            return false
        }
        let regionCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-".utf8)
        return (1...40).contains(region.count) && region.utf8.allSatisfy(regionCharacters.contains)
            && region.first != "-" && region.last != "-"
    }

    public var description: String { text }
}

/// An SNS message as an HTTP(S) subscription receives it, with what its signature covers.
///
/// Reading the envelope checks its shape and its `SigningCertURL`; ``verify(using:at:)`` then
/// checks the signature against the certificate, which is what makes the message trustworthy.
public struct SNSMessage: Sendable {
    /// The message types SNS signs.
    public enum MessageType: String, Sendable {
        /// A message published to the topic: for CloudWatch, an alarm's state change.
        case notification = "Notification"
        /// Sent once when the endpoint is subscribed; visiting `SubscribeURL` confirms it.
        case subscriptionConfirmation = "SubscriptionConfirmation"
        /// Sent once when the endpoint is unsubscribed.
        case unsubscribeConfirmation = "UnsubscribeConfirmation"
    }

    /// `Type`.
    public let type: MessageType
    /// `MessageId`.
    public let messageId: String
    /// `TopicArn`, which a server should compare with the topics it expects.
    public let topicArn: String
    /// `Message`: for a CloudWatch alarm, the alarm's JSON.
    public let message: String
    /// `SubscribeURL` of a confirmation message; nil for a notification. Not checked here: a
    /// server that visits it must check its host itself.
    public let subscribeURL: String?
    /// `SignatureVersion`.
    public let signatureVersion: SNSSignatureVersion
    /// `SigningCertURL`, already checked to be SNS's.
    public let signingCertURL: SNSSigningCertURL
    /// `Signature`, decoded from base64.
    let signature: [UInt8]
    /// The fields the signature covers, each as `Name\nvalue\n`, in the order AWS documents.
    let stringToSign: String

    /// The longest `Signature` accepted, in base64: room for a 4096-bit RSA signature with margin.
    static let maximumSignatureLength = 1024

    /// Reads the envelope in `bytes` (at most ``AlarmEvents/maximumBytes``, strict JSON).
    ///
    /// - Throws: ``SNSSignatureError``: `malformed` for an envelope that is not an SNS message,
    ///   `refused` for an unsupported signature version, a bad signature encoding or a certificate URL outside SNS.
    public init(envelope bytes: some Collection<UInt8>) throws(SNSSignatureError) {
        do {
            try self.init(envelope: try AlarmEvents.decodeEvent(bytes))
        } catch let error as SNSSignatureError {
            throw error
        } catch {
            throw SNSSignatureError(.malformed, "\(error)")
        }
    }

    init(envelope: EventField) throws {
        let typeField = envelope["Type"]
        let typeName = try typeField.string()
        guard let type = MessageType(rawValue: typeName) else {
            throw typeField.refuse(
                "expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation, not \(excerpt(typeName))")
        }
        let versionName = try envelope["SignatureVersion"].string()
        guard let version = SNSSignatureVersion(rawValue: versionName) else {
            throw SNSSignatureError(.refused, "unsupported SignatureVersion \(excerpt(versionName)); SNS signs with 1 (SHA1) or 2 (SHA256)")
        }
        let encoded = try envelope["Signature"].name()
        guard encoded.utf8.count <= Self.maximumSignatureLength else {
            throw SNSSignatureError(.refused, "Signature is \(encoded.utf8.count) characters, more than \(Self.maximumSignatureLength)")
        }
        guard let signature = Data(base64Encoded: encoded), !signature.isEmpty else {
            throw SNSSignatureError(.refused, "Signature \(excerpt(encoded)) is not base64")
        }
        self.type = type
        messageId = try envelope["MessageId"].name()
        topicArn = try envelope["TopicArn"].name()
        message = try envelope["Message"].string()
        subscribeURL = type == .notification ? nil : try envelope["SubscribeURL"].name()
        signatureVersion = version
        signingCertURL = try SNSSigningCertURL(try envelope["SigningCertURL"].name())
        self.signature = Array(signature)
        stringToSign = try Self.stringToSign(envelope, type: type)
    }

    /// `Name\nvalue\n` for each signed field: a notification signs its `Subject` only when it has
    /// one, a confirmation signs its `SubscribeURL` and `Token` instead.
    static func stringToSign(_ envelope: EventField, type: MessageType) throws -> String {
        let names = type == .notification
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        var text = ""
        for name in names {
            let field = envelope[name]
            if name == "Subject", !field.isPresent { continue }
            text += "\(name)\n\(try field.string())\n"
        }
        return text
    }

    /// Checks the signature with the certificate at ``signingCertURL``, fetched through `certificates`.
    ///
    /// - Parameter now: the time the certificate must be valid at.
    /// - Throws: ``SNSSignatureError``: `certificateUnavailable` when the certificate could not
    ///   be fetched, `refused` when it is not a valid RSA certificate now or the signature does not match.
    public func verify(using certificates: SNSCertificateCache, at now: Date = Date()) async throws(SNSSignatureError) {
        let certificate = try await certificates.certificate(for: signingCertURL)
        try certificate.checkValidity(at: now)
        guard try certificate.verify(signature, of: Array(stringToSign.utf8), version: signatureVersion) else {
            throw SNSSignatureError(.refused, "signature does not match (SignatureVersion \(signatureVersion.rawValue), certificate \(signingCertURL))")
        }
    }
}

/// `text` quoted, cut to its first 64 characters: enough to recognise, never a whole hostile input.
public func excerpt(_ text: String) -> String {
    text.count <= 64 ? text.debugDescription : String(text.prefix(64)).debugDescription + "…"
}
