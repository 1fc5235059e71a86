/// The `SubscribeURL` of an SNS `SubscriptionConfirmation`: `https://sns.<region>.amazonaws.com/?...`,
/// the same hosts as ``SNSSigningCertURL``. Visiting it confirms a subscription, so a server
/// visits only such a URL, and only for a topic it expects.
public struct SNSSubscribeURL: Sendable, Hashable, CustomStringConvertible {
    /// The URL as the message gave it.
    public let text: String
    /// `https://sns.<region>.amazonaws.com`, the part a test stand-in replaces.
    public let origin: String
    /// The path and query after the host.
    public let pathAndQuery: String

    /// The longest URL accepted; SNS's carry a topic ARN and a token of a few hundred characters.
    static let maximumLength = 2048

    /// Checks `text` and keeps it.
    ///
    /// - Throws: ``SNSSignatureError`` (`refused`) saying which part is not SNS's.
    public init(_ text: String) throws(SNSSignatureError) {
        func refuse(_ problem: String) -> SNSSignatureError { SNSSignatureError(.refused, "SubscribeURL \(problem)") }
        guard text.utf8.count <= Self.maximumLength else {
            throw refuse("is \(text.utf8.count) bytes, more than \(Self.maximumLength)")
        }
        guard text.hasPrefix("https://") else { throw refuse("\(excerpt(text)) does not start with https://") }
        let rest = text.dropFirst("https://".count)
        guard let slash = rest.firstIndex(of: "/") else { throw refuse("\(excerpt(text)) has no path") }
        let host = rest[..<slash]
        guard !host.contains("@"), !host.contains(":"), SNSSigningCertURL.isSNSHost(host) else {
            throw refuse("host \(excerpt(String(host))) is not sns.<region>.amazonaws.com")
        }
        // Printable ASCII without spaces, quotes or angle brackets: what SNS writes, and nothing a URL parser reads two ways.
        let pathAndQuery = rest[slash...]
        guard pathAndQuery.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !"\"<>\\^`{|}".utf8.contains($0) }), !pathAndQuery.contains("#") else {
            throw refuse("\(excerpt(text)) has characters a URL does not hold")
        }
        self.text = text
        origin = "https://" + host
        self.pathAndQuery = String(pathAndQuery)
    }

    public var description: String { text }
}
