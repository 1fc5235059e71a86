/// A shape of a service model: a structure, list, map or scalar, with the traits the protocols read.
public struct AWSShape: Sendable, Decodable {
    /// What kind of value the shape is.
    public enum Kind: String, Sendable, Decodable {
        case structure, list, map, string, integer, long, float, double, boolean, timestamp, blob
    }

    /// What kind of value the shape is.
    public let type: Kind
    /// A structure's members, in the model's order (rest-xml bodies follow it).
    public let members: [AWSShapeRef]?
    /// The names of a structure's required members.
    public let required: [String]?
    /// A list's element.
    public let member: AWSShapeRef?
    /// A map's key.
    public let key: AWSShapeRef?
    /// A map's value.
    public let value: AWSShapeRef?
    /// The member sent as the whole body, for rest protocols.
    public let payload: String?
    /// A blob or string streamed as the whole body (S3 GetObject's `Body`).
    public let streaming: Bool?
    /// The value is secret (credentials, SecureString parameters): it never reaches the journal.
    public let sensitive: Bool?
    /// `iso8601`, `unixTimestamp` or `rfc822`, for a timestamp shape.
    public let timestampFormat: String?
    /// A list or map serialised without a wrapping element (query, ec2, rest-xml).
    public let flattened: Bool?
    /// The element name of a list's or structure's XML form.
    public let locationName: String?
    /// The XML namespace of a rest-xml structure.
    public let xmlNamespace: AWSXMLNamespace?
    /// A structure of which exactly one member is set.
    public let union: Bool?
    /// An event stream's event, or the stream itself.
    public let event: Bool?
    /// An event stream structure.
    public let eventstream: Bool?
    /// A streaming input whose length must be known in advance (S3 PutObject's `Body`).
    public let requiresLength: Bool?

    /// The member named `name` of a structure.
    public func member(named name: String) -> AWSShapeRef? {
        members?.first { $0.name == name }
    }
}

/// A reference to a shape, from a structure member, a list, a map or an operation, with the
/// traits that say where it goes on the wire.
public struct AWSShapeRef: Sendable, Decodable {
    /// Where a member goes in an HTTP request or answer, for rest protocols.
    public enum Location: String, Sendable, Decodable {
        /// A `{Label}` of the URI.
        case uri
        /// A query string parameter.
        case querystring
        /// One header.
        case header
        /// Every header starting with `locationName` (S3 `x-amz-meta-`), as a map.
        case headers
        /// The HTTP status code of an answer.
        case statusCode
    }

    /// The member's name in the model, for structure members; nil for other references.
    public let name: String?
    /// The referenced shape's name.
    public let shape: String
    /// Where a rest protocol puts the member; nil for the body.
    public let location: Location?
    /// The member's name on the wire (header, query parameter, label, JSON key or XML element).
    public let locationName: String?
    /// The ec2 protocol's name for the member in a request.
    public let queryName: String?
    /// The XML namespace declared on this element.
    public let xmlNamespace: AWSXMLNamespace?
    /// A list or map serialised without a wrapping element.
    public let flattened: Bool?
    /// The member is an XML attribute, not an element.
    public let xmlAttribute: Bool?
    /// The member is filled with a fresh UUID when the caller leaves it out.
    public let idempotencyToken: Bool?
    /// The member fills a `{Label}` of the operation's host prefix.
    public let hostLabel: Bool?
    /// The member is streamed as the body.
    public let streaming: Bool?
    /// For a query protocol's output, the element wrapping the result (`DescribeAlarmsResult`).
    public let resultWrapper: String?
    /// The member is an event's payload.
    public let eventpayload: Bool?
    /// A header member that holds base64-encoded JSON.
    public let jsonvalue: Bool?
    /// `iso8601`, `unixTimestamp` or `rfc822`, overriding the shape's.
    public let timestampFormat: String?
    /// The endpoint rule parameter the member feeds (S3 `Bucket`).
    public let contextParam: ContextParam?

    /// The `contextParam` trait.
    public struct ContextParam: Sendable, Decodable {
        /// The endpoint rule parameter's name.
        public let name: String
    }

    /// The name on the wire: the location name when there is one, else the model name.
    public var wireName: String? { locationName ?? name }
}

/// An XML namespace, with its prefix when the model gives one.
public struct AWSXMLNamespace: Sendable, Decodable {
    /// The namespace URI.
    public let uri: String
    /// The prefix (`xsi`), or nil for the default namespace.
    public let prefix: String?
}
