/// An AWS access key pair, plus the session token that temporary credentials carry.
///
/// Printing, interpolating, `debugPrint` and `dump` show at most the last four characters of
/// the access key ID and never the secret or the token:
///
/// ```swift
/// let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret)
/// print(credentials)  // AWSCredentials(accessKeyID: ****MPLE, secretAccessKey: <redacted>, sessionToken: nil)
/// ```
public struct AWSCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key ID, such as `AKIAIOSFODNN7EXAMPLE`; it appears in every `Authorization` header.
    public var accessKeyID: String
    /// The secret access key; it only ever feeds the HMAC key chain.
    public var secretAccessKey: String
    /// The session token of temporary credentials (STS, SSO, instance roles), or `nil`.
    public var sessionToken: String?

    /// Makes credentials from their parts.
    ///
    /// - Parameters:
    ///   - accessKeyID: the access key ID.
    ///   - secretAccessKey: the secret access key.
    ///   - sessionToken: the session token of temporary credentials, or `nil` for long-term keys.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// A redacted summary: the access key ID's last four characters, never the secret or token.
    public var description: String {
        let token = sessionToken == nil ? "nil" : "<redacted>"
        return "AWSCredentials(accessKeyID: \(maskedAccessKeyID), secretAccessKey: <redacted>, sessionToken: \(token))"
    }

    /// The same redacted summary as `description`.
    public var debugDescription: String { description }

    /// A mirror with redacted children, so `dump(credentials)` leaks nothing either.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": maskedAccessKeyID,
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            ],
            displayStyle: .struct
        )
    }

    /// `****` and the last four characters, or only `****` for an ID of eight characters or fewer.
    private var maskedAccessKeyID: String {
        accessKeyID.count > 8 ? "****" + accessKeyID.suffix(4) : "****"
    }
}
