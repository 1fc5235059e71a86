/// What `SigV4Signer` computed for one request: each intermediate of the algorithm and the result.
///
/// Compare `canonicalRequest` and `stringToSign` with the ones AWS returns in a
/// `SignatureDoesNotMatch` error. The canonical request holds the session token when one was
/// signed, so `description` and `dump` show only the scope, signed headers and signature.
public struct SigV4Signature: Sendable, CustomStringConvertible, CustomReflectable {
    /// The canonical request: method, URI, query, headers, signed headers and payload hash.
    public let canonicalRequest: String
    /// `AWS4-HMAC-SHA256`, the timestamp, the credential scope and the canonical request's hash.
    public let stringToSign: String
    /// `YYYYMMDD/region/service/aws4_request`.
    public let credentialScope: String
    /// The signed header names, lowercased, sorted and joined by `;`.
    public let signedHeaders: String
    /// The signature, 64 lowercase hex digits.
    public let signature: String
    /// The `Authorization` header value `sign` sets; a presigned request carries these parts in its query instead.
    public let authorization: String

    /// The scope, signed headers and signature; never the canonical request.
    public var description: String {
        "SigV4Signature(scope: \(credentialScope), signedHeaders: \(signedHeaders), signature: \(signature))"
    }

    /// A mirror of `description`'s fields only, so `dump` cannot print the session token.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "credentialScope": credentialScope, "signedHeaders": signedHeaders, "signature": signature,
            ],
            displayStyle: .struct
        )
    }
}
