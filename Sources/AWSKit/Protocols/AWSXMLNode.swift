// DESIGN: XML answers (query, ec2, rest-xml and their errors) are read with libxml2's pull reader
// through CXMLShim, which opens libxml2 with dlopen at the first XML answer, into the small tree
// below, which the shape-driven decoder walks. Not FoundationXML's `XMLParser`, nor XMLCoder or
// SWXMLHash (both built on that `XMLParser` on Linux): importing FoundationXML links libxml2, and
// through it the system ICU, zlib and liblzma, into every start of the process, whether or not it
// ever reads XML (BENCHMARKS.md, "Cold start"). The answer is untrusted: no network, no entity
// substitution and no external entity or subset loaded (CXMLShim.h), no DOCTYPE accepted (AWS
// answers have none; the reader parses a little ahead of it, where libxml2's own guard against
// entity loops and amplification stands), and caps on size, depth, nodes and text, each failing
// with its reason.
import CXMLShim

/// An XML element: its local name (namespace prefix dropped), attributes, text and children.
final class AWSXMLNode {
    let name: String
    var attributes: [String: String]
    var text = ""
    var children: [AWSXMLNode] = []

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The first child called `name`.
    func child(_ name: String) -> AWSXMLNode? { children.first { $0.name == name } }

    /// Every child called `name`, in order.
    func children(_ name: String) -> [AWSXMLNode] { children.filter { $0.name == name } }

    /// The first element called `name` at any depth, this one included.
    func find(_ name: String) -> AWSXMLNode? {
        if self.name == name { return self }
        for child in children { if let found = child.find(name) { return found } }
        return nil
    }

    /// How much of an answer the tree may hold. The defaults are far above any AWS answer (tens of
    /// levels deep, at most some hundred thousand elements) and keep a hostile one from taking the
    /// process's memory or the decoder's stack, which recurses once a level.
    struct Limits {
        var bytes = 64 << 20
        var depth = 128
        /// Elements and attributes together.
        var nodes = 1_000_000
        /// Text of one element, in UTF-8 bytes.
        var text = 16 << 20
    }

    /// Why bytes could not be read as XML, for the caller's error message.
    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses `bytes` into a tree.
    ///
    /// - Throws: ``ParseError`` when libxml2 cannot be loaded, the bytes are not well-formed XML,
    ///   have a DOCTYPE, or go past one of `limits`.
    static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws -> AWSXMLNode {
        guard !bytes.isEmpty else { throw ParseError(description: "the body is empty") }
        guard bytes.count <= limits.bytes else {
            throw ParseError(description: "the body is over \(limits.bytes) bytes")
        }
        if let why = cxml_load() { throw ParseError(description: String(cString: why)) }
        return try bytes.withUnsafeBytes { raw in
            guard let start = raw.baseAddress?.assumingMemoryBound(to: CChar.self),
                  let reader = cxml_reader_open(start, Int32(raw.count)) else {
                throw ParseError(description: "libxml2 could not start a reader")
            }
            defer { cxml_reader_free(reader) }
            var builder = TreeBuilder(reader: reader, limits: limits)
            return try builder.build()
        }
    }

    /// Turns the reader's nodes into the tree, checking the limits as it goes.
    private struct TreeBuilder {
        let reader: OpaquePointer
        let limits: Limits
        var stack: [AWSXMLNode] = []
        var root: AWSXMLNode?
        var nodes = 0

        init(reader: OpaquePointer, limits: Limits) {
            self.reader = reader
            self.limits = limits
        }

        mutating func build() throws -> AWSXMLNode {
            while true {
                switch cxml_reader_read(reader) {
                case 1: try take(Int(cxml_reader_node_type(reader)))
                case 0:
                    guard let root, stack.isEmpty else { throw failure("the document ends inside an element") }
                    return root
                default: throw failure("not well-formed XML")
                }
            }
        }

        private mutating func take(_ type: Int) throws {
            switch type {
            case CXML_ELEMENT:
                guard stack.count < limits.depth else {
                    throw ParseError(description: "elements nested deeper than \(limits.depth)")
                }
                let node = AWSXMLNode(name: localName(current()), attributes: [:])
                try count()
                while cxml_reader_next_attribute(reader) == 1 {
                    try count()
                    node.attributes[current()] = cxml_reader_value(reader).map { String(cString: $0) } ?? ""
                }
                cxml_reader_to_element(reader)
                if let parent = stack.last { parent.children.append(node) } else { root = node }
                if cxml_reader_is_empty_element(reader) == 0 { stack.append(node) }
            case CXML_END_ELEMENT:
                _ = stack.popLast()
            case CXML_TEXT, CXML_CDATA, CXML_WHITESPACE, CXML_SIGNIFICANT_WHITESPACE:
                guard let node = stack.last, let value = cxml_reader_value(reader) else { return }
                let text = String(cString: value)
                guard node.text.utf8.count + text.utf8.count <= limits.text else {
                    throw ParseError(description: "the text of <\(node.name)> is over \(limits.text) bytes")
                }
                node.text += text
            case CXML_DOCUMENT_TYPE:
                throw ParseError(description: "the document has a DOCTYPE, which AWS answers never have")
            default:
                return  // comments and processing instructions
            }
        }

        private mutating func count() throws {
            nodes += 1
            guard nodes <= limits.nodes else {
                throw ParseError(description: "more than \(limits.nodes) elements and attributes")
            }
        }

        private func current() -> String { cxml_reader_name(reader).map { String(cString: $0) } ?? "" }

        private func localName(_ qualified: String) -> String {
            qualified.split(separator: ":").last.map(String.init) ?? qualified
        }

        private func failure(_ fallback: String) -> ParseError {
            ParseError(description: cxml_reader_error(reader).map { String(cString: $0) } ?? fallback)
        }
    }
}
