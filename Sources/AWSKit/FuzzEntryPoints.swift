/// The parsers of outside input in this module, for the libFuzzer targets of `Fuzz/` only.
///
/// Each entry runs the same internal code the SDK runs on shared config files and on requests
/// it signs; none of them is part of the module's API (`@_spi(Fuzzing) import AWSKit` to see them).
@_spi(Fuzzing) public enum FuzzEntryPoints {
    /// One section of a parsed config or credentials file: plain settings and nested ones apart.
    public struct ConfigSection: Equatable, Sendable {
        /// The name as written between the brackets, trimmed.
        public var name: String
        /// Plain settings, keys lowercased.
        public var strings: [String: String]
        /// Nested sections (`s3 =` then indented `key = value` lines).
        public var nested: [String: [String: String]]
    }

    /// The sections of config-file text, in file order.
    public static func awsConfigFile(_ text: String) throws -> [ConfigSection] {
        try ConfigFile.parse(text, path: "fuzz").sections.map { section in
            ConfigSection(
                name: section.name,
                strings: section.values.compactMapValues(\.string),
                nested: section.values.compactMapValues(\.nested)
            )
        }
    }

    /// The names of the sections of kind `kind` (`profile`, `sso-session`, `services`) in config-file text.
    public static func awsNamedSections(_ text: String, kind: String) throws -> [String] {
        Array(try ConfigFile.parse(text, path: "fuzz").namedSections(kind).keys)
    }

    /// The canonical query string SigV4 signs for the wire query `query`.
    public static func sigV4CanonicalQuery(_ query: String) -> String {
        SigV4Signer.canonicalQuery(query)
    }

    /// The canonical URI SigV4 signs for the wire path `path` under `options`.
    public static func sigV4CanonicalURI(_ path: String, options: SigV4Signer.Options) -> String {
        SigV4Signer(service: "fuzz", region: "us-east-1", options: options).canonicalURI(path)
    }

    /// An element of an XML answer as the protocol decoders see it.
    public struct XMLElement: Equatable, Sendable {
        /// The local name, its namespace prefix dropped.
        public var name: String
        /// The attributes by qualified name, namespace declarations included.
        public var attributes: [String: String]
        /// All of the element's own text, CDATA included, in document order.
        public var text: String
        /// The child elements, in order.
        public var children: [XMLElement]
    }

    /// The tree of an XML answer, read as AWS answers are (libxml2's reader, with the same caps).
    public static func xmlAnswer(_ bytes: [UInt8]) throws -> XMLElement {
        func element(_ node: AWSXMLNode) -> XMLElement {
            XMLElement(name: node.name, attributes: node.attributes, text: node.text, children: node.children.map(element))
        }
        return element(try AWSXMLNode.parse(bytes))
    }
}
