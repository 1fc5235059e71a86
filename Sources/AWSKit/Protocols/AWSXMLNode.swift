// DESIGN: XML answers (query, ec2, rest-xml and their errors) are read with FoundationXML's
// `XMLParser`, the event parser of swift-corelibs-foundation over libxml2, into the small tree
// below, which the shape-driven decoder walks. Why this and not XMLCoder or SWXMLHash: both of
// those are built on the same `XMLParser` on Linux (so they bring libxml2 all the same), both add
// a package to a project that has one dependency, and neither helps here: XMLCoder decodes into
// `Decodable` types we do not have (the shapes are data), and SWXMLHash is this file's tree with
// a larger API. libxml2 is kept from the network's worst: no DTDs, no external entities
// (`shouldResolveExternalEntities` is false, the default), and a size bound before parsing.
// Only this file imports FoundationXML. It is linked all the same (a module links as a whole):
// see BENCHMARKS.md for what that does to cold start.
import Foundation
import FoundationXML

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

    /// Parses `bytes` into a tree, or nil when they are not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> AWSXMLNode? {
        guard !bytes.isEmpty, bytes.count <= 64 << 20 else { return nil }
        let parser = XMLParser(data: Data(bytes))
        let builder = TreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [AWSXMLNode] = []
        var root: AWSXMLNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = AWSXMLNode(name: local, attributes: attributes)
            if let parent = stack.last { parent.children.append(node) } else if root == nil { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}
