/// rest-xml bodies, written as botocore's RestXMLSerializer writes them (ElementTree, no
/// declaration), members in the model's order.
extension Builder {
    /// The payload member `value` as a document whose root is `rootName`.
    func xmlDocument(_ value: AWSValue, ref: AWSShapeRef, rootName: String) throws -> [UInt8] {
        var out = ""
        try writeXML(value, ref: ref, name: rootName, to: &out)
        return Array(out.utf8)
    }

    /// The input's body members as a document whose root is the operation's input `locationName`.
    func xmlStructure(_ members: [(AWSShapeRef, AWSValue)], shape: AWSShape, ref: AWSShapeRef, name: String) throws -> [UInt8] {
        var out = ""
        try writeXMLStructure(members, shape: shape, ref: ref, name: name, to: &out)
        return Array(out.utf8)
    }

    func namespaceAttribute(_ ref: AWSShapeRef, _ shape: AWSShape) -> String {
        guard let namespace = ref.xmlNamespace ?? shape.xmlNamespace else { return "" }
        return " xmlns" + (namespace.prefix.map { ":" + $0 } ?? "") + "=\"" + Self.escape(namespace.uri, attribute: true) + "\""
    }

    func writeXMLStructure(_ members: [(AWSShapeRef, AWSValue)], shape: AWSShape, ref: AWSShapeRef, name: String,
                           to out: inout String) throws {
        var attributes = namespaceAttribute(ref, shape)
        var children = ""
        for (child, value) in members {
            let childName = child.locationName ?? child.name ?? ""
            if child.xmlAttribute == true {
                let childShape = try model.shape(child.shape)
                attributes += " \(childName)=\"" + Self.escape(try text(value, childShape, timestampFormat: "iso8601", member: childName), attribute: true) + "\""
            } else {
                try writeXML(value, ref: child, name: childName, to: &children)
            }
        }
        out += children.isEmpty ? "<\(name)\(attributes) />" : "<\(name)\(attributes)>\(children)</\(name)>"
    }

    func writeXML(_ value: AWSValue, ref: AWSShapeRef, name: String, to out: inout String) throws {
        let shape = try model.shape(ref.shape)
        let member = ref.name ?? name
        switch shape.type {
        case .structure:
            try writeXMLStructure(members(of: value, shape: shape, top: false), shape: shape, ref: ref, name: name, to: &out)
        case .list:
            guard let items = value.listValue, let element = shape.member else { throw fail("member \(member) takes a list") }
            if ref.flattened == true || shape.flattened == true {
                for item in items { try writeXML(item, ref: element, name: name, to: &out) }
            } else {
                let elementName = try element.locationName ?? model.shape(element.shape).locationName ?? "member"
                var inner = ""
                for item in items { try writeXML(item, ref: element, name: elementName, to: &inner) }
                let attributes = namespaceAttribute(ref, shape)
                out += inner.isEmpty ? "<\(name)\(attributes) />" : "<\(name)\(attributes)>\(inner)</\(name)>"
            }
        case .map:
            guard let entries = value.fields, let keyRef = shape.key, let valueRef = shape.value else {
                throw fail("member \(member) takes a map")
            }
            let flat = ref.flattened == true || shape.flattened == true
            var inner = ""
            for entry in entries {
                var pair = ""
                try writeXML(.string(entry.name), ref: keyRef, name: keyRef.locationName ?? "key", to: &pair)
                try writeXML(entry.value, ref: valueRef, name: valueRef.locationName ?? "value", to: &pair)
                inner += flat ? "<\(name)>\(pair)</\(name)>" : "<entry>\(pair)</entry>"
            }
            out += flat ? inner : "<\(name)\(namespaceAttribute(ref, shape))>\(inner)</\(name)>"
        default:
            let written = try text(value, shape, timestampFormat: timestampFormat(ref, shape, default: "iso8601"), member: member)
            let attributes = namespaceAttribute(ref, shape)
            out += written.isEmpty ? "<\(name)\(attributes) />" : "<\(name)\(attributes)>\(Self.escape(written, attribute: false))</\(name)>"
        }
    }

    /// ElementTree's escaping: `& < >` in text, and `"` and newlines too in attributes.
    static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            default: out.append(character)
            }
        }
        return out
    }
}
