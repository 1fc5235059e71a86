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
        let (host, pathAndQuery) = try SNSSigningCertURL.snsParts(text, field: "SubscribeURL", maximumLength: Self.maximumLength)
        // Printable ASCII without spaces, quotes or angle brackets: what SNS writes, and nothing a URL parser reads two ways.
        guard pathAndQuery.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !"\"<>\\^`{|}".utf8.contains($0) }), !pathAndQuery.contains("#") else {
            throw refuse("\(excerpt(text)) has characters a URL does not hold")
        }
        self.text = text
        origin = "https://" + host
        self.pathAndQuery = String(pathAndQuery)
    }

    public var description: String { text }
}
